//! Champion and challenger: each month's newly trained tree (the challenger)
//! is put in use only if it beats guessing (the base rate) on the validation
//! cohorts, and then replaces the model in use (the champion) only if it is not
//! worse by more than the configured tolerance on the cohorts **neither has
//! seen**: the validation cohorts (left out of the challenger's fit) that matured
//! after the champion's training window ended. The champion was refitted on its
//! whole window, validation months included, so judging it on the challenger's
//! whole validation set would judge it partly on its own training data and
//! favour keeping it (issue #18; a planted overfit champion shows the difference).
//! The comparison carries a seeded paired bootstrap interval of the Brier
//! difference, and its text says how many cohorts and spells it rests on.
//!
//! The gate against guessing (docs/metrics.md, "Porten mod at gætte"): the
//! difference of Brier scores, tree minus base rate, on the same validation
//! rows, with a seeded paired percentile bootstrap 95 % interval (the same rows
//! drawn for both). The tree passes only if the whole interval lies below 0,
//! i.e. it is better than guessing beyond sampling noise; a tree that is worse,
//! equal, or better by no more than chance is never put in use. The month then
//! keeps the champion, or, without one, scores nobody.

use rand::{Rng, SeedableRng};

use chrono::NaiveDate;

use super::{TrainOutcome, TrainedTree};
use crate::metrics::brier;
use crate::present::format::{month_long, number};

/// The decision of one month, with its reason in Danish.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub promote: bool,
    pub challenger_brier: f64,
    pub champion_version: Option<String>,
    pub champion_brier: Option<f64>,
    /// How the challenger did against guessing.
    pub gate: Gate,
    /// The comparison with the champion on the cohorts neither has seen.
    pub comparison: Option<Comparison>,
    pub reason: String,
}

/// The model in use, as the decision needs it.
#[derive(Debug, Clone, Copy)]
pub struct Champion<'a> {
    pub version: &'a str,
    pub tree: &'a TrainedTree,
    /// The last cohort of its training window: every later cohort is unseen by it.
    pub trained_to: NaiveDate,
}

/// Challenger against champion on the validation cohorts after the champion's window.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub n_cohorts: usize,
    pub n_spells: usize,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub challenger_brier: f64,
    pub champion_brier: f64,
    /// Challenger minus champion, with its paired bootstrap 95 % interval.
    pub difference: f64,
    pub difference_ci: (f64, f64),
    /// The champion's out-of-time record: per unseen cohort, spells and Brier.
    pub champion_by_cohort: Vec<(NaiveDate, usize, f64)>,
}

/// The challenger against the base rate on the validation rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gate {
    /// Brier score of guessing the fitting months' base rate for everybody.
    pub base_rate_brier: f64,
    /// Tree minus base rate, and its paired bootstrap 95 % interval.
    pub difference: f64,
    pub difference_ci: (f64, f64),
    /// The whole interval below 0.
    pub passed: bool,
}

/// Resamples and seed of the paired bootstrap (as the validation intervals).
const GATE_RESAMPLES: usize = 1000;
const GATE_SEED: u64 = 20_260_101;

impl Gate {
    /// The gate for tree probabilities `p` and base rate `base` against labels `y`.
    pub fn of(p: &[f64], base: f64, y: &[u32]) -> Gate {
        let n = y.len();
        // Per row: squared error of the tree minus that of guessing.
        let d: Vec<f64> = p
            .iter()
            .zip(y)
            .map(|(&p, &y)| {
                let y = f64::from(y);
                (p - y).powi(2) - (base - y).powi(2)
            })
            .collect();
        let base_rate_brier = brier(&vec![base; n], y).unwrap_or(f64::INFINITY);
        if n == 0 || d.len() != n {
            return Gate {
                base_rate_brier,
                difference: f64::NAN,
                difference_ci: (f64::NAN, f64::NAN),
                passed: false,
            };
        }
        let (difference, difference_ci) = paired_mean_ci(&d);
        Gate {
            base_rate_brier,
            difference,
            difference_ci,
            passed: difference_ci.1 < 0.0,
        }
    }
}

/// The mean of per-row differences `d` and its seeded percentile bootstrap 95 %
/// interval (rows drawn with replacement; each row carries both models, so the
/// draw is paired).
pub fn paired_mean_ci(d: &[f64]) -> (f64, (f64, f64)) {
    let n = d.len();
    if n == 0 {
        return (f64::NAN, (f64::NAN, f64::NAN));
    }
    let difference = d.iter().sum::<f64>() / n as f64;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(GATE_SEED);
    let mut means: Vec<f64> = (0..GATE_RESAMPLES)
        .map(|_| (0..n).map(|_| d[rng.random_range(0..n)]).sum::<f64>() / n as f64)
        .collect();
    means.sort_by(f64::total_cmp);
    let quantile = |q: f64| {
        let pos = q * (means.len() - 1) as f64;
        let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
        means[lo] + (means[hi] - means[lo]) * (pos - lo as f64)
    };
    (difference, (quantile(0.025), quantile(0.975)))
}

/// Decides whether `challenger` replaces `champion`.
pub fn decide(
    challenger: &TrainOutcome,
    champion: Option<Champion<'_>>,
    tolerance: f64,
) -> Decision {
    let challenger_brier = challenger.val_brier.unwrap_or(f64::INFINITY);
    let gate = Gate::of(
        &challenger.val_probabilities,
        challenger.val_base_rate,
        &challenger.val_y,
    );
    if !gate.passed {
        return refused_as_guessing(challenger_brier, champion, gate);
    }
    let Some(champion) = champion else {
        return Decision {
            promote: true,
            challenger_brier,
            champion_version: None,
            champion_brier: None,
            gate,
            comparison: None,
            reason: format!(
                "Første model: der var ingen model i brug, og den rammer bedre end at gætte \
                 (Brier {} mod basisratens {}).",
                number(challenger_brier, 4),
                number(gate.base_rate_brier, 4)
            ),
        };
    };
    let Some(c) = compare(challenger, champion) else {
        return Decision {
            promote: false,
            challenger_brier,
            champion_version: Some(champion.version.to_string()),
            champion_brier: None,
            gate,
            comparison: None,
            reason: format!(
                "Ny model afvist: ingen af valideringskohorterne er modnet efter model {v}s \
                 træningsvindue (til {to}), så de kan ikke sammenlignes på data, ingen af dem \
                 har set; {v} bruges fortsat.",
                v = champion.version,
                to = month_long(champion.trained_to)
            ),
        };
    };
    let promote = c.difference <= tolerance;
    let version = champion.version;
    let (new, old, tol) = (
        number(c.challenger_brier, 4),
        number(c.champion_brier, 4),
        number(tolerance, 3),
    );
    let period = if c.from == c.to {
        month_long(c.from)
    } else {
        format!("{} til {}", month_long(c.from), month_long(c.to))
    };
    let basis = format!(
        "på {} {} ({period}, {} forløb), som ingen af dem er trænet på; forskellen {} \
         (95 %-interval {} til {})",
        c.n_cohorts,
        if c.n_cohorts == 1 {
            "kohorte"
        } else {
            "kohorter"
        },
        number(c.n_spells as f64, 0),
        number(c.difference, 4),
        number(c.difference_ci.0, 4),
        number(c.difference_ci.1, 4),
    );
    let reason = if promote {
        format!(
            "Ny model taget i brug: Brier {new} mod {old} for model {version} {basis}; \
             tolerance {tol}."
        )
    } else {
        format!(
            "Ny model afvist: Brier {new} er mere end {tol} dårligere end {old} for model \
             {version} {basis}; {version} bruges fortsat."
        )
    };
    Decision {
        promote,
        challenger_brier: c.challenger_brier,
        champion_version: Some(version.to_string()),
        champion_brier: Some(c.champion_brier),
        gate,
        comparison: Some(c),
        reason,
    }
}

/// The two models on the challenger's validation rows from cohorts after the
/// champion's window; `None` when there are none.
fn compare(challenger: &TrainOutcome, champion: Champion<'_>) -> Option<Comparison> {
    let unseen: Vec<usize> = (0..challenger.val_y.len())
        .filter(|&i| {
            challenger
                .val_cohort_months
                .get(i)
                .is_some_and(|&m| m > champion.trained_to)
        })
        .collect();
    if unseen.is_empty() {
        return None;
    }
    let y: Vec<u32> = unseen.iter().map(|&i| challenger.val_y[i]).collect();
    let new: Vec<f64> = unseen
        .iter()
        .map(|&i| challenger.val_probabilities[i])
        .collect();
    let old: Vec<f64> = unseen
        .iter()
        .map(|&i| champion.tree.leaf_for(&challenger.val_x[i]).probability)
        .collect();
    let d: Vec<f64> = (0..y.len())
        .map(|j| {
            let t = f64::from(y[j]);
            (new[j] - t).powi(2) - (old[j] - t).powi(2)
        })
        .collect();
    let (difference, difference_ci) = paired_mean_ci(&d);
    let mut months: Vec<NaiveDate> = unseen
        .iter()
        .map(|&i| challenger.val_cohort_months[i])
        .collect();
    months.sort();
    months.dedup();
    let champion_by_cohort = months
        .iter()
        .map(|&m| {
            let (p, t): (Vec<f64>, Vec<u32>) = unseen
                .iter()
                .enumerate()
                .filter(|(_, &i)| challenger.val_cohort_months[i] == m)
                .map(|(j, _)| (old[j], y[j]))
                .unzip();
            (m, t.len(), brier(&p, &t).unwrap_or(f64::NAN))
        })
        .collect();
    Some(Comparison {
        n_cohorts: months.len(),
        n_spells: y.len(),
        from: months[0],
        to: months[months.len() - 1],
        challenger_brier: brier(&new, &y).unwrap_or(f64::INFINITY),
        champion_brier: brier(&old, &y).unwrap_or(f64::INFINITY),
        difference,
        difference_ci,
        champion_by_cohort,
    })
}

/// A challenger no better than guessing: never put in use.
fn refused_as_guessing(
    challenger_brier: f64,
    champion: Option<Champion<'_>>,
    gate: Gate,
) -> Decision {
    let (lo, hi) = gate.difference_ci;
    let figures = format!(
        "Brier {} mod {} ved blot at gætte basisraten for alle; forskellen {} (95 %-interval {} til {}) er ikke sikkert under 0",
        number(challenger_brier, 4),
        number(gate.base_rate_brier, 4),
        number(gate.difference, 4),
        number(lo, 4),
        number(hi, 4)
    );
    let reason = match champion {
        Some(c) => format!(
            "Ny model afvist, fordi den ikke rammer bedre end at gætte: {figures}. Model {} bruges fortsat.",
            c.version
        ),
        None => format!(
            "Ny model afvist, fordi den ikke rammer bedre end at gætte: {figures}. Der er ingen model i brug, så ingen borgere i månedens kohorte får en vurdering."
        ),
    };
    Decision {
        promote: false,
        challenger_brier,
        champion_version: champion.map(|c| c.version.to_string()),
        champion_brier: None,
        gate,
        comparison: None,
        reason,
    }
}

#[cfg(test)]
#[path = "champion_tests.rs"]
mod tests;
