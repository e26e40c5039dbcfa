"""Reference values for drift, fairness and survival (crates/metrics/src/{drift,fairness,survival}.rs).

Run: python3 tests/reference/monitoring_b.py > tests/reference/monitoring_b.json
Needs: pip install evidently fairlearn statsmodels lifelines scipy numpy pandas
(generated with the versions recorded under "generated_with").

All data are synthetic, drawn here from a fixed seed. The Rust tests read the JSON with
include_str! and compare to 1e-9. Evidently collects categories in a Python set, so
the summation order (and the last digit of a categorical PSI/JS) varies with
PYTHONHASHSEED; regenerating may change values by ~1e-16.
"""
import json
import math

import evidently
import fairlearn
import lifelines
import numpy as np
import pandas as pd
import scipy
import statsmodels
from evidently.legacy.calculations.stattests.jensenshannon import _jensenshannon
from evidently.legacy.calculations.stattests.psi import _psi
from evidently.legacy.core import ColumnType
from fairlearn.metrics import MetricFrame, false_negative_rate, false_positive_rate, selection_rate
from lifelines import KaplanMeierFitter
from sklearn.metrics import precision_score
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint, proportions_ztest
from statsmodels.stats.weightstats import DescrStatsW

rng = np.random.default_rng(20260526)


def num(x):
    """JSON number, or null for nan/None."""
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


# ---------------------------------------------------------------- drift
def drift_case(name, kind, ref, cur):
    ctype = ColumnType.Numerical if kind == "numeric" else ColumnType.Categorical
    r, c = pd.Series(ref), pd.Series(cur)
    psi, _ = _psi(r, c, ctype, 0.1)
    js, _ = _jensenshannon(r, c, ctype, 0.1)
    return {"name": name, "kind": kind, "reference": list(ref), "current": list(cur), "psi": float(psi), "js": float(js)}


ref_normal = np.round(rng.normal(0.0, 1.0, 500), 6)
ref_uniform = np.round(rng.uniform(0.0, 1.0, 400), 6)
cats = ["A", "B", "C", "D", "E"]
drift = [
    # > 20 distinct values: Sturges bins over the pooled sample.
    drift_case("numeric_shift", "numeric", ref_normal.tolist(), np.round(rng.normal(0.3, 1.2, 300), 6).tolist()),
    # Current piled into a narrow range and beyond the reference maximum: many empty bins on both sides.
    drift_case(
        "numeric_empty_bins",
        "numeric",
        ref_uniform.tolist(),
        np.round(np.concatenate([rng.uniform(0.8, 0.9, 90), rng.uniform(1.4, 1.6, 10)]), 6).tolist(),
    ),
    drift_case("numeric_identical", "numeric", ref_normal.tolist(), ref_normal.tolist()),
    # 64 reference rows: 7 bins, power-of-two pooled size (128) on purpose.
    drift_case("numeric_pow2", "numeric", np.round(rng.normal(5, 2, 64), 3).tolist(), np.round(rng.normal(5, 2, 64), 3).tolist()),
    # <= 20 distinct reference values: treated as categories (union of both samples).
    drift_case(
        "numeric_few_values",
        "numeric",
        rng.choice([0.0, 1.0, 2.0, 3.0, 4.0, 5.0], 300, p=[0.3, 0.25, 0.2, 0.15, 0.07, 0.03]).tolist(),
        rng.choice([0.0, 1.0, 2.0, 3.0, 7.0], 120, p=[0.2, 0.3, 0.3, 0.1, 0.1]).tolist(),
    ),
    # A tree's predicted risks: few distinct tied values.
    drift_case(
        "predicted_risk_leaves",
        "numeric",
        rng.choice([0.12, 0.25, 0.31, 0.47, 0.58, 0.66, 0.81], 400).tolist(),
        rng.choice([0.12, 0.25, 0.31, 0.47, 0.58, 0.66, 0.81], 150, p=[0.05, 0.05, 0.1, 0.2, 0.2, 0.2, 0.2]).tolist(),
    ),
    # Category C absent in current, F new in current.
    drift_case(
        "categorical_absent_and_new",
        "categorical",
        rng.choice(cats, 250, p=[0.4, 0.3, 0.15, 0.1, 0.05]).tolist(),
        rng.choice(["A", "B", "D", "E", "F"], 80, p=[0.3, 0.3, 0.2, 0.1, 0.1]).tolist(),
    ),
    drift_case("categorical_identical_shares", "categorical", ["A"] * 40 + ["B"] * 60, ["A"] * 4 + ["B"] * 6),
    # A reference share below 0.0001 (1 in 20000): empty bins get min share / 1e6, not 0.0001.
    drift_case(
        "categorical_rare_reference",
        "categorical",
        ["A"] * 12000 + ["B"] * 7999 + ["Z"],
        ["A"] * 50 + ["B"] * 40 + ["Y"] * 10,
    ),
]

# ---------------------------------------------------------------- fairness
# One run: three attributes; all their tests are corrected together.
n = 1500
sex = rng.choice(["K", "M"], n, p=[0.45, 0.55])
age = rng.choice(["18-29", "30-49", "50+"], n, p=[0.3, 0.5, 0.2])
district = rng.choice(["Nord", "Syd", "Vest", "Øst"], n, p=[0.4, 0.3, 0.25, 0.05])
prob = np.round(rng.beta(2, 3, n), 4)
# District Vest gets one-sided errors: true risk above what the model says.
true_p = np.clip(prob + np.where(district == "Vest", 0.3, 0.0), 0, 1)
label = (rng.uniform(size=n) < true_p).astype(int)
flag = (prob >= 0.45).astype(int)
# A group of 1 and a group with nobody flagged (precision undefined).
age[0] = "90+"
district[1:4] = "Ø"
flag[1:4] = 0
prob[1:4] = [0.1, 0.2, 0.15]

attributes = {
    "sex": (sex, None),
    "age_band": (age, None),
    "district": (district, "Syd"),  # a given reference group
    "sex_x_age_band": (np.char.add(np.char.add(sex, "|"), age), None),
}

RATES = {
    # name: (numerator mask, denominator mask) per row
    "selection_rate": (lambda y, f: f == 1, lambda y, f: np.ones_like(y, dtype=bool)),
    "false_positive_rate": (lambda y, f: (f == 1) & (y == 0), lambda y, f: y == 0),
    "false_negative_rate": (lambda y, f: (f == 0) & (y == 1), lambda y, f: y == 1),
    "precision": (lambda y, f: (f == 1) & (y == 1), lambda y, f: f == 1),
}

fair_attrs = []
tests = []  # (attribute index, group key, metric, p)
for name, (keys, given_ref) in attributes.items():
    mf = MetricFrame(
        metrics={
            "selection_rate": selection_rate,
            "false_positive_rate": false_positive_rate,
            "false_negative_rate": false_negative_rate,
            "precision": lambda y, f: precision_score(y, f, zero_division=np.nan),
        },
        y_true=label,
        y_pred=flag,
        sensitive_features=pd.Series(keys, name=name),
    )
    groups_sorted = sorted(set(keys))
    sizes = pd.Series({g: int((keys == g).sum()) for g in groups_sorted})
    # Aequitas' "maj" reference: the largest group (first in sorted order on a tie).
    ref = given_ref if given_ref is not None else sizes.idxmax()
    out_groups = []
    for g in groups_sorted:
        m = keys == g
        y, f, p = label[m], flag[m], prob[m]
        entry = {"key": g, "n": int(m.sum())}
        for metric, (num_f, den_f) in RATES.items():
            k, d = int(num_f(y, f).sum()), int(den_f(y, f).sum())
            lo, hi = proportion_confint(k, d, alpha=0.05, method="wilson") if d > 0 else (0.0, 1.0)
            value = num(mf.by_group.loc[g, metric]) if d > 0 else None
            rm = keys == ref
            yr, fr = label[rm], flag[rm]
            kr, dr = int(num_f(yr, fr).sum()), int(den_f(yr, fr).sum())
            ratio = None
            if d > 0 and dr > 0 and kr > 0:
                ratio = (k / d) / (kr / dr)
            z = pval = None
            if g != ref and d > 0 and dr > 0:
                z, pval = proportions_ztest([k, kr], [d, dr])
                z, pval = num(z), num(pval)
                if pval is None:  # pooled variance 0: no difference to detect
                    z, pval = None, 1.0
                tests.append((len(fair_attrs), len(out_groups), metric, pval))
            entry[metric] = {"value": value, "low": float(lo), "high": float(hi), "ratio": ratio, "z": z, "p": pval}
        r = y - p
        citl = float(y.mean() - p.mean())
        if len(r) >= 2:
            lo, hi = DescrStatsW(r).zconfint_mean(alpha=0.05)
            entry["citl"] = {"value": citl, "low": float(lo), "high": float(hi)}
        else:
            entry["citl"] = {"value": citl, "low": None, "high": None}
        out_groups.append(entry)
    fair_attrs.append(
        {"name": name, "reference": ref, "given_reference": given_ref, "keys": keys.tolist(), "groups": out_groups}
    )

_, p_adj, _, _ = multipletests([t[3] for t in tests], alpha=0.05, method="fdr_bh")
for (ai, gi, metric, _), pa in zip(tests, p_adj):
    fair_attrs[ai]["groups"][gi][metric]["p_adjusted"] = float(pa)
for a in fair_attrs:
    for g in a["groups"]:
        for metric in RATES:
            e = g[metric]
            e.setdefault("p_adjusted", None)
            outside = e["ratio"] is not None and not (0.8 <= e["ratio"] <= 1.25)
            e["flagged"] = bool(outside and e["p_adjusted"] is not None and e["p_adjusted"] < 0.05)

# ---------------------------------------------------------------- survival
def km_case(name, durations, events, months=12):
    kmf = KaplanMeierFitter().fit(durations, event_observed=events)
    sf = kmf.survival_function_.iloc[:, 0]
    ci = kmf.confidence_interval_
    times = list(range(1, months + 1))
    return {
        "name": name,
        "durations": [float(d) for d in durations],
        "events": [bool(e) for e in events],
        "timeline": [float(t) for t in sf.index],
        "survival": [float(v) for v in sf.values],
        "greenwood_sum": [float(v) for v in kmf._cumulative_sq_.values],
        "low": [float(v) for v in ci.iloc[:, 0].values],
        "high": [float(v) for v in ci.iloc[:, 1].values],
        "at_risk": [int(v) for v in kmf.event_table["at_risk"].values],
        "months": times,
        "survival_at_months": [float(v) for v in kmf.survival_function_at_times(times).values],
        "low_at_months": [float(v) for v in ci.iloc[:, 0].reindex(times, method="pad").values],
        "high_at_months": [float(v) for v in ci.iloc[:, 1].reindex(times, method="pad").values],
    }


# Months until leaving unemployment; follow-up incomplete for late cohorts.
m = 150
leave = np.ceil(rng.exponential(9.0, m)).astype(int)
follow = rng.choice([3, 6, 9, 12, 12, 12], m)
dur = np.minimum(leave, follow)
ev = leave <= follow
survival = [
    km_case("cohorts_with_incomplete_follow_up", dur.tolist(), ev.tolist()),
    # Events and censorings at the same month (ties of both kinds).
    km_case("ties_events_and_censored", [2, 2, 2, 3, 3, 5, 5, 5, 5, 8, 12, 12], [1, 1, 0, 1, 0, 1, 1, 0, 0, 1, 0, 0]),
    km_case("all_censored", [4, 12, 12, 7, 12], [0, 0, 0, 0, 0]),
    # Everybody leaves: the curve reaches 0.
    km_case("all_leave", [1, 2, 2, 3, 6], [1, 1, 1, 1, 1]),
    km_case("single_person", [5], [1]),
    km_case("fractional_months", [0.5, 1.5, 1.5, 2.25, 4.0, 11.9, 12.0], [1, 0, 1, 1, 0, 1, 0]),
]

out = {
    "generated_with": {
        "evidently": evidently.__version__,
        "scipy": scipy.__version__,
        "numpy": np.__version__,
        "fairlearn": fairlearn.__version__,
        "statsmodels": statsmodels.__version__,
        "lifelines": lifelines.__version__,
    },
    "drift": drift,
    "fairness": {
        "min_group_size": 5,
        "labels": label.tolist(),
        "flags": flag.tolist(),
        "probabilities": prob.tolist(),
        "attributes": fair_attrs,
        "tests": len(tests),
    },
    "survival": survival,
}
print(json.dumps(out, indent=1, ensure_ascii=False))
