"""Reference figures for the benchmark ensemble (src/model/benchmark.rs) from
scikit-learn's HistGradientBoostingClassifier, the same algorithm (histogram
gradient boosting with the logistic loss and Newton leaf values).

Run from the repository root:  python3 tests/reference/benchmark_reference.py
Writes tests/reference/benchmark_fixture.csv (a seeded synthetic data set shaped
like the model matrix: a few integer inputs, a few continuous ones, an interaction
a single tree needs several splits for; a `split` column, `fit` or `eval`) and
tests/reference/benchmark_reference.json (sklearn's AUC and Brier score on the eval
rows, and its settings). Needs numpy and scikit-learn.

The two implementations bin and regularise differently (sklearn: at most 255 bins
of quantiles and a minimum of rows a leaf, set to 5; forust: 256 bins and a minimum
hessian sum of 1, about 5 rows here), so their probabilities are not equal row by row; the Rust test checks that
the figures the cockpit shows, AUC and Brier on the eval rows, agree within a
tolerance far below the differences between model families (tree, logistic
regression, ensemble) that the comparison is about.
"""
import json

import numpy as np
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import brier_score_loss, roc_auc_score

SEED = 20260101
FIT, EVAL = 6000, 3000

rng = np.random.default_rng(SEED)
n = FIT + EVAL
age = rng.integers(18, 66, n)
months_benefit = rng.integers(0, 37, n)
education = rng.integers(0, 5, n)
experience = np.round(rng.gamma(2.0, 3.0, n), 2)
noise = np.round(rng.normal(0.0, 1.0, n), 3)
logit = (
    -1.0
    + 0.06 * months_benefit
    - 0.25 * education
    + 0.02 * (age - 40)
    - 0.08 * experience
    + 0.9 * ((age > 50) & (months_benefit > 18))
)
y = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(int)
X = np.column_stack([age, months_benefit, education, experience, noise]).astype(float)

model = HistGradientBoostingClassifier(
    max_iter=100,
    learning_rate=0.1,
    max_depth=5,
    max_leaf_nodes=None,
    l2_regularization=1.0,
    max_bins=255,
    early_stopping=False,
    # forust stops a leaf at a hessian sum of 1.0; a row's hessian is p(1 - p),
    # about 0.21 at this base rate, so about 5 rows (sklearn's default is 20).
    min_samples_leaf=5,
    random_state=0,
)
model.fit(X[:FIT], y[:FIT])
p = model.predict_proba(X[FIT:])[:, 1]

with open("tests/reference/benchmark_fixture.csv", "w") as f:
    f.write("split,age,months_benefit,education,experience,noise,label\n")
    for i in range(n):
        split = "fit" if i < FIT else "eval"
        row = ",".join(repr(float(v)) for v in X[i])
        f.write(f"{split},{row},{y[i]}\n")

out = {
    "sklearn": sklearn.__version__,
    "settings": {
        "max_iter": 100,
        "learning_rate": 0.1,
        "max_depth": 5,
        "l2_regularization": 1.0,
        "max_bins": 255,
        "min_samples_leaf": 5,
    },
    "n_fit": FIT,
    "n_eval": EVAL,
    "eval_auc": float(roc_auc_score(y[FIT:], p)),
    "eval_brier": float(brier_score_loss(y[FIT:], p)),
    "eval_base_rate_brier": float(brier_score_loss(y[FIT:], np.full(EVAL, y[:FIT].mean()))),
}
with open("tests/reference/benchmark_reference.json", "w") as f:
    json.dump(out, f, indent=2)
    f.write("\n")
print(json.dumps(out, indent=2))
