//! Which programmes work, for whom (issue #17): the `effects` step. For each
//! programme type it estimates the effect on the treated of starting the
//! programme in a month t against not starting one in t (possibly later), among
//! spells still open and without a running programme at t, on being unemployed
//! 12 months after the 2nd interview and, apart, 2 months after the start (the
//! lock-in phase). Per risk band, per target group and for all; the naive
//! difference beside it. The maths is `metrics::effects` (cross-fitted AIPW,
//! person-clustered bootstrap, E-values), checked against scikit-learn.

pub mod panel;

use chrono::NaiveDate;
use duckdb::{params, Connection};

use crate::config::EffectsConfig;
use crate::metrics::effects::{self, CellEstimate, EffectSettings, Unit};
use crate::store::{date_value, StoreError};

pub use panel::PanelRow;

#[derive(thiserror::Error, Debug)]
pub enum EffectsError {
    #[error("kolonnen '{0}' mangler i effektanalysens datasæt")]
    Column(String),
    #[error("effekterne kunne ikke skønnes: {0}")]
    Estimate(#[from] effects::EffectError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("databasefejl: {0}")]
    Db(#[from] duckdb::Error),
}

/// The outcomes, by code (`sql/vocabulary.toml`, set `effect_outcome`).
pub const OUTCOMES: [&str; 2] = ["ledig_12", "ledig_laast"];
/// The groupings, by code (set `effect_grouping`).
pub const GROUPINGS: [&str; 3] = ["risikogruppe", "maalgruppe", "alle"];

/// What a run of the step did.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub panel_rows: usize,
    pub estimates: usize,
    pub suppressed: usize,
}

fn outcome_of(r: &PanelRow, outcome: &str) -> Option<u32> {
    if outcome == OUTCOMES[0] {
        r.unemployed_12
    } else {
        r.unemployed_lockin
    }
}

fn group_of<'a>(r: &'a PanelRow, grouping: &str) -> &'a str {
    match grouping {
        "risikogruppe" => &r.risk_band,
        "maalgruppe" => &r.target_group,
        _ => "alle",
    }
}

/// One estimated cell with its labels.
#[derive(Debug, Clone)]
pub struct EffectRow {
    pub programme_type: String,
    pub outcome: &'static str,
    pub grouping: &'static str,
    pub group_value: String,
    pub estimate: CellEstimate,
}

fn unit(r: &PanelRow, outcome: u32) -> Unit {
    Unit {
        person: r.person,
        treated: r.programme_type.is_some(),
        covariates: r.covariates.clone(),
        outcome,
        cell: 0,
    }
}

/// Cross-fitted predictions over the rows `keep` selects, by row position
/// (NaN elsewhere).
fn predictions(
    rows: &[PanelRow],
    keep: impl Fn(&PanelRow) -> bool,
    outcome: &str,
    folds: u64,
    propensity: bool,
) -> Result<Vec<f64>, EffectsError> {
    let idx: Vec<usize> = (0..rows.len()).filter(|&i| keep(&rows[i])).collect();
    let units: Vec<Unit> = idx
        .iter()
        .map(|&i| unit(&rows[i], outcome_of(&rows[i], outcome).unwrap_or(0)))
        .collect();
    let mut out = vec![f64::NAN; rows.len()];
    if units.is_empty() {
        return Ok(out);
    }
    let p = if propensity {
        effects::cross_fit_model(&units, folds, |_| true, |u| u32::from(u.treated))?
    } else {
        effects::cross_fit_model(&units, folds, |u| !u.treated, |u| u.outcome)?
    };
    for (k, &i) in idx.iter().enumerate() {
        out[i] = p[k];
    }
    Ok(out)
}

/// Estimates every programme type, outcome and group of a panel. The outcome
/// model of the untreated is fitted once per outcome (on every month without a
/// start) and the propensity once per programme type, both cross-fitted.
pub fn estimate_panel(
    rows: &[PanelRow],
    s: &EffectSettings,
) -> Result<Vec<EffectRow>, EffectsError> {
    let mut kinds: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.programme_type.as_deref())
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    let mut outcome0 = Vec::new();
    for outcome in OUTCOMES {
        outcome0.push(predictions(
            rows,
            |r| outcome_of(r, outcome).is_some(),
            outcome,
            s.folds,
            false,
        )?);
    }
    let mut out = Vec::new();
    for kind in kinds {
        let in_kind = |r: &PanelRow| r.programme_type.as_deref().is_none_or(|k| k == kind);
        let propensity = predictions(rows, in_kind, OUTCOMES[0], s.folds, true)?;
        for (o, outcome) in OUTCOMES.into_iter().enumerate() {
            // The treated started this programme in t; the comparison started none.
            let chosen: Vec<usize> = (0..rows.len())
                .filter(|&i| in_kind(&rows[i]) && outcome_of(&rows[i], outcome).is_some())
                .collect();
            if !chosen.iter().any(|&i| rows[i].programme_type.is_some()) {
                continue;
            }
            let mut units: Vec<Unit> = chosen
                .iter()
                .map(|&i| unit(&rows[i], outcome_of(&rows[i], outcome).unwrap_or(0)))
                .collect();
            let nu = effects::Nuisances {
                propensity: chosen.iter().map(|&i| propensity[i]).collect(),
                outcome0: chosen.iter().map(|&i| outcome0[o][i]).collect(),
            };
            for grouping in GROUPINGS {
                let mut values: Vec<&str> = chosen
                    .iter()
                    .map(|&i| group_of(&rows[i], grouping))
                    .collect();
                values.sort_unstable();
                values.dedup();
                for (u, &i) in units.iter_mut().zip(&chosen) {
                    u.cell = values
                        .binary_search(&group_of(&rows[i], grouping))
                        .unwrap_or(0);
                }
                for (c, v) in values.iter().enumerate() {
                    out.push(EffectRow {
                        programme_type: kind.to_string(),
                        outcome,
                        grouping,
                        group_value: v.to_string(),
                        estimate: effects::estimate_cell(&units, &nu, c, s),
                    });
                }
            }
        }
    }
    Ok(out)
}

/// The estimator's settings from the pipeline's `[effects]`.
pub fn settings(cfg: &EffectsConfig) -> EffectSettings {
    EffectSettings {
        folds: cfg.folds,
        resamples: cfg.bootstrap_resamples,
        seed: cfg.bootstrap_seed,
        trim_above: cfg.trim_above,
        min_treated: cfg.min_treated,
        min_ess: cfg.min_ess,
        ..EffectSettings::default()
    }
}

/// Runs the step inside the caller's transaction: recomputes `effect_estimates`
/// and `effect_treated`.
#[tracing::instrument(skip_all, err)]
pub fn run(conn: &Connection, run_id: &str, cfg: &EffectsConfig) -> Result<Summary, EffectsError> {
    crate::store::clear_table(conn, "effect_estimates")?;
    crate::store::clear_table(conn, "effect_treated")?;
    let rows = panel::load(conn, cfg.window_cohorts, cfg.months_at_risk)?;
    let (Some(from), Some(to)) = (
        rows.iter().map(|r| r.cohort_month).min(),
        rows.iter().map(|r| r.cohort_month).max(),
    ) else {
        return Ok(Summary::default());
    };
    let est = estimate_panel(&rows, &settings(cfg))?;
    write_estimates(conn, run_id, from, to, &est)?;
    let mut app = conn.appender("effect_treated")?;
    for r in rows.iter().filter(|r| r.programme_type.is_some()) {
        let (Some(kind), Some(start)) = (&r.programme_type, r.start_date) else {
            continue;
        };
        app.append_row(params![
            r.spell_id,
            date_value(r.month),
            date_value(start),
            kind,
            r.risk_band,
            r.target_group,
            run_id
        ])?;
    }
    app.flush()?;
    Ok(Summary {
        panel_rows: rows.len(),
        estimates: est.len(),
        suppressed: est
            .iter()
            .filter(|e| e.estimate.suppressed.is_some())
            .count(),
    })
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

fn write_estimates(
    conn: &Connection,
    run_id: &str,
    from: NaiveDate,
    to: NaiveDate,
    est: &[EffectRow],
) -> Result<(), EffectsError> {
    let mut stmt = conn.prepare(
        "insert into effect_estimates by name
         select ? as programme_type, ? as outcome, ? as grouping, ? as group_value,
                ? as window_from, ? as window_to, ? as n_treated, ? as n_control,
                ? as persons_treated, ? as treated_rate, ? as naive, ? as naive_ci_low,
                ? as naive_ci_high, ? as effect, ? as effect_ci_low, ? as effect_ci_high,
                ? as effect_se, ? as ess_control, ? as trimmed_share,
                ? as ps_treated_median, ? as ps_control_median, ? as e_value,
                ? as e_value_ci, ? as suppressed_reason, ? as computed_in_run",
    )?;
    for r in est {
        let e = &r.estimate;
        stmt.execute(params![
            r.programme_type,
            r.outcome,
            r.grouping,
            r.group_value,
            date_value(from),
            date_value(to),
            e.n_treated as i64,
            e.n_control as i64,
            e.persons_treated as i64,
            finite(e.treated_rate),
            finite(e.naive),
            finite(e.naive_ci.0),
            finite(e.naive_ci.1),
            e.att,
            e.att_ci.map(|c| c.0),
            e.att_ci.map(|c| c.1),
            e.att_se,
            finite(e.ess_control),
            finite(e.trimmed_share),
            finite(e.ps_treated[1]),
            finite(e.ps_control[1]),
            e.e_value,
            e.e_value_ci,
            e.suppressed.map(|s| s.reason()),
            run_id,
        ])?;
    }
    Ok(())
}
