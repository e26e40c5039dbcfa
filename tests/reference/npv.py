"""Reference values for the negative predictive value (issue #13's example of a new
metric): of the rows not flagged high risk, the share whose outcome was 0 (found work
or education). scikit-learn has it as the precision of the negative class,
`precision_score(y, yhat, pos_label=0)`; the interval is statsmodels' Wilson interval,
as for every share in monitoring_a.json.

Reads the cases (probabilities as IEEE-754 bits, labels, threshold) that
monitoring_a.py wrote, so no other library is needed.
Run:  python3 tests/reference/npv.py > tests/reference/npv.json
Needs: scikit-learn, statsmodels (measured with scikit-learn 1.9.1, statsmodels 0.15.0).
Read by: crates/metrics/src/classification.rs (test `npv_matches_scikit_learn_and_statsmodels`).
"""
import json
import math
import os

import numpy as np
import sklearn
import statsmodels
from sklearn.metrics import confusion_matrix, precision_score
from statsmodels.stats.proportion import proportion_confint

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "monitoring_a.json")) as f:
    source = json.load(f)
threshold = source["threshold"]

out = {
    "generated_with": {"scikit-learn": sklearn.__version__, "statsmodels": statsmodels.__version__},
    "threshold": threshold,
    "cases": [],
}
for case in source["cases"]:
    p = np.asarray(case["p_bits"], dtype=np.uint64).view(np.float64)
    y = np.asarray(case["y"], dtype=int)
    yhat = (p >= threshold).astype(int)
    tn, fp, fn, tp = (int(v) for v in confusion_matrix(y, yhat, labels=[0, 1]).ravel())
    npv = precision_score(y, yhat, pos_label=0, zero_division=np.nan)
    if tn + fn == 0:
        expected = None
    else:
        lo, hi = proportion_confint(tn, tn + fn, alpha=0.05, method="wilson")
        assert math.isclose(npv, tn / (tn + fn))
        expected = {"k": tn, "n": tn + fn, "value": float(npv), "low": float(lo), "high": float(hi)}
    out["cases"].append({"name": case["name"], "npv": expected})
print(json.dumps(out, indent=1))
