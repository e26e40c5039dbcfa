#!/usr/bin/env bash
# Decision tree benchmark: jobcockpit (smartcore 0.7) against scikit-learn on the
# same synthetic matrix, at 100,000 and 1,000,000 training rows (or the sizes given).
#
#   tests/reference/bench_tree.sh [ROWS ...]        # REPEAT=2 by default (best of N)
#
# Builds with `cargo run --release` into $CARGO_TARGET_DIR if set (use the same
# target directory and profile as your other builds, or DuckDB is compiled again).
# Needs python3 with numpy and scikit-learn. Writes /tmp/jobcockpit_bench_<rows>.csv
# and each side's output and JSON to /tmp/jobcockpit_bench_<rows>.{smartcore,sklearn}.{log,json},
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
  "$BIN" --rows "$rows" --csv "$csv" --repeat "$REPEAT" | tee "$base.smartcore.log" >&2
  tail -n 1 "$base.smartcore.log" > "$base.smartcore.json"
  python3 tests/reference/bench_tree_sklearn.py --rows "$rows" --csv "$csv" --repeat "$REPEAT" \
    | tee "$base.sklearn.log" >&2
  tail -n 1 "$base.sklearn.log" > "$base.sklearn.json"
  JSONS+=("/tmp/jobcockpit_bench_${rows}.smartcore.json" "/tmp/jobcockpit_bench_${rows}.sklearn.json")
done

python3 - "${JSONS[@]}" <<'EOF'
import json, sys

paths = sys.argv[1:]
pairs = [(json.load(open(a)), json.load(open(b))) for a, b in zip(paths[::2], paths[1::2])]

print("Grid = the 12-point search of pipelines/monthly.toml (fit on 80 % of the training rows, "
      "Brier on the other 20 %), without the final refit; grid AUC: the chosen parameters refitted on all "
      "training rows. Ratio = smartcore / scikit-learn "
      "(below 1: smartcore faster); the grid ratio compares both-cores runs. AUC on the test rows "
      "(a quarter as many as training rows): smartcore = leaf rates we score with (smoothed), "
      "scikit-learn = predict_proba[:, 1].\n")
print("| training rows | sklearn depth | smartcore fit s | sklearn fit s | ratio | smartcore grid, 2 threads s "
      "| sklearn grid sequential s | sklearn grid 2 workers s | ratio | AUC smartcore | AUC sklearn | \\|ΔAUC\\| "
      "| grid AUC smartcore | grid AUC sklearn | \\|ΔAUC\\| |")
print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for sc, sk in pairs:
    for variant, label in [("nominal", "same max_depth numbers (8; 3–6)"),
                           ("matched", "max_depth − 1 (7; 2–5) = same tree depth")]:
        k = sk[variant]
        fit_ratio = sc["single"]["fit_s"] / k["single"]["fit_s"]
        grid_ratio = sc["grid"]["search_parallel_s"] / k["grid"]["search_parallel_s"]
        d1 = abs(sc["single"]["test_auc"] - k["single"]["test_auc"])
        d2 = abs(sc["grid"]["test_auc"] - k["grid"]["test_auc"])
        print(f"| {sc['rows_train']:,} | {label} | {sc['single']['fit_s']:.2f} | {k['single']['fit_s']:.2f} "
              f"| {fit_ratio:.2f} | {sc['grid']['search_parallel_s']:.2f} | {k['grid']['search_sequential_s']:.2f} "
              f"| {k['grid']['search_parallel_s']:.2f} | {grid_ratio:.2f} | {sc['single']['test_auc']:.4f} "
              f"| {k['single']['test_auc']:.4f} | {d1:.4f} | {sc['grid']['test_auc']:.4f} "
              f"| {k['grid']['test_auc']:.4f} | {d2:.4f} |")

print("\nsmartcore details (same runs):\n")
print("| training rows | fit phases: matrix / smartcore fit / leaf rates s | tree nodes, splits deep "
      "| grid sequential s | grid as `train` runs it (model::grid::search) s "
      "| chosen (depth, leaf) smartcore / sklearn matched | refit s smartcore / sklearn matched |")
print("|---:|---|---|---:|---:|---|---|")
for sc, sk in pairs:
    p, g, m = sc["single"]["phases_s"], sc["grid"], sk["matched"]["grid"]
    print(f"| {sc['rows_train']:,} | {p['matrix']:.2f} / {p['smartcore_fit']:.2f} / {p['nodes_and_leaf_rates']:.2f} "
          f"| {sc['single']['nodes']}, {sc['single']['splits_deep']} (sklearn max_depth 8: "
          f"{sk['nominal']['single']['nodes']}, {sk['nominal']['single']['splits_deep']}) "
          f"| {g['search_sequential_s']:.2f} | {g['search_parallel_s']:.2f} "
          f"| ({g['chosen']['max_depth']}, {g['chosen']['min_samples_leaf']}) / "
          f"({m['chosen']['max_depth']}, {m['chosen']['min_samples_leaf']}) "
          f"| {g['refit_s']:.2f} / {m['refit_s']:.2f} |")
EOF
