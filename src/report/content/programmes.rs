//! Programmes (indsatser) by risk group, with the caveat that comes first: these
//! are associations, not effects, because who gets a programme is not random.

use super::cells::{rows, Column, NumFmt, RCell, Row};
use super::summary::window_args;
use super::{Block, Ctx};
use crate::present::format;
use crate::vocabulary::RiskBand;

/// The risk bands in the vocabulary's order.
fn bands() -> impl Iterator<Item = &'static str> {
    RiskBand::ALL.iter().map(|b| b.as_code())
}

pub fn blocks(ctx: &Ctx) -> Vec<Block> {
    let all: Vec<Row> = rows(ctx.inputs.mart("mart_programmes")).collect();
    let mut out = vec![Block::Caveat {
        title: ctx.f("indsatser.caveat_title", &[]),
        text: ctx.f("indsatser.caveat", &[]),
    }];
    let Some(first) = all.first() else {
        out.push(Block::Paragraph {
            text: ctx.f("indsatser.none", &[]),
        });
        return out;
    };
    let window = window_args(first);
    out.push(Block::Paragraph {
        text: ctx.f("indsatser.intro", &window),
    });
    let u = ctx.t.t("common.unknown");
    let find = |band: &str, kind: &str| {
        all.iter()
            .find(|r| r.text("risk_band") == Some(band) && r.text("programme_type") == Some(kind))
    };
    // No row: nobody in the band started that programme, and 0 is under k too.
    let num = |r: Option<&Row>, col: &str, fmt| match r {
        Some(r) => RCell::num(r.v(col), fmt, &u),
        None => RCell::hidden(),
    };
    let by_band = bands()
        .map(|band| {
            let (with, without) = (find(band, "alle"), find(band, "ingen"));
            vec![
                RCell::text(band_label(ctx, band)),
                num(with, "n", NumFmt::Integer),
                num(with, "share_of_band", NumFmt::Percent(0)),
                num(with, "still_unemployed", NumFmt::Percent(0)),
                num(without, "n", NumFmt::Integer),
                num(without, "still_unemployed", NumFmt::Percent(0)),
            ]
        })
        .collect();
    let h = |k: &str| ctx.t.t(&format!("indsatser.bands.{k}"));
    out.push(ctx.table(
        "indsatser.bands",
        vec![
            Column::text(h("band")),
            Column::num(h("with_n")),
            Column::num(h("with_share")),
            Column::num(h("with_still")),
            Column::num(h("without_n")),
            Column::num(h("without_still")),
        ],
        by_band,
        &window,
    ));
    let mut kinds: Vec<&str> = all
        .iter()
        .filter_map(|r| r.text("programme_type"))
        .filter(|k| *k != "alle" && *k != "ingen")
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    let by_kind = kinds
        .iter()
        .map(|kind| {
            let mut row = vec![RCell::text(label("programme_type", kind))];
            for band in bands() {
                row.push(num(find(band, kind), "share_of_band", NumFmt::Percent(1)));
            }
            row
        })
        .collect();
    let mut columns = vec![Column::text(ctx.t.t("indsatser.kinds.kind"))];
    columns.extend(bands().map(|b| Column::num(band_label(ctx, b))));
    out.push(ctx.table("indsatser.kinds", columns, by_kind, &window));
    out
}

/// "Høj (60 % og derover)", with the thresholds of the pipeline.
pub fn band_label(ctx: &Ctx, band: &str) -> String {
    ctx.f(
        &format!("labels.band.{band}"),
        &[
            ("low", format::percent(ctx.inputs.param("low_below"), 0)),
            ("high", format::percent(ctx.inputs.param("high_from"), 0)),
        ],
    )
}

fn label(column: &str, v: &str) -> String {
    crate::vocabulary::get().column_label(column, v)
}
