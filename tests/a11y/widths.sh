#!/usr/bin/env bash
# Page widths (issue #20): builds the same small demo store as run.sh, serves it,
# and runs widths.mjs: every page of every demo role at 390, 768 and 1400 px in
# Debian's headless Chromium, a screenshot of each, and a failure for any page that
# scrolls sideways (document wider than the window).
#
#   tests/a11y/widths.sh                        # screenshots in a temporary dir, named at the end
#   WIDTHS_SHOTS=/tmp/shots tests/a11y/widths.sh  # ... or in this dir
set -euo pipefail
source "$(cd "$(dirname "$0")" && pwd)/serve.sh"
cpr=$(grep -o 'på /borger: [0-9-]*' "$work/demo.log" | head -1 | awk '{print $NF}')
WIDTHS_BASE="$base" WIDTHS_USERS="$demo_users" WIDTHS_CPR="$cpr" node "$here/widths.mjs"
