"""Reference values for the monitoring metrics of issue #5, part A: accuracy at the
policy threshold, calibration and confidence-based performance estimation (CBPE).

Run:  python3 tests/reference/monitoring_a.py > tests/reference/monitoring_a.json
Needs: scikit-learn 1.5, statsmodels, scipy, nannyml 0.13 (pip install nannyml
       "scikit-learn==1.5.*" statsmodels; a virtualenv keeps nannyml's many
       dependencies away from the system Python).
Read by: crates/metrics/src/classification.rs, calibration.rs and cbpe.rs (tests at the bottom),
         which match these values to 1e-9 (1e-6 for the iterative logistic fits, a
         stated tolerance for bootstrap intervals).

All numbers are synthetic, drawn here from a fixed seed. The cases cover tied scores
(leaf rates), probabilities exactly on bin edges and at 0 and 1, empty bins, a cohort
with a single class, a group of one row and a chunk where nothing is flagged.

Where the Rust code follows a library's internals rather than a public function, the
script says so and checks the internals against the public function:
- reliability-bin edges and counts are not returned by `calibration_curve`; they are
  recomputed with the numpy calls scikit-learn makes, and the recomputed prob_true /
  prob_pred are asserted equal to `calibration_curve`'s.
- CBPE runs through NannyML's public `CBPE` API with `calibrator=NoopCalibrator()`:
  our probabilities are calibrated leaf rates, so NannyML's optional isotonic step is
  switched off and the estimator works on the given probabilities, as the Rust does.
- The expected calibration error has no reference function in these libraries; it is
  computed from `calibration_curve`'s output with the count weights written out here.
"""
import json
import math
import os
import warnings

# NannyML sends usage statistics to a remote service unless this is set.
os.environ["NML_DISABLE_USAGE_LOGGING"] = "1"

import nannyml
import numpy as np
import pandas as pd
import scipy
import sklearn
import statsmodels
import statsmodels.api as sm
from nannyml.calibration import NoopCalibrator
from scipy.stats import bootstrap
from sklearn.calibration import calibration_curve
from sklearn.dummy import DummyClassifier
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    brier_score_loss,
    confusion_matrix,
    f1_score,
    log_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)
from statsmodels.stats.proportion import proportion_confint

warnings.filterwarnings("ignore")
rng = np.random.default_rng(20261126)
THRESHOLD = 0.60  # pipelines/monthly.toml high_from
LOGIT_CLIP = 1e-15
BOOT_RESAMPLES = 10_000


def leaf_rates(n, rates, shift=0.0):
    """Tied scores as a tree gives them; outcomes drawn from rate + shift."""
    p = rng.choice(rates, size=n)
    y = (rng.random(n) < np.clip(p + shift, 0, 1)).astype(int)
    return p, y


def cases():
    out = []
    p, y = leaf_rates(400, [0.08, 0.15, 0.22, 0.35, 0.48, 0.6, 0.71, 0.86])
    out.append(("leaf_ties_calibrated", p, y, True))
    p = rng.beta(2.0, 4.0, 300)
    y = (rng.random(300) < np.clip(1.4 * p, 0, 1)).astype(int)
    out.append(("continuous_underpredicting", p, y, True))
    # On the edges of uniform bins and at 0 and 1 (clipping, searchsorted side).
    p = np.tile([0.0, 0.1, 0.2, 0.3, 0.5, 0.6, 0.7, 1.0], 6)
    y = (rng.random(p.size) < np.clip(p, 0.05, 0.95)).astype(int)
    out.append(("edges_and_extremes", p, y, False))
    # Two clumps: empty uniform bins, duplicate quantile edges.
    p, y = leaf_rates(120, [0.1, 0.1, 0.1, 0.12, 0.85], shift=-0.05)
    out.append(("two_clumps_empty_bins", p, y, False))
    p = rng.choice([0.05, 0.2, 0.4, 0.65, 0.9], size=60)
    out.append(("single_class_all_zero", p, np.zeros(60, dtype=int), False))
    p = rng.choice([0.3, 0.7], size=25)
    out.append(("single_class_all_one", p, np.ones(25, dtype=int), False))
    p = rng.choice([0.1, 0.2, 0.4], size=40)
    y = (rng.random(40) < p).astype(int)
    out.append(("nothing_flagged", p, y, False))
    out.append(("tiny_four", np.array([0.2, 0.6, 0.3, 0.7]), np.array([0, 0, 1, 1]), False))
    out.append(("group_of_one", np.array([0.64]), np.array([1]), False))
    return out


def bits(a):
    """Exact IEEE-754 bit patterns: the JSON parser on the Rust side (serde_json without
    float_roundtrip) may read a 17-digit decimal one ulp off, and bin edges must be exact."""
    return np.asarray(a, dtype=np.float64).view(np.uint64).tolist()


def none_if_nan(x):
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


def wilson(k, n):
    if n == 0:
        return None
    lo, hi = proportion_confint(int(k), int(n), alpha=0.05, method="wilson")
    return {"k": int(k), "n": int(n), "value": k / n, "low": float(lo), "high": float(hi)}


def classification(p, y, with_bootstrap):
    yhat = (p >= THRESHOLD).astype(int)
    tn, fp, fn, tp = (int(v) for v in confusion_matrix(y, yhat, labels=[0, 1]).ravel())
    n = len(y)
    two_classes = len(np.unique(y)) == 2
    baseline = DummyClassifier(strategy="most_frequent").fit(np.zeros((n, 1)), y)
    base_acc = baseline.score(np.zeros((n, 1)), y)
    out = {
        "confusion": {"tp": tp, "fp": fp, "tn": tn, "fn": fn},
        "accuracy": wilson(tp + tn, n) | {"sklearn": accuracy_score(y, yhat)},
        "baseline_accuracy": wilson(round(base_acc * n), n) | {"sklearn": base_acc},
        "balanced_accuracy": float(balanced_accuracy_score(y, yhat)),
        "precision": none_if_nan(precision_score(y, yhat, zero_division=np.nan)),
        "precision_ci": wilson(tp, tp + fp),
        "recall": none_if_nan(recall_score(y, yhat, zero_division=np.nan)),
        "recall_ci": wilson(tp, tp + fn),
        # FPR, FNR, specificity and selection rate have no scikit-learn function: counts
        # from its matrix.
        "fpr": wilson(fp, fp + tn),
        "specificity": wilson(tn, tn + fp),
        "f1": none_if_nan(f1_score(y, yhat, zero_division=np.nan)),
        "fnr": wilson(fn, fn + tp),
        "selection_rate": wilson(tp + fp, n),
        "auc": float(roc_auc_score(y, p)) if two_classes else None,
        "brier": float(brier_score_loss(y, p)),
    }
    if with_bootstrap:
        # scipy's percentile bootstrap over paired rows; the Rust uses its own seeded
        # ChaCha resampling, so the intervals can only agree to a Monte Carlo tolerance.
        for name, fn_ in [("auc", roc_auc_score), ("brier", brier_score_loss)]:
            res = bootstrap(
                (y, p),
                lambda yy, pp: fn_(yy, pp),
                paired=True,
                vectorized=False,
                n_resamples=BOOT_RESAMPLES,
                confidence_level=0.95,
                method="percentile",
                random_state=np.random.default_rng(5),
            )
            out[f"{name}_bootstrap"] = [float(res.confidence_interval.low), float(res.confidence_interval.high)]
    return out


def reliability(p, y, n_bins, strategy):
    prob_true, prob_pred = calibration_curve(y, p, n_bins=n_bins, strategy=strategy)
    # The same edges and bin ids as scikit-learn 1.5 (sklearn/calibration.py).
    if strategy == "quantile":
        bins = np.percentile(p, np.linspace(0, 1, n_bins + 1) * 100)
    else:
        bins = np.linspace(0.0, 1.0, n_bins + 1)
    binids = np.searchsorted(bins[1:-1], p)
    total = np.bincount(binids, minlength=n_bins)
    true = np.bincount(binids, weights=y, minlength=n_bins)
    sums = np.bincount(binids, weights=p, minlength=n_bins)
    nz = total != 0
    assert np.array_equal(true[nz] / total[nz], prob_true)
    assert np.array_equal(sums[nz] / total[nz], prob_pred)
    rows = []
    for i, b in enumerate(np.flatnonzero(nz)):
        ci = wilson(true[b], total[b])
        rows.append({
            "index": int(b),
            "n": int(total[b]), "positives": int(round(true[b])),
            "mean_predicted": float(prob_pred[i]), "observed_rate": float(prob_true[i]),
            "observed_low": ci["low"], "observed_high": ci["high"],
        })
    ece = float(np.sum(total[nz] / len(p) * np.abs(prob_true - prob_pred)))
    return {"n_bins": n_bins, "strategy": strategy, "edges_bits": bits(bins), "bins": rows, "ece": ece}


def logit(p):
    p = np.clip(p, LOGIT_CLIP, 1 - LOGIT_CLIP)
    return np.log(p / (1 - p))


def coef(res, i):
    ci = res.conf_int()[i]
    return {"value": float(res.params[i]), "se": float(res.bse[i]), "low": float(ci[0]), "high": float(ci[1])}


def calibration(p, y):
    two_classes = len(np.unique(y)) == 2
    out = {
        "observed_rate": float(np.mean(y)),
        "mean_predicted": float(np.mean(p)),
        "log_loss": float(log_loss(y, p, labels=[0, 1])),
        "intercept": None,
        "slope": None,
    }
    # With one class the likelihood has no maximum (statsmodels warns of perfect
    # separation and returns a runaway estimate): the Rust returns None.
    if two_classes:
        glm = sm.GLM(y, np.ones(len(y)), family=sm.families.Binomial(), offset=logit(p)).fit(tol=1e-12)
        out["intercept"] = coef(glm, 0)
        if np.ptp(logit(p)) > 0:
            x = sm.add_constant(logit(p), has_constant="add")
            fit = sm.Logit(y, x).fit(disp=0, tol=1e-12, maxiter=200)
            glm2 = sm.GLM(y, x, family=sm.families.Binomial()).fit(tol=1e-12)
            assert np.allclose(fit.params, glm2.params, atol=1e-7), (fit.params, glm2.params)
            out["slope"] = {"intercept": coef(fit, 0), "slope": coef(fit, 1)}
    return out


def reference_set(n):
    """Labelled reference rows for NannyML, continuous scores (no ties, see cbpe.rs)."""
    p = rng.beta(2.0, 3.0, n)
    y = (rng.random(n) < p).astype(int)
    return p, y


def cbpe(ref_p, ref_y, p):
    metrics = ["roc_auc", "f1", "precision", "recall", "specificity", "accuracy", "confusion_matrix"]
    ref = pd.DataFrame({"p": ref_p, "y": ref_y, "yhat": (ref_p >= THRESHOLD).astype(int)})
    ana = pd.DataFrame({"p": p, "yhat": (p >= THRESHOLD).astype(int)})
    est = nannyml.CBPE(
        y_pred_proba="p", y_pred="yhat", y_true="y", problem_type="classification_binary",
        metrics=metrics, chunk_number=1, calibrator=NoopCalibrator(),
    )
    est.fit(ref)
    assert not est.needs_calibration or isinstance(est.calibrator, NoopCalibrator)
    df = est.estimate(ana).filter(period="analysis").to_df()
    out = {}
    for m in ["roc_auc", "f1", "precision", "recall", "specificity", "accuracy",
              "true_positive", "false_positive", "true_negative", "false_negative"]:
        out[m] = {"value": none_if_nan(df[(m, "value")].iloc[0]),
                  "sampling_error": none_if_nan(df[(m, "sampling_error")].iloc[0])}
    return out


def auroc_components():
    """NannyML's AUROC sampling-error components on their own (an internal function,
    `nannyml.sampling_error.binary_classification.auroc_sampling_error_components`),
    for quirks the reference set above does not reach: a positive at the lowest rank
    (NannyML drops it) and a positive majority (NannyML flips classes and scores)."""
    from nannyml.sampling_error.binary_classification import auroc_sampling_error_components

    sets = [
        ("lowest_rank_positive", np.array([0.05, 0.1, 0.2, 0.3, 0.4, 0.6, 0.8, 0.9]),
         np.array([1, 0, 1, 0, 0, 1, 1, 0])),
    ]
    p = rng.random(30)
    sets.append(("positive_majority", p, (rng.random(30) < 0.3 + 0.6 * p).astype(int)))
    p = rng.random(200)
    sets.append(("continuous", p, (rng.random(200) < p).astype(int)))
    out = []
    for name, p, y in sets:
        std, fraction = auroc_sampling_error_components(pd.Series(y), pd.Series(p))
        out.append({"name": name, "p_bits": bits(p), "y": y.tolist(), "std": float(std), "fraction": float(fraction)})
    return out


ref_p, ref_y = reference_set(800)
out = {
    "generated_with": {
        "scikit-learn": sklearn.__version__, "statsmodels": statsmodels.__version__,
        "scipy": scipy.__version__, "numpy": np.__version__, "nannyml": nannyml.__version__,
    },
    "threshold": THRESHOLD,
    "bootstrap_resamples_scipy": BOOT_RESAMPLES,
    "cbpe_reference": {"p_bits": bits(ref_p), "y": ref_y.tolist()},
    "cases": [],
    "auroc_components": auroc_components(),
}
for name, p, y, with_bootstrap in cases():
    case = {
        "name": name, "p_bits": bits(p), "y": y.tolist(),
        "classification": classification(p, y, with_bootstrap),
        "reliability": [reliability(p, y, nb, s) for nb in (10, 5) for s in ("uniform", "quantile")],
        "calibration": calibration(p, y),
        "cbpe": cbpe(ref_p, ref_y, p),
    }
    out["cases"].append(case)
print(json.dumps(out, indent=1))
