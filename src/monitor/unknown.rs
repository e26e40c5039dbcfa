//! Unknown outcomes over the window of mature cohorts: how many spells have no
//! observed outcome (moved out, died, missing in the registers), overall and by
//! protected group. Every other figure is computed over the known outcomes, so
//! a high unknown share may skew them, and an unknown share that differs by
//! group (by origin, say) is a fairness finding of its own: the groups' figures
//! then rest on different parts of the groups.
//!
//! Rows go to `metric_fairness` as the metric `unknown_share` (each group against
//! all others in its dimension, two-proportion z-test, Benjamini-Hochberg across
//! every group of every dimension); a group is flagged when its share's ratio to
//! the rest's is outside the fairness band and the difference is significant.

use duckdb::{params, Connection};

use super::alerts::{Alert, Severity};
use super::fairness::REST;
use super::rows::{MonitorRow, DIMENSIONS};
use super::{MonitorError, MonitorInput, Window};
use crate::metrics::fairness::{benjamini_hochberg, proportions_ztest};
use crate::metrics::wilson_interval;
use crate::present::format::percent;
use crate::store::date_value;
use crate::vocabulary::Dimension;

/// The metric code in `metric_fairness` (vocabulary set `metric`).
pub const METRIC: &str = "unknown_share";

/// One group's unknown share against the rest of its dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupUnknown {
    pub dimension: String,
    pub group: String,
    pub n: u64,
    pub unknown: u64,
    pub ci: (f64, f64),
    /// The share over the rest's; `None` when the rest has no unknown.
    pub ratio: Option<f64>,
    pub p_value: Option<f64>,
    pub p_adjusted: Option<f64>,
    pub flagged: bool,
    /// Fewer than k persons: not shown, never named.
    pub suppress: bool,
}

impl GroupUnknown {
    pub fn share(&self) -> f64 {
        self.unknown as f64 / self.n.max(1) as f64
    }
}

/// A dimension's name and how a row's group in it is read.
type GroupKey = (String, Box<dyn Fn(&MonitorRow) -> String>);

/// The groups of every audited dimension (and sex x age band), mature rows only.
pub fn by_group(rows: &[&MonitorRow], band: (f64, f64), alpha: f64, k: u32) -> Vec<GroupUnknown> {
    let mature: Vec<&MonitorRow> = rows.iter().copied().filter(|r| r.mature).collect();
    let total = (
        mature.len() as u64,
        mature.iter().filter(|r| r.unknown()).count() as u64,
    );
    let mut keys: Vec<GroupKey> = DIMENSIONS
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let f: Box<dyn Fn(&MonitorRow) -> String> = Box::new(move |r| r.groups[i].clone());
            (d.to_string(), f)
        })
        .collect();
    keys.push((
        Dimension::SexAgeBand.as_code().into(),
        Box::new(|r| [r.groups[0].as_str(), " ", r.groups[1].as_str()].concat()),
    ));
    let mut out = Vec::new();
    for (dimension, key) in &keys {
        let mut groups: std::collections::BTreeMap<String, (u64, u64)> = Default::default();
        for r in &mature {
            let g = groups.entry(key(r)).or_default();
            g.0 += 1;
            g.1 += u64::from(r.unknown());
        }
        for (group, (n, unknown)) in groups {
            let (rest_n, rest_unknown) = (total.0 - n, total.1 - unknown);
            let rest_share = rest_unknown as f64 / rest_n.max(1) as f64;
            let share = unknown as f64 / n.max(1) as f64;
            out.push(GroupUnknown {
                dimension: dimension.clone(),
                group,
                n,
                unknown,
                ci: wilson_interval(unknown, n),
                ratio: (rest_n > 0 && rest_unknown > 0).then(|| share / rest_share),
                p_value: proportions_ztest(unknown, n, rest_unknown, rest_n).map(|t| t.1),
                p_adjusted: None,
                flagged: false,
                suppress: n < u64::from(k),
            });
        }
    }
    let tested: Vec<usize> = (0..out.len())
        .filter(|&i| out[i].p_value.is_some())
        .collect();
    let p: Vec<f64> = tested.iter().filter_map(|&i| out[i].p_value).collect();
    for (&i, adjusted) in tested.iter().zip(benjamini_hochberg(&p)) {
        let g = &mut out[i];
        g.p_adjusted = Some(adjusted);
        let outside = g.ratio.is_none_or(|r| r < band.0 || r > band.1);
        g.flagged = adjusted < alpha && outside;
    }
    out
}

/// Writes the groups' unknown shares and returns the alerts: the window's
/// unknown share above `max_unknown_share`, and each flagged group.
pub fn write(
    conn: &Connection,
    input: &MonitorInput<'_>,
    w: &Window<'_>,
) -> Result<Vec<Alert>, MonitorError> {
    let cfg = input.cfg();
    let mut alerts = Vec::new();
    let mature = w.scope.rows.iter().filter(|r| r.mature).count() as u64;
    let unknown = w.scope.unknown();
    if mature == 0 {
        return Ok(alerts);
    }
    let share = unknown as f64 / mature as f64;
    let period = format!(
        "{} til {}",
        w.from.format("%m-%Y"),
        w.scope.cohort_month.format("%m-%Y")
    );
    if share > cfg.max_unknown_share {
        alerts.push(Alert {
            kind: "ukendt_udfald",
            severity: Severity::Warning,
            subject: "seneste modne kohorter".into(),
            message: format!(
                "Udfaldet er ukendt for {} af de {mature} forløb i kohorterne fra {period} (fraflyttet, død eller ukendt i registrene; grænsen er {}). Træfsikkerhed, kalibrering og retfærdighed er beregnet på de {} med kendt udfald og kan være skæve, hvis de ukendte klarer sig anderledes.",
                percent(share, 1),
                percent(cfg.max_unknown_share, 0),
                mature - unknown,
            ),
            value: Some(share),
        });
    }
    let groups = by_group(
        &w.scope.rows,
        (cfg.fairness_ratio_low, cfg.fairness_ratio_high),
        cfg.fairness_alpha,
        input.k,
    );
    let mut app = conn.appender_with_columns("metric_fairness", super::fairness::COLUMNS)?;
    for g in &groups {
        // No ratio: the rest has no unknown outcome at all, as far outside as it gets.
        let outside = g
            .ratio
            .is_none_or(|r| r < cfg.fairness_ratio_low || r > cfg.fairness_ratio_high);
        app.append_row(params![
            date_value(w.scope.cohort_month),
            date_value(w.from),
            w.scope.model_version,
            g.dimension,
            g.group,
            METRIC,
            g.n as i64,
            g.unknown as f64,
            g.n as i64,
            g.share(),
            g.ci.0,
            g.ci.1,
            REST,
            g.ratio,
            g.p_value,
            g.p_adjusted,
            outside,
            g.p_adjusted.is_some_and(|p| p < cfg.fairness_alpha),
            g.flagged,
            g.suppress,
            input.run_id
        ])?;
        if g.flagged && !g.suppress {
            let label = crate::vocabulary::get().label_or_code(&g.dimension, &g.group);
            alerts.push(Alert {
                kind: "ukendt_udfald",
                severity: Severity::Warning,
                subject: [g.dimension.as_str(), "=", &g.group].concat(),
                message: format!(
                    "Udfaldet er ukendt for {} af gruppen »{label}« ({} forløb, kohorterne fra {period}) mod {} af de øvrige; forskellen er statistisk signifikant efter korrektion for mange test. Gruppens tal bygger derfor på en anden del af gruppen end de øvriges.",
                    percent(g.share(), 1),
                    g.n,
                    percent(g.ratio.map_or(0.0, |r| g.share() / r), 1),
                ),
                value: Some(g.share()),
            });
        }
    }
    app.flush()?;
    Ok(alerts)
}
