//! Which programmes work, for whom (issue #17): the effect per programme and risk
//! band with its interval, the naive difference beside it, the lock-in apart, the
//! assumption it rests on in plain Danish and the sensitivity figure in words.

use super::cells::{rows, Column, NumFmt, RCell, Row};
use super::programmes::band_label;
use super::{Block, Ctx};
use crate::present::format;
use crate::present::number::number;

/// "-4,2 (-7,9 til -0,6)": an effect in percentage points with its interval.
fn with_interval(r: &Row, value: &str, low: &str, high: &str, u: &str) -> RCell {
    match (r.num(value), r.num(low), r.num(high)) {
        (Some(v), Some(lo), Some(hi)) => RCell::text(format!(
            "{} ({} til {})",
            number(v, 1),
            number(lo, 1),
            number(hi, 1)
        )),
        _ => RCell::num(r.v(value), NumFmt::Decimal(1), u),
    }
}

fn label(column: &str, v: &str) -> String {
    crate::vocabulary::get().column_label(column, v)
}

pub fn blocks(ctx: &Ctx) -> Vec<Block> {
    let all: Vec<Row> = rows(ctx.inputs.mart("mart_effects")).collect();
    let mut out = vec![Block::Caveat {
        title: ctx.f("virker.caveat_title", &[]),
        text: ctx.f("virker.caveat", &[]),
    }];
    let Some(first) = all.first() else {
        out.push(Block::Paragraph {
            text: ctx.f("virker.none", &[]),
        });
        return out;
    };
    let month = |c: &str| match first.cell(c) {
        crate::table::Cell::Date(d) => format::month_long(*d),
        _ => String::new(),
    };
    let window = vec![("from", month("window_from")), ("to", month("window_to"))];
    out.push(Block::Paragraph {
        text: ctx.f("virker.intro", &window),
    });
    let u = ctx.t.t("common.unknown");
    let h = |k: &str| ctx.t.t(&format!("virker.table.{k}"));
    for (view, key) in [
        ("ledig_12_risikogruppe", "virker.main"),
        ("ledig_laast_risikogruppe", "virker.lockin"),
    ] {
        let body: Vec<Vec<RCell>> = all
            .iter()
            .filter(|r| r.text("view") == Some(view))
            .map(|r| {
                vec![
                    RCell::text(label(
                        "programme_type",
                        r.text("programme_type").unwrap_or(""),
                    )),
                    RCell::text(band_label(ctx, r.text("group_value").unwrap_or(""))),
                    with_interval(r, "effect_pp", "effect_ci_low_pp", "effect_ci_high_pp", &u),
                    RCell::num(r.v("naive_pp"), NumFmt::Decimal(1), &u),
                    RCell::num(r.v("persons_treated"), NumFmt::Integer, &u),
                    RCell::text(words(ctx, r)),
                ]
            })
            .collect();
        out.push(ctx.table(
            key,
            vec![
                Column::text(h("kind")),
                Column::text(h("band")),
                Column::text(h("effect")),
                Column::num(h("naive")),
                Column::num(h("persons")),
                Column::text(h("robustness")),
            ],
            body,
            &window,
        ));
    }
    out.push(Block::Paragraph {
        text: ctx.f("virker.sensitivity", &[]),
    });
    out
}

/// The sensitivity figure in words: the robustness label, and the E-value when
/// there is an effect to erase; the reason when there is no estimate.
fn words(ctx: &Ctx, r: &Row) -> String {
    let code = r.text("robustness").unwrap_or("undertrykt");
    if code == "undertrykt" {
        return r.text("suppressed_reason").unwrap_or("").to_string();
    }
    let text = label("robustness", code);
    match r.num("e_value_ci") {
        Some(e) if e > 1.0 => ctx.f("virker.evalue", &[("label", text), ("e", number(e, 1))]),
        _ => text,
    }
}
