//! Programme effects from monthly register data: the effect on the treated of
//! starting a programme in month t against not starting one in t (possibly
//! later), among spells still open and without a running programme at t
//! (Sianesi's dynamic set-up). Doubly robust: a cross-fitted logistic
//! propensity of starting in t and a cross-fitted logistic outcome model for
//! the untreated, combined as the normalised AIPW estimator of the average
//! effect on the treated. The naive difference is reported beside it.
//! Checked against `tests/reference/effects_reference.py` (scikit-learn).

mod bootstrap;
mod sensitivity;

pub use sensitivity::{e_value, effective_sample_size};

use crate::logistic::{Logistic, LogisticError};

/// One spell in one month t at which it could start the programme.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    /// Person number: the bootstrap resamples persons, and the cross-fitting
    /// folds are `person % folds`, so one person's months stay in one fold.
    pub person: u64,
    /// Started the programme in month t.
    pub treated: bool,
    /// What is known at t (the same columns for every unit).
    pub covariates: Vec<f64>,
    /// The outcome, 0 or 1 (1 = still unemployed at the outcome month).
    pub outcome: u32,
    /// Which reported cell the unit belongs to (e.g. the risk band), `0..cells`.
    pub cell: usize,
}

/// How to estimate and when to refuse to.
#[derive(Debug, Clone, PartialEq)]
pub struct EffectSettings {
    /// Cross-fitting folds (1 = nuisances fitted and used on all units).
    pub folds: u64,
    /// Person-clustered bootstrap resamples for the 95 % intervals.
    pub resamples: usize,
    pub seed: u64,
    /// Units with a propensity above this are dropped (no comparable untreated).
    pub trim_above: f64,
    /// A cell with fewer treated units than this gets no estimate.
    pub min_treated: usize,
    /// A cell whose weighted untreated comparison has a smaller effective sample
    /// size than this gets no estimate.
    pub min_ess: f64,
    /// A cell with more persons than this gets the analytic person-clustered
    /// interval instead of the bootstrap (the same interval at that size, at a
    /// fraction of the cost).
    pub max_bootstrap_persons: usize,
}

impl Default for EffectSettings {
    fn default() -> Self {
        EffectSettings {
            folds: 2,
            resamples: 500,
            seed: 20_260_101,
            trim_above: 0.9,
            min_treated: 50,
            min_ess: 50.0,
            max_bootstrap_persons: 5_000,
        }
    }
}

/// Why a cell has no estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Suppression {
    /// Fewer treated units than `min_treated`.
    TooFewTreated { n: usize, min: usize },
    /// The weighted comparison group is worth fewer than `min_ess` persons.
    TooSmallComparison { ess: f64, min: f64 },
}

impl Suppression {
    /// The reason in Danish, for the cockpit and the report.
    pub fn reason(&self) -> String {
        match self {
            Suppression::TooFewTreated { min, .. } => {
                format!("for få deltagere til et skøn (under {min})")
            }
            Suppression::TooSmallComparison { min, .. } => format!(
                "for få sammenlignelige borgere uden indsatsen (effektiv stikprøve under {min:.0})"
            ),
        }
    }
}

/// The estimate for one cell.
#[derive(Debug, Clone, PartialEq)]
pub struct CellEstimate {
    pub cell: usize,
    pub n_treated: usize,
    pub n_control: usize,
    /// Distinct persons among the treated.
    pub persons_treated: usize,
    /// Outcome rate among the treated.
    pub treated_rate: f64,
    /// Treated rate minus untreated rate, unweighted.
    pub naive: f64,
    pub naive_ci: (f64, f64),
    /// AIPW effect on the treated; `None` when suppressed.
    pub att: Option<f64>,
    pub att_ci: Option<(f64, f64)>,
    /// Bootstrap standard error of `att`.
    pub att_se: Option<f64>,
    /// Kish effective sample size of the weighted untreated units.
    pub ess_control: f64,
    /// Share of the cell's treated units dropped by trimming.
    pub trimmed_share: f64,
    /// Propensity quartiles (25, 50, 75 %) of treated and untreated units.
    pub ps_treated: [f64; 3],
    pub ps_control: [f64; 3],
    /// E-value of the point estimate and of the interval limit nearest no effect.
    pub e_value: Option<f64>,
    pub e_value_ci: Option<f64>,
    pub suppressed: Option<Suppression>,
}

#[derive(Debug, thiserror::Error)]
pub enum EffectError {
    #[error("ingen enheder at skønne effekter på")]
    Empty,
    #[error("enhederne har ikke lige mange forklarende variable")]
    Ragged,
    #[error(transparent)]
    Fit(#[from] LogisticError),
}

/// Cross-fitted nuisances of every unit: propensity and untreated outcome risk.
#[derive(Debug, Clone, PartialEq)]
pub struct Nuisances {
    pub propensity: Vec<f64>,
    pub outcome0: Vec<f64>,
}

/// Fits the propensity (treated against untreated) and the untreated outcome
/// model on the other folds and predicts each unit's own fold.
pub fn cross_fit(units: &[Unit], folds: u64) -> Result<Nuisances, EffectError> {
    check(units)?;
    let propensity = cross_fit_model(units, folds, |_| true, |u| u32::from(u.treated))?;
    let outcome0 = cross_fit_model(units, folds, |u| !u.treated, |u| u.outcome)?;
    Ok(Nuisances {
        propensity,
        outcome0,
    })
}

fn check(units: &[Unit]) -> Result<(), EffectError> {
    let width = units.first().ok_or(EffectError::Empty)?.covariates.len();
    if units.iter().any(|u| u.covariates.len() != width) {
        return Err(EffectError::Ragged);
    }
    Ok(())
}

/// Largest number of rows a nuisance model is fitted on: beyond it a fixed
/// subsample of persons (every n-th person of the training folds) is used, so
/// the cost of a fit does not grow with the municipality. Every row is still
/// predicted and enters the estimate.
pub const MAX_FIT_ROWS: usize = 20_000;

/// One cross-fitted model: for each fold, fitted on the other folds' units that
/// `train_on` accepts (label `label`), predicting the fold's units.
pub fn cross_fit_model(
    units: &[Unit],
    folds: u64,
    train_on: impl Fn(&Unit) -> bool,
    label: impl Fn(&Unit) -> u32,
) -> Result<Vec<f64>, EffectError> {
    check(units)?;
    let folds = folds.max(1);
    let mut out = vec![0.0; units.len()];
    for k in 0..folds {
        let in_train = |u: &Unit| (folds == 1 || u.person % folds != k) && train_on(u);
        let n = units.iter().filter(|u| in_train(u)).count();
        // Persons are numbered densely, so every `step`-th person of the fold is
        // an even subsample.
        let step = n.div_ceil(MAX_FIT_ROWS).max(1) as u64;
        let (x, y): (Vec<Vec<f64>>, Vec<u32>) = units
            .iter()
            .filter(|u| in_train(u) && (u.person / folds).is_multiple_of(step))
            .map(|u| (u.covariates.clone(), label(u)))
            .unzip();
        let model = fit_or_constant(&x, &y)?;
        for (i, u) in units.iter().enumerate() {
            if folds == 1 || u.person % folds == k {
                out[i] = model.predict(&u.covariates);
            }
        }
    }
    Ok(out)
}

/// A fitted model, or the training rate when only one class occurs (a
/// logistic fit has no finite solution then).
enum Model {
    Fitted(Logistic),
    Constant(f64),
}

impl Model {
    fn predict(&self, row: &[f64]) -> f64 {
        match self {
            Model::Fitted(m) => m.predict(row),
            Model::Constant(p) => *p,
        }
    }
}

fn fit_or_constant(x: &[Vec<f64>], y: &[u32]) -> Result<Model, EffectError> {
    let ones = y.iter().filter(|&&v| v == 1).count();
    if ones == 0 || ones == y.len() {
        let rate = if y.is_empty() {
            0.0
        } else {
            ones as f64 / y.len() as f64
        };
        return Ok(Model::Constant(rate));
    }
    Ok(Model::Fitted(Logistic::fit(x, y)?))
}

/// Estimates every cell `0..cells`: cross-fits the nuisances once over all
/// units (the cell is expected among the covariates), then averages per cell.
pub fn estimate(
    units: &[Unit],
    cells: usize,
    s: &EffectSettings,
) -> Result<Vec<CellEstimate>, EffectError> {
    let nu = cross_fit(units, s.folds)?;
    Ok((0..cells)
        .map(|c| estimate_cell(units, &nu, c, s))
        .collect())
}

fn quartiles(mut v: Vec<f64>) -> [f64; 3] {
    if v.is_empty() {
        return [f64::NAN; 3];
    }
    v.sort_by(f64::total_cmp);
    let q = |p: f64| {
        // Linear interpolation between order statistics (numpy's default).
        let h = p * (v.len() - 1) as f64;
        let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
        v[lo] + (h - lo as f64) * (v[hi] - v[lo])
    };
    [q(0.25), q(0.5), q(0.75)]
}

/// One cell from the cross-fitted nuisances.
pub fn estimate_cell(
    units: &[Unit],
    nu: &Nuisances,
    cell: usize,
    s: &EffectSettings,
) -> CellEstimate {
    let idx: Vec<usize> = (0..units.len())
        .filter(|&i| units[i].cell == cell)
        .collect();
    let treated_all = idx.iter().filter(|&&i| units[i].treated).count();
    let kept: Vec<usize> = idx
        .iter()
        .copied()
        .filter(|&i| nu.propensity[i] <= s.trim_above)
        .collect();
    let treated_kept = kept.iter().filter(|&&i| units[i].treated).count();
    let rows: Vec<bootstrap::Row> = kept
        .iter()
        .map(|&i| {
            let u = &units[i];
            let e = nu.propensity[i];
            bootstrap::Row {
                person: u.person,
                treated: u.treated,
                y: f64::from(u.outcome),
                residual: f64::from(u.outcome) - nu.outcome0[i],
                weight: if u.treated { 1.0 } else { e / (1.0 - e) },
            }
        })
        .collect();
    let ctrl_w: Vec<f64> = rows
        .iter()
        .filter(|r| !r.treated)
        .map(|r| r.weight)
        .collect();
    let ess_control = effective_sample_size(&ctrl_w);
    let sums = bootstrap::Sums::of(rows.iter());
    let treated_rate = sums.treated_rate();
    let naive = sums.naive();
    let suppressed = if treated_kept < s.min_treated {
        Some(Suppression::TooFewTreated {
            n: treated_kept,
            min: s.min_treated,
        })
    } else if ess_control < s.min_ess {
        Some(Suppression::TooSmallComparison {
            ess: ess_control,
            min: s.min_ess,
        })
    } else {
        None
    };
    let mut persons: Vec<u64> = rows.iter().map(|r| r.person).collect();
    persons.sort_unstable();
    persons.dedup();
    // A suppressed cell shows no interval, so it is not resampled.
    let resamples = if suppressed.is_none() { s.resamples } else { 0 };
    let boot = if persons.len() > s.max_bootstrap_persons {
        bootstrap::analytic(&rows)
    } else {
        bootstrap::clustered(&rows, resamples, s.seed.wrapping_add(cell as u64))
    };
    let (att, att_ci, att_se) = match suppressed {
        None => (Some(sums.aipw()), Some(boot.att_ci), Some(boot.att_se)),
        Some(_) => (None, None, None),
    };
    let e_point = att.map(|a| e_value(treated_rate, a));
    let e_ci = att_ci.map(|(lo, hi)| {
        if lo <= 0.0 && hi >= 0.0 {
            1.0
        } else {
            let near = if lo > 0.0 { lo } else { hi };
            e_value(treated_rate, near)
        }
    });
    let mut treated_persons: Vec<u64> = rows
        .iter()
        .filter(|r| r.treated)
        .map(|r| r.person)
        .collect();
    treated_persons.sort_unstable();
    treated_persons.dedup();
    let ps = |t: bool| {
        quartiles(
            idx.iter()
                .filter(|&&i| units[i].treated == t)
                .map(|&i| nu.propensity[i])
                .collect(),
        )
    };
    CellEstimate {
        cell,
        n_treated: treated_kept,
        n_control: ctrl_w.len(),
        persons_treated: treated_persons.len(),
        treated_rate,
        naive,
        naive_ci: boot.naive_ci,
        att,
        att_ci,
        att_se,
        ess_control,
        trimmed_share: if treated_all == 0 {
            0.0
        } else {
            (treated_all - treated_kept) as f64 / treated_all as f64
        },
        ps_treated: ps(true),
        ps_control: ps(false),
        e_value: e_point,
        e_value_ci: e_ci,
        suppressed,
    }
}

#[cfg(test)]
mod tests;
