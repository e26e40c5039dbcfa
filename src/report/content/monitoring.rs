//! Drift and alerts: which inputs of this month's cohort have moved away from what
//! the model was trained on, and every open alert of the monitoring.

use super::cells::{rows, Column, NumFmt, RCell, Row};
use super::{Block, Ctx};
use crate::present::format;

pub fn blocks(ctx: &Ctx) -> Vec<Block> {
    let psi = [
        (
            "warning",
            format::number(ctx.inputs.param("psi_warning"), 2),
        ),
        ("alert", format::number(ctx.inputs.param("psi_alert"), 2)),
    ];
    let mut out = vec![Block::Paragraph {
        text: ctx.f("overvaagning.drift_intro", &psi),
    }];
    let drift = ctx.inputs.mart("mart_drift");
    let latest = rows(drift)
        .filter_map(|r| r.date("cohort_month"))
        .filter(|d| *d <= ctx.inputs.month)
        .max();
    let moved: Vec<Row> = rows(drift)
        .filter(|r| r.date("cohort_month") == latest && latest.is_some())
        .filter(|r| r.text("level") != Some("ok"))
        .collect();
    let u = ctx.t.t("common.unknown");
    let cohort = latest.map(format::month_long).unwrap_or_default();
    if latest.is_none() {
        out.push(Block::Paragraph {
            text: ctx.f("overvaagning.drift_none", &[]),
        });
    } else if moved.is_empty() {
        out.push(Block::Paragraph {
            text: ctx.f("overvaagning.drift_calm", &[("cohort", cohort.clone())]),
        });
    } else {
        let level = |r: &Row| {
            let l = r.text("level").unwrap_or("");
            RCell::text(crate::vocabulary::get().column_label("level", l))
        };
        let table_rows = moved
            .iter()
            .map(|r| {
                vec![
                    RCell::text(r.text("feature_label").or(r.text("feature")).unwrap_or("")),
                    RCell::num(r.v("n"), NumFmt::Integer, &u),
                    RCell::num(r.v("psi"), NumFmt::Decimal(2), &u),
                    level(r),
                ]
            })
            .collect();
        let h = |k: &str| ctx.t.t(&format!("overvaagning.drift.{k}"));
        out.push(ctx.table(
            "overvaagning.drift",
            vec![
                Column::text(h("feature")),
                Column::num(h("persons")),
                Column::num(h("psi")),
                Column::text(h("level")),
            ],
            table_rows,
            &[("cohort", cohort)],
        ));
    }
    out.push(Block::Heading {
        text: ctx.f("overvaagning.alerts_heading", &[]),
    });
    let alerts: Vec<Row> = rows(ctx.inputs.mart("mart_alerts")).collect();
    if alerts.is_empty() {
        out.push(Block::Paragraph {
            text: ctx.f("overvaagning.alerts_none", &[]),
        });
        return out;
    }
    out.push(Block::Paragraph {
        text: ctx.f("overvaagning.alerts_intro", &[]),
    });
    let label = |column: &str, v: &str| crate::vocabulary::get().column_label(column, v);
    let table_rows = alerts
        .iter()
        .map(|r| {
            vec![
                RCell::text(label("severity", r.text("severity").unwrap_or(""))),
                RCell::text(label("kind", r.text("kind").unwrap_or(""))),
                RCell::text(r.text("message").unwrap_or("")),
                RCell::month(r.date("first_seen_month"), &u),
            ]
        })
        .collect();
    let h = |k: &str| ctx.t.t(&format!("overvaagning.alerts.{k}"));
    out.push(ctx.table(
        "overvaagning.alerts",
        vec![
            Column::text(h("severity")),
            Column::text(h("kind")),
            Column::text(h("message")),
            Column::text(h("since")),
        ],
        table_rows,
        &[],
    ));
    out
}
