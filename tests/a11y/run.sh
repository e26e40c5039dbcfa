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
source "$(cd "$(dirname "$0")" && pwd)/serve.sh"

password=$(awk '$1 == "demo-ledelse" { print $NF }' "$demo_users")
[ -n "$password" ] || { echo "a11y: no demo-ledelse user in demo-brugere.txt" >&2; exit 2; }

# The administrator's pages as demo-admin, and the look-up (#14) as the demo
# caseworker with one of the synthetic citizens the
# demo printed (one per risk band; the first is taken).
cw_password=$(awk '$1 == "demo-sagsbehandler" { print $NF }' "$demo_users")
admin_password=$(awk '$1 == "demo-admin" { print $NF }' "$demo_users")
jura_password=$(awk '$1 == "demo-jura" { print $NF }' "$demo_users")
cpr=$(grep -o 'på /borger: [0-9-]*' "$work/demo.log" | head -1 | awk '{print $NF}')
[ -n "$cw_password" ] && [ -n "$admin_password" ] && [ -n "$cpr" ] || { echo "a11y: no demo caseworker or no citizen to look up in the demo's output" >&2; exit 2; }
A11Y_BASE="$base" A11Y_USER=demo-ledelse A11Y_PASSWORD="$password" \
    A11Y_ADMIN=demo-admin A11Y_ADMIN_PASSWORD="$admin_password" \
    A11Y_JURA=demo-jura A11Y_JURA_PASSWORD="$jura_password" \
    A11Y_CASEWORKER=demo-sagsbehandler A11Y_CASEWORKER_PASSWORD="$cw_password" A11Y_CPR="$cpr" \
    node "$here/check.mjs"
