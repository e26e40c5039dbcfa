"""Reference values for the metric formulas the walking skeleton uses.

Run: python3 tests/reference/skeleton_metrics.py > tests/reference/skeleton_metrics.json
Needs: statsmodels, scikit-learn (pip install statsmodels scikit-learn).
The Rust tests in crates/metrics/src/ (Wilson, Brier, AUC with ties) compare against the JSON to 1e-9.
"""
import json

import sklearn
import statsmodels
from sklearn.metrics import brier_score_loss, roc_auc_score
from statsmodels.stats.proportion import proportion_confint

wilson_cases = [(12, 40), (0, 7), (7, 7), (1, 1), (341, 1000), (3, 5)]
brier_cases = [
    ([0.1, 0.9, 0.35, 0.35, 0.8], [0, 1, 1, 0, 1]),
    ([0.5, 0.5], [1, 0]),
    ([0.72, 0.72, 0.72, 0.2], [1, 1, 0, 0]),
]

# Tied scores on purpose: a tree gives every row in a leaf the same probability.
auc_cases = [
    ([0.1, 0.9, 0.35, 0.35, 0.8], [0, 1, 1, 0, 1]),
    ([0.72, 0.72, 0.72, 0.2, 0.2, 0.5], [1, 1, 0, 0, 1, 0]),
    ([0.3, 0.3, 0.3, 0.3], [1, 0, 1, 0]),
    ([0.05, 0.1, 0.2, 0.4, 0.6, 0.6, 0.6, 0.9], [0, 0, 1, 0, 1, 1, 0, 1]),
]

out = {
    "generated_with": {"statsmodels": statsmodels.__version__, "scikit-learn": sklearn.__version__},
    "wilson": [
        {"k": k, "n": n, "low": lo, "high": hi}
        for k, n in wilson_cases
        for lo, hi in [proportion_confint(k, n, alpha=0.05, method="wilson")]
    ],
    "brier": [{"p": p, "y": y, "brier": brier_score_loss(y, p)} for p, y in brier_cases],
    "auc": [{"p": p, "y": y, "auc": roc_auc_score(y, p)} for p, y in auc_cases],
}
print(json.dumps(out, indent=2))
