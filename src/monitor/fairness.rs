//! Fairness over the window of mature cohorts: for sex, age band, district,
//! target group, origin and sex x age band, each group's selection rate, FPR, FNR,
//! precision and calibration in the large, with intervals, ratios to a reference
//! group and a Benjamini-Hochberg corrected test across every group and metric.
//! Protected attributes are audited whether or not the model uses them.

use std::collections::BTreeMap;

use duckdb::{params, Connection};

use super::alerts::{Alert, Severity};
use super::rows::{MonitorRow, DIMENSIONS};
use super::{MonitorError, MonitorInput, Window};
use crate::metrics::fairness::{self, AuditConfig, GroupRows};
use crate::store::date_value;

/// Danish names of the audited dimensions, for alert texts.
fn dimension_label(d: &str) -> &str {
    match d {
        "sex" => "Køn",
        "age_band" => "Aldersgruppe",
        "district" => "Bydel",
        "target_group" => "Målgruppe",
        "origin" => "Herkomst",
        "sex_age_band" => "Køn og aldersgruppe",
        other => other,
    }
}

fn metric_label(m: &str) -> &str {
    match m {
        "selection_rate" => "andel vurderet høj risiko",
        "fpr" => "andel fejlagtigt vurderet høj risiko (falsk positiv-rate)",
        "fnr" => "andel overset (falsk negativ-rate)",
        "precision" => "præcision",
        "citl" => "kalibrering",
        other => other,
    }
}

/// The groups of one dimension.
fn groups<'a>(rows: &[&'a MonitorRow], key: impl Fn(&MonitorRow) -> String) -> Vec<GroupRows> {
    let mut by: BTreeMap<String, GroupRows> = BTreeMap::new();
    for r in rows {
        let Some(y) = r.label else { continue };
        let g = by.entry(key(r)).or_insert_with_key(|k| GroupRows {
            group: k.clone(),
            probabilities: Vec::new(),
            labels: Vec::new(),
            flagged: Vec::new(),
        });
        g.probabilities.push(r.probability);
        g.labels.push(y);
        g.flagged.push(r.flagged());
    }
    by.into_values().collect()
}

pub fn write(conn: &Connection, input: &MonitorInput<'_>, w: &Window<'_>) -> Result<Vec<Alert>, MonitorError> {
    let rows = &w.scope.rows;
    let mut dims: Vec<(String, Vec<GroupRows>)> = DIMENSIONS
        .iter()
        .enumerate()
        .map(|(i, d)| (d.to_string(), groups(rows, |r| r.groups[i].clone())))
        .collect();
    dims.push((
        "sex_age_band".into(),
        groups(rows, |r| [r.groups[0].as_str(), " ", r.groups[1].as_str()].concat()),
    ));
    let cfg = input.cfg();
    let results = fairness::audit(
        &dims,
        &AuditConfig {
            ratio_low: cfg.fairness_ratio_low,
            ratio_high: cfg.fairness_ratio_high,
            alpha: cfg.fairness_alpha,
            k: input.k,
        },
    );
    let mut app = conn.appender("metric_fairness")?;
    let mut alerts = Vec::new();
    for g in &results {
        app.append_row(params![
            date_value(w.scope.cohort_month),
            date_value(w.from),
            w.scope.model_version,
            g.dimension,
            g.group,
            g.metric,
            g.n as i64,
            g.numerator,
            g.denominator as i64,
            g.value,
            g.ci_low,
            g.ci_high,
            g.reference_group,
            g.ratio,
            g.p_value,
            g.p_adjusted,
            g.ratio_outside,
            g.significant,
            g.flagged,
            g.suppress,
            input.run_id
        ])?;
        // A flagged group too small to show is not named in an alert either.
        if g.flagged && !g.suppress {
            alerts.push(Alert {
                kind: "retfaerdighed",
                severity: Severity::Warning,
                subject: [g.dimension.as_str(), "=", &g.group, ":", &g.metric].concat(),
                message: format!(
                    "{}: gruppen »{}« har {} {} gange referencegruppens (»{}«), og forskellen er statistisk signifikant efter korrektion for mange test ({} personer, {} kohorter).",
                    dimension_label(&g.dimension),
                    g.group,
                    metric_label(&g.metric),
                    crate::dashboard::format::number(g.ratio.unwrap_or(f64::NAN), 2),
                    g.reference_group,
                    g.n,
                    input.cfg().window_cohorts,
                ),
                value: g.ratio,
            });
        }
    }
    app.flush()?;
    Ok(alerts)
}
