"""scikit-learn's side of the decision-tree benchmark (see examples/bench_tree.rs).

Run: python3 tests/reference/bench_tree_sklearn.py --csv /tmp/jobcockpit_bench_100000.csv --rows 100000
(tests/reference/bench_tree.sh runs both sides and prints the table.)
Needs: numpy, scikit-learn, joblib (pip install scikit-learn).

Reads the CSV the Rust example wrote (first --rows rows train, the rest test), and
on exactly those doubles:
  (a) times one DecisionTreeClassifier fit (gini, max_depth 8, min_samples_leaf 1,
      everything else default, random_state fixed) and reports test AUC of
      predict_proba[:, 1] (the leaf's class fraction among its training rows);
  (b) runs the same search as jobcockpit's `train`: every (max_depth,
      min_samples_leaf) of pipelines/monthly.toml fitted on the first 80 % of the
      training rows, Brier score on the last 20 %, the lowest wins (ties keep the
      earlier grid point), refitted on all training rows. Timed sequentially and
      with joblib on 2 workers (threads: the tree builder releases the GIL).
      A single tree has no n_jobs: DecisionTreeClassifier fits on one core.

max_depth means the same on both sides (splits on a path from the root). Every
timing is the best of --repeat runs. The last line printed is one JSON object.
"""
import argparse
import json
import os
import time
import tomllib

import joblib
import numpy as np
import sklearn
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.tree import DecisionTreeClassifier

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEED = 20260101


def best_of(repeat, f):
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
    return best, out


def tree(max_depth, min_samples_leaf):
    return DecisionTreeClassifier(
        criterion="gini", max_depth=max_depth, min_samples_leaf=min_samples_leaf, random_state=SEED
    )


def evaluate(point, x_fit, y_fit, x_val, y_val):
    depth, leaf = point
    m = tree(depth, leaf).fit(x_fit, y_fit)
    return brier_score_loss(y_val, m.predict_proba(x_val)[:, 1]), point


def choose(results):
    best = None
    for r in results:
        if best is None or r[0] < best[0]:
            best = r
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv", required=True)
    ap.add_argument("--rows", type=int, required=True, help="training rows; the rest of the file is test")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()

    with open(os.path.join(ROOT, "pipelines", "monthly.toml"), "rb") as f:
        training = tomllib.load(f)["training"]
    # numpy's parser rounds correctly: these are exactly the doubles Rust wrote.
    with open(a.csv) as f:
        header = f.readline().strip().split(",")
    assert header[-1] == "label" and len(header) == 16, header
    data = np.loadtxt(a.csv, delimiter=",", skiprows=1, dtype=np.float64)
    x, y = data[:, :-1], data[:, -1].astype(np.int64)
    n = a.rows
    x_train, y_train, x_test, y_test = x[:n], y[:n], x[n:], y[n:]
    n_fit = n * 4 // 5
    fit, val = (x_train[:n_fit], y_train[:n_fit]), (x_train[n_fit:], y_train[n_fit:])

    # (a) one fit.
    fit_s, m = best_of(a.repeat, lambda: tree(8, 1).fit(x_train, y_train))
    single = {
        "max_depth": 8,
        "min_samples_leaf": 1,
        "fit_s": fit_s,
        "nodes": int(m.tree_.node_count),
        "splits_deep": int(m.get_depth()),
        "test_auc": roc_auc_score(y_test, m.predict_proba(x_test)[:, 1]),
    }
    # (b) the search.
    grid = [(d, l) for d in training["max_depth"] for l in training["min_samples_leaf"]]
    seq_s, results = best_of(a.repeat, lambda: [evaluate(p, *fit, *val) for p in grid])
    par_s, results_par = best_of(
        a.repeat,
        lambda: joblib.Parallel(n_jobs=a.workers, prefer="threads")(
            joblib.delayed(evaluate)(p, *fit, *val) for p in grid
        ),
    )
    chosen = choose(results)
    assert chosen == choose(results_par), "parallel and sequential choose alike"
    val_brier, (depth, leaf) = chosen
    refit_s, model = best_of(a.repeat, lambda: tree(depth, leaf).fit(x_train, y_train))
    out = {
        "side": "sklearn",
        "sklearn": sklearn.__version__,
        "rows_train": n,
        "rows_test": len(y_test),
        "features": x.shape[1],
        "repeat": a.repeat,
        "workers": a.workers,
        "single": single,
        "grid": {
            "points": grid,
            "search_sequential_s": seq_s,
            "search_parallel_s": par_s,
            "refit_s": refit_s,
            "chosen": {
                "max_depth": depth,
                "min_samples_leaf": leaf,
                "validation_brier": val_brier,
                "nodes": int(model.tree_.node_count),
                "splits_deep": int(model.get_depth()),
            },
            "test_auc": roc_auc_score(y_test, model.predict_proba(x_test)[:, 1]),
        },
    }
    print(
        f"sklearn: fit max_depth 8 {fit_s:.3f} s ({single['nodes']} nodes, {single['splits_deep']} splits deep), "
        f"test AUC {single['test_auc']:.4f}; search sequential {seq_s:.3f} s, {a.workers} workers {par_s:.3f} s, "
        f"chosen ({depth}, {leaf}), validation Brier {val_brier:.5f}, refit {refit_s:.3f} s, "
        f"test AUC {out['grid']['test_auc']:.4f}",
        flush=True,
    )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
