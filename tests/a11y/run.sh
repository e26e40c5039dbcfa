#!/usr/bin/env bash
# Accessibility check of every cockpit page (issue #6; /dokumentation of #16 is
# checked as management's menu page and again as the lawyers'): builds a small demo store,
# serves it on a free loopback port, runs check.mjs (axe-core in Debian's headless
# Chromium) as the demo management user, and stops the server.
#
#   tests/a11y/run.sh                 # needs the release binary, node, npm and /usr/bin/chromium
#   A11Y_SHOTS=/tmp/shots tests/a11y/run.sh   # also saves a screenshot of every page
#
# The npm packages are installed from the lock file (npm ci) when missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${JOBCOCKPIT_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/jobcockpit-target}/release/jobcockpit}"
[ -x "$bin" ] || { echo "a11y: no binary at $bin (cargo build --release first)" >&2; exit 2; }
[ -x /usr/bin/chromium ] || { echo "a11y: /usr/bin/chromium missing (apt-get install -y chromium)" >&2; exit 2; }
[ -d "$here/node_modules/axe-core" ] && [ -d "$here/node_modules/playwright-core" ] \
    || (cd "$here" && npm ci --no-audit --no-fund)

work="$(mktemp -d)"
server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# A small municipality over three years: enough mature cohorts (12 months' outcome)
# for every figure, in a fraction of the full demo's time. Run from the repository
# root so the binary finds dashboards/ and pipelines/.
cd "$root"
start=$(date +%s)
"$bin" demo --data-dir "$work/data" --no-serve --years 3 --population 20000 > "$work/demo.log" 2>&1 \
    || { tail -20 "$work/demo.log" >&2; echo "a11y: the demo store could not be built" >&2; exit 2; }
echo "a11y: demo store built in $(( $(date +%s) - start )) s"

password=$(awk '$1 == "demo-ledelse" { print $NF }' "$work/data/demo-brugere.txt")
[ -n "$password" ] || { echo "a11y: no demo-ledelse user in demo-brugere.txt" >&2; exit 2; }

# A free loopback port: bind port 0 and let the OS choose.
port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
JOBCOCKPIT_DATA_DIR="$work/data" JOBCOCKPIT_BIND="127.0.0.1:$port" "$bin" serve > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
    if node -e "fetch('http://127.0.0.1:$port/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"; then
        break
    fi
    kill -0 "$server" 2>/dev/null || { cat "$work/serve.log" >&2; echo "a11y: the server stopped" >&2; exit 2; }
    sleep 0.2
done

# The administrator's pages as demo-admin, and the look-up (#14) as the demo
# caseworker with one of the synthetic citizens the
# demo printed (one per risk band; the first is taken).
cw_password=$(awk '$1 == "demo-sagsbehandler" { print $NF }' "$work/data/demo-brugere.txt")
admin_password=$(awk '$1 == "demo-admin" { print $NF }' "$work/data/demo-brugere.txt")
jura_password=$(awk '$1 == "demo-jura" { print $NF }' "$work/data/demo-brugere.txt")
cpr=$(grep -o 'på /borger: [0-9-]*' "$work/demo.log" | head -1 | awk '{print $NF}')
[ -n "$cw_password" ] && [ -n "$admin_password" ] && [ -n "$cpr" ] || { echo "a11y: no demo caseworker or no citizen to look up in the demo's output" >&2; exit 2; }
A11Y_BASE="http://127.0.0.1:$port" A11Y_USER=demo-ledelse A11Y_PASSWORD="$password" \
    A11Y_ADMIN=demo-admin A11Y_ADMIN_PASSWORD="$admin_password" \
    A11Y_JURA=demo-jura A11Y_JURA_PASSWORD="$jura_password" \
    A11Y_CASEWORKER=demo-sagsbehandler A11Y_CASEWORKER_PASSWORD="$cw_password" A11Y_CPR="$cpr" \
    node "$here/check.mjs"
