#!/usr/bin/env bash
# Page latency while monthly runs are being made (issue #22): wrk with 64 connections on
# one page, first on a quiet server, then while a data-unit user starts one run after
# another through the cockpit (POST /koersel, as the button does).
#
#   DATA_DIR=/path/to/backfilled/data tests/reference/bench_pages_during_run.sh [seconds] [url]
#
# DATA_DIR must hold a store the pipeline has run on (e.g. `jobcockpit demo --no-serve
# --data-dir DIR`); the month the schedule would run must have its delivery (true for a
# demo store). Needs wrk and curl. Prints one Markdown row per phase and the number of
# runs that finished inside the loaded window: each finished run replaced the marts and
# so the page's snapshot, which is the moment the issue measured p99 1.37 s at.
set -euo pipefail

BIN=${JOBCOCKPIT_BIN:-${CARGO_TARGET_DIR:-target}/release/jobcockpit}
DATA_DIR=${DATA_DIR:?set DATA_DIR to a data dir with a backfilled store}
PORT=${PORT:-18081}
SECONDS_LOADED=${1:-60}
URL=${2:-/d/overblik}
BASE="http://127.0.0.1:$PORT"
WORK=$(mktemp -d)
export JOBCOCKPIT_DATA_DIR="$DATA_DIR" JOBCOCKPIT_BIND="127.0.0.1:$PORT"

# Two users: one reads pages, one starts runs (the server must not run yet).
PASSWORD="bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
for user in bench:ledelse benchrun:dataenhed; do
    name=${user%%:*}
    role=${user##*:}
    if ! echo "$PASSWORD" | "$BIN" user add "$name" --role "$role" >/dev/null 2>&1; then
        echo "$PASSWORD" | "$BIN" user reset-password "$name" >/dev/null
    fi
done

"$BIN" serve >"$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; kill $(jobs -p) 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 150); do
    curl -fs "$BASE/healthz" >/dev/null 2>&1 && break
    sleep 0.2
done

# Logs in as a browser would; prints the cookie header.
login() {
    local jar="$WORK/$1.jar" csrf
    csrf=$(curl -fs -c "$jar" "$BASE/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
    curl -fs -b "$jar" -c "$jar" -o /dev/null \
        --data-urlencode "csrf=$csrf" --data-urlencode "username=$1" \
        --data-urlencode "password=$PASSWORD" --data-urlencode "next=/" "$BASE/login"
    awk '!/^#/ && NF >= 7 { printf "%s=%s; ", $6, $7 } /^#HttpOnly_/ { printf "%s=%s; ", $6, $7 }' "$jar"
}
READER=$(login bench)
RUNNER=$(login benchrun)
curl -fs -o /dev/null -H "Cookie: $READER" "$BASE$URL"

. "$(dirname "$0")/wrk_ms.sh"
row() {
    local rps errors max
    rps=$(awk '/^Requests\/sec/ { print $2 }' "$2")
    errors=$(awk '/Non-2xx/ { print $NF } END { if (!found) print "" }' "$2" | head -1)
    max=$(awk '$1 == "Latency" { print $4 }' "$2")
    echo "| $1 | $(ms 50 "$2") | $(ms 90 "$2") | $(ms 99 "$2") | $max | $rps | ${errors:-0} | $3 |"
}

# Starts runs one after another until told to stop; one line per finished run.
runs() {
    while [ ! -f "$WORK/stop" ]; do
        local form csrf
        form=$(curl -fs -H "Cookie: $RUNNER" "$BASE/koersel")
        if echo "$form" | grep -q 'allerede i gang'; then
            sleep 0.5
            continue
        fi
        csrf=$(echo "$form" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
        curl -fs -o /dev/null -H "Cookie: $RUNNER" --data-urlencode "csrf=$csrf" "$BASE/koersel" || true
        sleep 1
        while curl -fs -H "Cookie: $RUNNER" "$BASE/koersel" | grep -q 'allerede i gang'; do
            sleep 0.2
        done
        echo "run finished $(date +%s)" >>"$WORK/runs"
    done
}

echo "| phase | p50 ms | p90 ms | p99 ms | max | requests/s | non-2xx | runs finished |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
wrk -t2 -c64 -d3s -H "Cookie: $READER" "$BASE$URL" >/dev/null
wrk -t2 -c64 -d"${SECONDS_LOADED}s" --latency -H "Cookie: $READER" "$BASE$URL" >"$WORK/quiet"
row "quiet" "$WORK/quiet" 0

: >"$WORK/runs"
runs &
RUNS=$!
sleep 2
wrk -t2 -c64 -d"${SECONDS_LOADED}s" --latency -H "Cookie: $READER" "$BASE$URL" >"$WORK/during"
touch "$WORK/stop"
row "during runs" "$WORK/during" "$(wc -l <"$WORK/runs")"
wait $RUNS 2>/dev/null || true
grep -c 'kørsel fra cockpittet gennemført' "$WORK/serve.log" | sed 's/^/runs completed in the server log: /' >&2
