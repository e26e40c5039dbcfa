#!/usr/bin/env bash
# Decision tree benchmark: jobcockpit (model::cart) against scikit-learn on the
# same synthetic matrix, at 100,000 and 1,000,000 training rows (or the sizes given).
#
#   tests/reference/bench_tree.sh [ROWS ...]        # REPEAT=2 by default (best of N)
#
# Builds with `cargo run --release` into $CARGO_TARGET_DIR if set (use the same
# target directory and profile as your other builds, or DuckDB is compiled again).
# Needs python3 with numpy and scikit-learn. Writes /tmp/jobcockpit_bench_<rows>.csv
# and each side's output and JSON to /tmp/jobcockpit_bench_<rows>.{jobcockpit,sklearn}.{log,json},
# then prints Markdown tables.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPEAT=${REPEAT:-2}
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(100000 1000000)

if [ -z "${CARGO_TARGET_DIR:-}" ] && [ ! -d target/release ]; then
  echo "note: no CARGO_TARGET_DIR and no target/release: the first build compiles DuckDB (long)" >&2
fi
cargo build --release --example bench_tree >&2
BIN="${CARGO_TARGET_DIR:-target}/release/examples/bench_tree"
JSONS=()
for rows in "${SIZES[@]}"; do
  csv=/tmp/jobcockpit_bench_${rows}.csv
  echo "== ${rows} training rows" >&2
  # Progress to stderr as it comes; each side's output also to a log, whose last line is its JSON.
  base=/tmp/jobcockpit_bench_${rows}
  "$BIN" --rows "$rows" --csv "$csv" --repeat "$REPEAT" | tee "$base.jobcockpit.log" >&2
  tail -n 1 "$base.jobcockpit.log" > "$base.jobcockpit.json"
  python3 tests/reference/bench_tree_sklearn.py --rows "$rows" --csv "$csv" --repeat "$REPEAT" \
    | tee "$base.sklearn.log" >&2
  tail -n 1 "$base.sklearn.log" > "$base.sklearn.json"
  JSONS+=("/tmp/jobcockpit_bench_${rows}.jobcockpit.json" "/tmp/jobcockpit_bench_${rows}.sklearn.json")
done

python3 - "${JSONS[@]}" <<'EOF'
import json, sys

paths = sys.argv[1:]
pairs = [(json.load(open(a)), json.load(open(b))) for a, b in zip(paths[::2], paths[1::2])]

print("Fit = one fit at max_depth 8, min_samples_leaf 1 (ours on one core, and on all cores via fit_tree). "
      "Grid = the 12-point search of pipelines/monthly.toml (fit on 80 % of the training rows, Brier on the "
      "other 20 %), without the final refit; ours as model::grid::search runs it (all cores), scikit-learn "
      "with joblib on 2 worker threads. Ratio = ours / scikit-learn (below 1: ours faster). AUC on the test "
      "rows: ours = the smoothed leaf rates we score with, scikit-learn = predict_proba[:, 1]; grid AUC = the "
      "chosen parameters refitted on all training rows.\n")
print("| training rows | fit s, ours 1 core | fit s, ours all cores | fit s, sklearn | ratio (1 core) "
      "| grid s, ours | grid s, sklearn 2 workers | ratio | AUC ours | AUC sklearn | \\|ΔAUC\\| "
      "| grid AUC ours | grid AUC sklearn | \\|ΔAUC\\| |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for o, k in pairs:
    s, ks, g, kg = o["single"], k["single"], o["grid"], k["grid"]
    print(f"| {o['rows_train']:,} | {s['fit_one_core_s']:.3f} | {s['fit_s']:.3f} | {ks['fit_s']:.2f} "
          f"| {s['fit_one_core_s'] / ks['fit_s']:.3f} | {g['search_parallel_s']:.3f} | {kg['search_parallel_s']:.2f} "
          f"| {g['search_parallel_s'] / kg['search_parallel_s']:.3f} | {s['test_auc']:.4f} | {ks['test_auc']:.4f} "
          f"| {abs(s['test_auc'] - ks['test_auc']):.4f} | {g['test_auc']:.4f} | {kg['test_auc']:.4f} "
          f"| {abs(g['test_auc'] - kg['test_auc']):.4f} |")

print("\nDetails (same runs):\n")
print("| training rows | fit phases on all cores: columns / tree / leaf rates s | depth-8 tree nodes, splits deep: ours / sklearn "
      "| grid as 12 independent fits s, ours / sklearn sequential | chosen (depth, leaf), validation Brier: ours / sklearn "
      "| refit s: ours / sklearn |")
print("|---:|---|---|---|---|---|")
for o, k in pairs:
    p, g, kg = o["single"]["phases_s"], o["grid"], k["grid"]
    print(f"| {o['rows_train']:,} | {p['columns']:.3f} / {p['tree']:.3f} / {p['leaf_rates']:.3f} "
          f"| {o['single']['nodes']}, {o['single']['splits_deep']} / {k['single']['nodes']}, {k['single']['splits_deep']} "
          f"| {g['search_sequential_s']:.2f} / {kg['search_sequential_s']:.2f} "
          f"| ({g['chosen']['max_depth']}, {g['chosen']['min_samples_leaf']}) {g['chosen']['validation_brier']:.5f} / "
          f"({kg['chosen']['max_depth']}, {kg['chosen']['min_samples_leaf']}) {kg['chosen']['validation_brier']:.5f} "
          f"| {g['refit_s']:.3f} / {kg['refit_s']:.2f} |")
EOF
