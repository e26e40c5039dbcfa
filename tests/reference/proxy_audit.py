"""Reference values for the proxy audit (crates/metrics/src/proxy.rs).

Run: python3 tests/reference/proxy_audit.py > tests/reference/proxy_audit.json
Needs: numpy, scikit-learn (pip install scikit-learn).

Synthetic rows shaped like the model's inputs (age, a target-group flag, education
level, experience, a flag that never matters) and three protected groups: one that
the target-group flag nearly gives away (as integrationsydelse does for origin),
one weakly tied to age, and one unrelated to every input. For each group:
the AUC of an unpenalised (C=inf) logistic regression of membership on the standardised
inputs (what the Rust audit fits with smartcore's LBFGS), and the strongest single
input with its AUC (max(auc, 1 - auc) of the raw values).
"""
import json

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

rng = np.random.default_rng(20261207)
n = 800
age = rng.integers(18, 66, n).astype(float)
education = rng.integers(-1, 8, n).astype(float)
experience = np.clip(age - 18 - rng.integers(0, 10, n), 0, None).astype(float)
noise_flag = rng.integers(0, 2, n).astype(float)
origin_like = (rng.random(n) < 0.2).astype(int)
# The flag is set for 85 % of the group and 5 % of the rest.
tg_flag = np.where(origin_like == 1, rng.random(n) < 0.85, rng.random(n) < 0.05).astype(float)
sex_like = (rng.random(n) < 1 / (1 + np.exp(-(age - 40) / 15))).astype(int)
district_like = (rng.random(n) < 0.3).astype(int)

x = np.column_stack([age, tg_flag, education, experience, noise_flag])
cases = []
for name, y in [("origin_like", origin_like), ("sex_like", sex_like), ("district_like", district_like)]:
    xs = StandardScaler().fit_transform(x)
    model = LogisticRegression(C=np.inf, solver="lbfgs", max_iter=10000, tol=1e-12).fit(xs, y)
    p = model.predict_proba(xs)[:, 1]
    singles = [max(a, 1 - a) for a in (roc_auc_score(y, x[:, j]) for j in range(x.shape[1]))]
    best = int(np.argmax(singles))
    cases.append({
        "name": name,
        "member": y.tolist(),
        "auc": float(roc_auc_score(y, p)),
        "strongest": best,
        "strongest_auc": float(singles[best]),
    })

print(json.dumps({
    "generated_with": {"scikit-learn": sklearn.__version__, "numpy": np.__version__},
    "inputs": ["age", "tg_flag", "education", "experience", "noise_flag"],
    "x": x.tolist(),
    "cases": cases,
}))
