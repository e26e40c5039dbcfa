"""Reference for the programme-effect estimator (crates/metrics/src/effects).

Writes a fixture of person-months at risk of starting a programme
(effects_fixture.csv: a fictional panel drawn here with numpy, no real data)
and the estimates of a hand-written AIPW estimator of the average effect on the
treated with scikit-learn logistic propensity and outcome models, cross-fitted
over two folds by person (fold = person % 2), to effects_reference.json.
statsmodels' Logit refits the same models as a check on scikit-learn, and a
person-clustered sandwich standard error (from the AIPW influence function) is
stored for comparison with the Rust bootstrap's standard error.

    pip install numpy pandas scikit-learn statsmodels
    python3 tests/reference/effects_reference.py
"""
import json
import os

import numpy as np
import pandas as pd
import statsmodels.api as sm
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
COVARIATES = ["x1", "x2", "b1", "b2"]
FOLDS = 2
TRIM_ABOVE = 0.9


def make_fixture(seed=17, persons=1500):
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(persons):
        x1 = rng.normal()
        band = int(np.digitize(x1 + rng.normal(scale=0.7), [-0.5, 0.6]))
        for month in range(int(rng.integers(1, 7))):
            x2 = month / 6.0
            b1, b2 = float(band == 1), float(band == 2)
            ps = 1 / (1 + np.exp(-(-2.3 + 0.6 * x1 + 0.4 * x2 + 0.3 * b2)))
            d = int(rng.random() < ps)
            effect = [-0.2, -0.5, -0.9][band] * d
            py = 1 / (1 + np.exp(-(-0.3 - 0.8 * x1 + 0.5 * b2 - 0.3 * x2 + effect)))
            y = int(rng.random() < py)
            rows.append(dict(person=p, treated=d, y=y, x1=round(x1, 6), x2=x2,
                             b1=b1, b2=b2, cell=band))
            if d:
                break  # a start ends the spell's months at risk
    return pd.DataFrame(rows)


def fit_predict(train_x, train_y, eval_x):
    if train_y.min() == train_y.max():
        return np.full(len(eval_x), float(train_y.mean())), None
    scaler = StandardScaler().fit(train_x)
    m = LogisticRegression(C=np.inf, max_iter=100_000, tol=1e-12)
    m.fit(scaler.transform(train_x), train_y)
    sk = m.predict_proba(scaler.transform(eval_x))[:, 1]
    sm_fit = sm.Logit(train_y, sm.add_constant(train_x, has_constant="add")).fit(disp=0)
    sm_p = sm_fit.predict(sm.add_constant(eval_x, has_constant="add"))
    return sk, float(np.max(np.abs(sk - sm_p)))


def cross_fit(df):
    x = df[COVARIATES].to_numpy()
    d = df["treated"].to_numpy()
    y = df["y"].to_numpy()
    fold = df["person"].to_numpy() % FOLDS
    ps = np.zeros(len(df))
    m0 = np.zeros(len(df))
    diffs = []
    for k in range(FOLDS):
        tr, ev = fold != k, fold == k
        ps[ev], a = fit_predict(x[tr], d[tr], x[ev])
        ctl = tr & (d == 0)
        m0[ev], b = fit_predict(x[ctl], y[ctl], x[ev])
        diffs += [v for v in (a, b) if v is not None]
    return ps, m0, max(diffs)


def e_value(treated_rate, effect):
    p1 = min(max(treated_rate, 1e-6), 1 - 1e-6)
    p0 = min(max(treated_rate - effect, 1e-6), 1 - 1e-6)
    rr = p1 / p0 if p1 >= p0 else p0 / p1
    return rr + np.sqrt(rr * (rr - 1))


def cell_estimate(df, ps, m0, cell):
    c = (df["cell"] == cell).to_numpy() & (ps <= TRIM_ABOVE)
    d = df["treated"].to_numpy()[c] == 1
    y = df["y"].to_numpy()[c].astype(float)
    e, r = ps[c], y - m0[c]
    w = e / (1 - e)
    n1 = d.sum()
    att = r[d].mean() - (w[~d] * r[~d]).sum() / w[~d].sum()
    naive = y[d].mean() - y[~d].mean()
    # Influence function of the normalised estimator, summed per person.
    psi = np.where(d, (r - r[d].mean()) / n1,
                   -w * (r - (w[~d] * r[~d]).sum() / w[~d].sum()) / w[~d].sum())
    per_person = pd.Series(psi).groupby(df["person"].to_numpy()[c]).sum().to_numpy()
    q = lambda v: [float(np.quantile(v, p)) for p in (0.25, 0.5, 0.75)]
    return dict(
        cell=cell, n_treated=int(n1), n_control=int((~d).sum()),
        treated_rate=float(y[d].mean()), naive=float(naive), att=float(att),
        ess_control=float(w[~d].sum() ** 2 / (w[~d] ** 2).sum()),
        e_value=float(e_value(y[d].mean(), att)),
        cluster_se=float(np.sqrt((per_person ** 2).sum())),
        ps_treated=q(e[d]), ps_control=q(e[~d]),
    )


def main():
    df = make_fixture()
    df.to_csv(os.path.join(HERE, "effects_fixture.csv"), index=False)
    ps, m0, sk_vs_sm = cross_fit(df)
    out = dict(
        folds=FOLDS, trim_above=TRIM_ABOVE,
        sklearn_vs_statsmodels_max_diff=sk_vs_sm,
        propensity=[round(float(v), 10) for v in ps],
        outcome0=[round(float(v), 10) for v in m0],
        cells=[cell_estimate(df, ps, m0, c) for c in range(3)],
    )
    with open(os.path.join(HERE, "effects_reference.json"), "w") as f:
        json.dump(out, f, indent=1)
    for c in out["cells"]:
        print({k: v for k, v in c.items() if not k.startswith("ps_")})
    print("sklearn vs statsmodels:", sk_vs_sm)


if __name__ == "__main__":
    main()
