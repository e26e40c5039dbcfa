#!/usr/bin/env bash
# Load benchmark of every cockpit page (issue #6): wrk with 64 connections against the
# real server on the loopback interface, logged in as a management user.
#
#   DATA_DIR=/path/to/backfilled/data tests/reference/bench_pages.sh [seconds per url]
#
# DATA_DIR must hold a store the pipeline has run on (e.g. `jobcockpit demo --no-serve
# --data-dir DIR --population 6500000`, or deliveries loaded with `ingest` and `run`).
# Needs wrk (Debian: apt-get install wrk) and curl. Prints one Markdown row per URL:
# every dashboard in the menu, unfiltered, and the filter page with one group and a
# year. wrk runs 2 threads on the same 2 cores as the server, so the client's CPU is
# part of what is measured. Requests are sent without Accept-Encoding (no gzip).
set -euo pipefail

BIN=${JOBCOCKPIT_BIN:-${CARGO_TARGET_DIR:-target}/release/jobcockpit}
DATA_DIR=${DATA_DIR:?set DATA_DIR to a data dir with a backfilled store}
PORT=${PORT:-18080}
SECONDS_PER_URL=${1:-15}
BASE="http://127.0.0.1:$PORT"
WORK=$(mktemp -d)
export JOBCOCKPIT_DATA_DIR="$DATA_DIR" JOBCOCKPIT_BIND="127.0.0.1:$PORT"

# A benchmark user (the server must not run while the user is added).
PASSWORD="bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
if ! echo "$PASSWORD" | "$BIN" user add bench --role ledelse >/dev/null 2>&1; then
    echo "$PASSWORD" | "$BIN" user reset-password bench >/dev/null
fi

"$BIN" serve >"$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do
    curl -fs "$BASE/healthz" >/dev/null 2>&1 && break
    sleep 0.2
done

# Log in as a browser would: the form's token, then the post.
JAR="$WORK/cookies"
CSRF=$(curl -fs -c "$JAR" "$BASE/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -fs -b "$JAR" -c "$JAR" -o /dev/null \
    --data-urlencode "csrf=$CSRF" --data-urlencode "username=bench" \
    --data-urlencode "password=$PASSWORD" --data-urlencode "next=/" "$BASE/login"
COOKIE=$(awk '!/^#/ && NF >= 7 { printf "%s=%s; ", $6, $7 }' "$JAR")
# HttpOnly cookies are written with a "#HttpOnly_" prefix by curl.
COOKIE="$COOKIE$(awk '/^#HttpOnly_/ { printf "%s=%s; ", $6, $7 }' "$JAR")"

# Every page in the menu, and the filter page with a district and a year.
PAGES=$(curl -fs -H "Cookie: $COOKIE" "$BASE/d/overblik" | grep -o 'href="/d/[a-z0-9-]*"' | sed 's/href="//; s/"$//' | sort -u)
URLS="$PAGES"
if echo "$PAGES" | grep -q '^/d/grupper$'; then
    FORM=$(curl -fs -H "Cookie: $COOKIE" "$BASE/d/grupper")
    GROUP=$(echo "$FORM" | grep -o 'value="distrikt:[^"]*"' | head -1 | sed 's/value="//; s/"$//; s/:/%3A/')
    YEAR=$(echo "$FORM" | grep -o '<option value="20[0-9][0-9]"' | head -1 | grep -o '20[0-9][0-9]')
    URLS="$URLS
/d/grupper?gruppe=$GROUP&periode=$YEAR
/d/grupper/eksport/3.csv?gruppe=$GROUP
/d/grupper/eksport/3.xlsx?gruppe=$GROUP"
fi

. "$(dirname "$0")/wrk_ms.sh"

echo "| url | status | bytes | first request ms | p50 ms | p99 ms | requests/s |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for url in $URLS; do
    # The first request renders the page from the marts (unless the link scraping
    # above already asked for it: /d/overblik and /d/grupper); later ones hit the cache.
    read -r status first < <(curl -s -o "$WORK/body" -w '%{http_code} %{time_total}\n' -H "Cookie: $COOKIE" "$BASE$url")
    first=$(awk -v s="$first" 'BEGIN { printf "%.1f", s * 1000 }')
    bytes=$(wc -c <"$WORK/body")
    # Warm-up (fills the page cache), then the measurement.
    wrk -t2 -c64 -d3s -H "Cookie: $COOKIE" "$BASE$url" >/dev/null
    wrk -t2 -c64 -d"${SECONDS_PER_URL}s" --latency -H "Cookie: $COOKIE" "$BASE$url" >"$WORK/wrk"
    p50=$(ms 50 "$WORK/wrk")
    p99=$(ms 99 "$WORK/wrk")
    rps=$(awk '/^Requests\/sec/ { print $2 }' "$WORK/wrk")
    errors=$(grep -E 'Non-2xx|Socket errors' "$WORK/wrk" | tr '\n' ' ' || true)
    echo "| \`$url\` | $status | $bytes | $first | $p50 | $p99 | $rps |${errors:+ $errors}"
done
