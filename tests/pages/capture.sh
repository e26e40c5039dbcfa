#!/usr/bin/env bash
# Saves every cockpit page, filter view, export and the committee report of one data
# dir as files, so two builds can be compared page by page (issue #13: the refactor
# must leave the demo store's HTML unchanged). Run from the source tree whose
# dashboards/ and pipelines/ the binary should read.
#
#   tests/pages/capture.sh BINARY DATA_DIR OUT_DIR
#   tests/pages/compare.sh OLD_TREE OLD_BINARY NEW_TREE NEW_BINARY   # the whole procedure
#
# Values that differ between two serves of the same store (CSRF tokens, the time a
# page was rendered) are replaced by placeholders; nothing else is touched.
set -euo pipefail
bin="$1"; data="$2"; out="$3"
mkdir -p "$out"
work="$(mktemp -d)"
server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
JOBCOCKPIT_DATA_DIR="$data" JOBCOCKPIT_BIND="127.0.0.1:$port" "$bin" serve > "$work/serve.log" 2>&1 &
server=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 150); do
    curl -fsS "$base/healthz" >/dev/null 2>&1 && break
    kill -0 "$server" 2>/dev/null || { cat "$work/serve.log" >&2; echo "capture: the server stopped" >&2; exit 2; }
    sleep 0.2
done

normalise() {
    sed -E -e 's/(name="csrf" value=")[^"]*/\1[csrf]/g' \
           -e 's/[0-9]{1,2}\. [a-zæøå]+ [0-9]{4} kl\. [0-9]{2}[:.][0-9]{2}/[tidspunkt]/g' \
           -e 's/[0-9]{8}T[0-9]{6}\.[0-9]{3}/[tidspunkt]/g' \
           -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9:]+)?/[tidspunkt]/g'
}

login() { # user -> cookie jar $work/$user
    local user="$1" jar="$work/$1.jar" password csrf
    password=$(awk -v u="$user" '$1 == u { print $NF }' "$data/demo-brugere.txt")
    csrf=$(curl -fsS -c "$jar" -b "$jar" "$base/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
    curl -fsS -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf=$csrf" --data-urlencode "next=/" \
        --data-urlencode "username=$user" --data-urlencode "password=$password" "$base/login"
}

get() { # user path name
    local code
    code=$(curl -sS -o "$work/body" -w '%{http_code}' -b "$work/$1.jar" "$base$2")
    { echo "# GET $2 -> $code"; normalise < "$work/body"; } > "$out/$3"
    echo "$code"
}

login demo-ledelse
login demo-dataenhed
get demo-ledelse / forside.html >/dev/null
slugs=$(curl -fsSL -b "$work/demo-ledelse.jar" "$base/" | grep -o 'href="/d/[a-z0-9-]*"' | sed 's/href="\/d\///; s/"//' | sort -u)
for slug in $slugs; do
    page="$base/d/$slug"
    get demo-ledelse "/d/$slug" "d_$slug.html" >/dev/null
    # Every filter value the page offers (the <option>s of its filter form).
    curl -fsS -b "$work/demo-ledelse.jar" "$page" > "$work/page"
    for g in $(grep -o 'name="gruppe"' -A0 "$work/page" >/dev/null && sed -n 's/.*<option value="\([^"]*:[^"]*\)".*/\1/p' "$work/page" | sort -u); do
        get demo-ledelse "/d/$slug?gruppe=$g" "d_${slug}_gruppe_${g//[^a-zA-Z0-9_-]/_}.html" >/dev/null
    done
    for p in $(sed -n 's/.*<option value="\([0-9]\{4\}\)".*/\1/p' "$work/page" | sort -u); do
        get demo-ledelse "/d/$slug?periode=$p" "d_${slug}_periode_$p.html" >/dev/null
    done
    for n in $(seq 0 40); do
        for ext in csv; do
            code=$(get demo-ledelse "/d/$slug/eksport/$n.$ext" "x_${slug}_$n.$ext")
            [ "$code" = 200 ] || rm -f "$out/x_${slug}_$n.$ext"
        done
    done
done
get demo-ledelse /rapporter rapporter.html >/dev/null
get demo-dataenhed /koersel koersel.html >/dev/null
get demo-ledelse /findes-ikke 404.html >/dev/null
# The newest committee report's HTML and its disclosed inputs, as archived.
latest=$(ls -d "$data"/reports/*/ 2>/dev/null | sort | tail -1)
if [ -n "$latest" ]; then
    for f in "$latest"*.html "$latest"grundlag.json; do
        [ -f "$f" ] && normalise < "$f" > "$out/report_$(basename "$f")"
    done
fi
echo "capture: $(ls "$out" | wc -l) files in $out"
