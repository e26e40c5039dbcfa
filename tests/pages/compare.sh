#!/usr/bin/env bash
# Issue #13's page check: does a new build show the same cockpit as an old one?
#
#   tests/pages/compare.sh OLD_TREE OLD_BINARY NEW_TREE NEW_BINARY [WORK_DIR]
#
# The old build makes a small demo store (3 years, 20,000 inhabitants, seed 42). Two
# copies of it are run again for the last month, one by each build, so every mart
# and the committee report are rebuilt by the build that is served, with the same
# keys and deliveries; then every page, filter view and CSV export of each copy is
# captured (capture.sh) and the two folders are compared. Prints the diff; exit 0
# when the pages are the same.
set -euo pipefail
old_tree="$(cd "$1" && pwd)"; old_bin="$2"; new_tree="$(cd "$3" && pwd)"; new_bin="$4"
work="${5:-$(mktemp -d)}"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$work"
if [ ! -f "$work/base/demo-brugere.txt" ]; then
    (cd "$old_tree" && "$old_bin" demo --data-dir "$work/base" --no-serve --years 3 --population 20000 > "$work/demo.log" 2>&1) \
        || { tail -20 "$work/demo.log" >&2; exit 2; }
fi
month=$(ls "$work/base/inbox" | sort | tail -1)
rm -rf "$work/old-pages" "$work/new-pages"
# Each side runs in the same folder, so paths shown on the run pages are the same.
run_and_capture() { # side tree binary
    rm -rf "$work/run"
    cp -a "$work/base" "$work/run"
    (cd "$2" && JOBCOCKPIT_DATA_DIR="$work/run" "$3" run --month "$month" > "$work/$1-run.log" 2>&1) \
        || { tail -20 "$work/$1-run.log" >&2; exit 2; }
    (cd "$2" && "$here/capture.sh" "$3" "$work/run" "$work/$1-pages")
    # The run log page is made of durations, which differ from run to run: its
    # numbers and chart marks are blanked, its structure and texts still compared.
    sed -i -E -e 's#[0-9]+([.,][0-9]+)*#N#g' -e '/^ *<(line|rect|path|circle|text class="tick)/d' "$work/$1-pages/"*koersler*
    rm -rf "$work/$1"; mv "$work/run" "$work/$1"
}
run_and_capture old "$old_tree" "$old_bin"
run_and_capture new "$new_tree" "$new_bin"
if diff -r "$work/old-pages" "$work/new-pages" > "$work/pages.diff"; then
    echo "pages: the same ($(ls "$work/old-pages" | wc -l) files, month $month)"
else
    cat "$work/pages.diff"
    echo "pages: $(grep -c '^diff' "$work/pages.diff" || true) files differ (diff in $work/pages.diff)" >&2
    exit 1
fi
