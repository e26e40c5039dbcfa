//! The proxy audit over the window of mature cohorts (issue #16): for each group of
//! sex, origin and district (one against the rest of its dimension), how well the
//! model's inputs together predict membership (AUC of a logistic regression, with
//! a bootstrap interval) and which single input is the strongest proxy. Sex and
//! origin are never inputs; this measures how much of them the inputs carry anyway
//! (integrationsydelse as a target group is a near proxy for origin). Written to
//! `metric_proxy`; a group or its complement under k is listed without figures.

use std::collections::BTreeSet;

use duckdb::{params, Connection};

use super::rows::DIMENSIONS;
use super::{MonitorError, MonitorInput, Window};
use crate::metrics::proxy;
use crate::store::date_value;

/// The protected dimensions audited (of [`DIMENSIONS`]): the ones never used as
/// inputs and residence, the known proxy for social background.
pub(super) const AUDITED: [&str; 3] = ["sex", "origin", "district"];

const COLUMNS: &[&str] = &[
    "cohort_month",
    "window_from",
    "dimension",
    "grp",
    "n",
    "n_group",
    "auc",
    "ci_low",
    "ci_high",
    "strongest_input",
    "strongest_label",
    "strongest_auc",
    "computed_in_run",
];

/// Computes and stores the audit of the window.
pub(super) fn write(
    conn: &Connection,
    input: &MonitorInput<'_>,
    w: &Window<'_>,
) -> Result<(), MonitorError> {
    let rows = &w.scope.rows;
    let x: Vec<Vec<f64>> = rows.iter().map(|r| r.features.clone()).collect();
    let k = u64::from(input.k);
    let cfg = input.cfg();
    let mut app = conn.appender_with_columns("metric_proxy", COLUMNS)?;
    for dim in AUDITED {
        let Some(d) = DIMENSIONS.iter().position(|n| *n == dim) else {
            continue;
        };
        let groups: BTreeSet<&str> = rows.iter().map(|r| r.groups[d].as_str()).collect();
        for g in groups {
            let member: Vec<u32> = rows.iter().map(|r| u32::from(r.groups[d] == g)).collect();
            let n_group = member.iter().filter(|&&m| m == 1).count() as u64;
            let n = member.len() as u64;
            // A group or its complement under k gets no figure: nothing is
            // computed about fewer persons than the cockpit may show.
            let audit = if n_group >= k && n - n_group >= k {
                // 200 resamples: the interval of an AUC over thousands of rows is
                // stable there, and the audit fits one model per group.
                let resamples = cfg.bootstrap_resamples.min(200);
                proxy::audit(&x, &member, resamples, cfg.bootstrap_seed)
                    .map_err(|e| MonitorError::Proxy(e.to_string()))?
            } else {
                None
            };
            let strongest = audit
                .as_ref()
                .and_then(|a| a.strongest)
                .and_then(|(j, a)| input.policy.inputs.get(j).map(|f| (f, a)));
            app.append_row(params![
                date_value(w.scope.cohort_month),
                date_value(w.from),
                dim,
                g,
                n as i64,
                n_group as i64,
                audit.as_ref().map(|a| a.auc),
                audit.as_ref().and_then(|a| a.ci.map(|c| c.0)),
                audit.as_ref().and_then(|a| a.ci.map(|c| c.1)),
                strongest.map(|(f, _)| f.name.clone()),
                strongest.map(|(f, _)| f.label.clone()),
                strongest.map(|(_, a)| a),
                input.run_id
            ])?;
        }
    }
    app.flush()?;
    Ok(())
}
