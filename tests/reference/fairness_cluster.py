"""Reference values for the calibration comparison behind fairness flags
(src/monitor/fairness.rs, `compare`): a group's calibration in the large
(observed - predicted) minus the rest of its dimension's, its cluster-robust
standard error with cohorts as clusters, the independent-rows standard error,
and the cluster t test.

Run: python3 tests/reference/fairness_cluster.py > tests/reference/fairness_cluster.json
Needs: pip install statsmodels numpy pandas
(generated with the versions recorded under "generated_with").

For each group g the difference is the coefficient b of the least-squares fit
    y - p = a + b * [row in g]
fitted by statsmodels OLS with cov_type="cluster" (groups = cohort) and use_t=True:
CR1 standard error (factor G/(G-1) * (N-1)/(N-K)) and a t test with G-1 degrees of
freedom. The independent-rows standard error is statsmodels'
CompareMeans(...).std_meandiff_separatevar. All data are synthetic, drawn here from a
fixed seed: cohorts whose level moves (a shared shock per cohort), a group that is
under-predicted in every cohort, a group present in one cohort only, and a group of
one person. The Rust test reads the JSON with include_str! and compares to 1e-9.
"""
import json

import numpy as np
import pandas as pd
import statsmodels
import statsmodels.api as sm
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

rng = np.random.default_rng(20261127)
rows = []
groups = {
    # name: (share of each cohort, gap added to the true risk)
    "A": (0.45, 0.0),
    "B": (0.30, 0.0),
    "C": (0.20, 0.08),
}
for cohort in range(12):
    shock = rng.normal(0.0, 0.05)
    n = int(rng.integers(80, 140))
    for name, (share, gap) in groups.items():
        for _ in range(int(n * share)):
            p = float(rng.uniform(0.1, 0.8))
            true = min(max(p + shock + gap, 0.0), 1.0)
            rows.append((cohort, name, int(rng.random() < true), round(p, 6)))
# A group seen in one cohort only, and a group of one person.
for _ in range(15):
    p = float(rng.uniform(0.1, 0.8))
    rows.append((4, "D", int(rng.random() < p), round(p, 6)))
rows.append((7, "E", 1, 0.3))

df = pd.DataFrame(rows, columns=["cohort", "group", "y", "p"])
df["d"] = df["y"] - df["p"]
expected = []
for g in sorted(df["group"].unique()):
    x = sm.add_constant((df["group"] == g).astype(float).to_numpy())
    fit = sm.OLS(df["d"].to_numpy(), x).fit(
        cov_type="cluster", cov_kwds={"groups": df["cohort"].to_numpy()}, use_t=True
    )
    inside, outside = df.loc[df["group"] == g, "d"], df.loc[df["group"] != g, "d"]
    independent = (
        CompareMeans(DescrStatsW(inside.to_numpy()), DescrStatsW(outside.to_numpy())).std_meandiff_separatevar
        if len(inside) > 1
        else None
    )
    expected.append(
        {
            "group": g,
            "diff": float(fit.params[1]),
            "se_clustered": float(fit.bse[1]),
            "p_clustered": float(fit.pvalues[1]),
            "df": float(fit.df_resid_inference),
            "se_independent": None if independent is None else float(independent),
        }
    )

print(
    json.dumps(
        {
            "generated_with": {"statsmodels": statsmodels.__version__, "numpy": np.__version__, "pandas": pd.__version__},
            "rows": [{"cohort": c, "group": g, "y": y, "p": p} for c, g, y, p in rows],
            "expected": expected,
        },
        indent=1,
    )
)
