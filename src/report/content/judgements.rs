//! The caseworkers' own judgements beside the model's (#14): how often they
//! disagree, by the model's risk band over the last months, and, for the judged
//! citizens whose outcome is known, who was right more often: the model, the
//! caseworkers or the two combined. For all caseworkers together; the judgements
//! are stored without who made them.

use super::cells::{rows, Column, NumFmt, RCell, Row};
use super::programmes::band_label;
use super::summary::window_args;
use super::{Block, Ctx};
use crate::vocabulary::RiskBand;

pub fn blocks(ctx: &Ctx) -> Vec<Block> {
    let mut out = vec![Block::Paragraph {
        text: ctx.f("vurderinger.intro", &[]),
    }];
    let all: Vec<Row> = rows(ctx.inputs.mart("mart_judgements")).collect();
    if all.is_empty() {
        out.push(Block::Paragraph {
            text: ctx.f("vurderinger.none", &[]),
        });
        return out;
    }
    let u = ctx.t.t("common.unknown");
    let mut months: Vec<_> = all.iter().filter_map(|r| r.date("cohort_month")).collect();
    months.sort_unstable();
    months.dedup();
    let keep = ctx.spec.table_months.max(1);
    let months = &months[months.len().saturating_sub(keep)..];
    let find = |month, band: &str| {
        all.iter()
            .find(|r| r.date("cohort_month") == Some(month) && r.text("risk_band") == Some(band))
    };
    let share = |r: Option<&Row>| match r {
        Some(r) => RCell::num(r.v("share_disagree"), NumFmt::Percent(0), &u),
        None => RCell::hidden(),
    };
    let by_month = months
        .iter()
        .map(|m| {
            let mut row = vec![RCell::month(Some(*m), &u)];
            row.push(match find(*m, "alle") {
                Some(r) => RCell::num(r.v("n"), NumFmt::Integer, &u),
                None => RCell::hidden(),
            });
            row.push(share(find(*m, "alle")));
            for band in RiskBand::ALL {
                row.push(share(find(*m, band.as_code())));
            }
            row
        })
        .collect();
    let h = |k: &str| ctx.t.t(&format!("vurderinger.months.{k}"));
    let mut columns = vec![
        Column::text(h("month")),
        Column::num(h("n")),
        Column::num(h("all")),
    ];
    columns.extend(
        RiskBand::ALL
            .iter()
            .map(|b| Column::num(band_label(ctx, b.as_code()))),
    );
    out.push(ctx.table("vurderinger.months", columns, by_month, &[]));

    let acc: Vec<Row> = rows(ctx.inputs.mart("mart_judgement_accuracy")).collect();
    let Some(first) = acc.first() else {
        out.push(Block::Paragraph {
            text: ctx.f("vurderinger.no_outcomes", &[]),
        });
        return out;
    };
    let window = window_args(first);
    let who = acc
        .iter()
        .map(|r| {
            let judge = r.text("judge").unwrap_or_default();
            vec![
                RCell::text(crate::vocabulary::get().column_label("judge", judge)),
                RCell::num(r.v("n"), NumFmt::Integer, &u),
                RCell::num(r.v("accuracy"), NumFmt::Percent(0), &u),
                RCell::num(r.v("accuracy_ci_low"), NumFmt::Percent(0), &u),
                RCell::num(r.v("accuracy_ci_high"), NumFmt::Percent(0), &u),
                RCell::num(r.v("brier"), NumFmt::Decimal(3), &u),
                RCell::num(r.v("brier_ci_low"), NumFmt::Decimal(3), &u),
                RCell::num(r.v("brier_ci_high"), NumFmt::Decimal(3), &u),
            ]
        })
        .collect();
    let h = |k: &str| ctx.t.t(&format!("vurderinger.who.{k}"));
    out.push(ctx.table(
        "vurderinger.who",
        vec![
            Column::text(h("judge")),
            Column::num(h("n")),
            Column::num(h("accuracy")),
            Column::num(h("low")),
            Column::num(h("high")),
            Column::num(h("brier")),
            Column::num(h("brier_low")),
            Column::num(h("brier_high")),
        ],
        who,
        &window,
    ));
    out.push(Block::Caveat {
        title: ctx.f("vurderinger.caveat_title", &[]),
        text: ctx.f("vurderinger.caveat", &[]),
    });
    out
}
