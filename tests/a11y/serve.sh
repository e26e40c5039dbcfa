#!/usr/bin/env bash
# Sourced by tests/a11y/run.sh (axe-core) and tests/a11y/widths.sh (page widths):
# builds a small demo store, serves it on a free loopback port and stops the server
# on exit. Sets: bin, root, here, work, port, base and demo_users (the demo's
# demo-brugere.txt: user, role and password per line).
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
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

base="http://127.0.0.1:$port"
demo_users="$work/data/demo-brugere.txt"
