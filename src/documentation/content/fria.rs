//! Konsekvensanalyse for grundlæggende rettigheder (AI Act Art. 27), in the
//! structure of the Danish Institute for Human Rights' and ECNL's guide (Dec.
//! 2025): the process, period and frequency, the persons affected, the specific
//! risks of harm with the figures that measure them, oversight, what is done when
//! a risk materialises, the complaint route, and the municipality's own parts.

use super::instructions::latest_mature;
use super::technical::{oversight_blocks, proxy_table, FAIRNESS_COLUMNS};
use super::{Ctx, SectionFn};
use crate::documentation::figures::Shape::*;
use crate::report::Block;
use crate::table::Cell;

pub(super) const SECTIONS: &[(&str, SectionFn)] = &[
    ("proces", process),
    ("periode", period),
    ("personer", persons),
    ("risici", risks),
    ("tilsyn", oversight),
    ("handling", response),
    ("klage", complaint),
    ("inddragelse", consultation),
];

fn process(c: &Ctx) -> Vec<Block> {
    vec![c.p("proces.text", &[]), c.fill_in("proces.fill")]
}

fn period(c: &Ctx) -> Vec<Block> {
    vec![c.p("periode.text", &[]), c.fill_in("periode.fill")]
}

fn persons(c: &Ctx) -> Vec<Block> {
    let t = c.fig.mart("mart_cohort_groups");
    let newest = t.column_index("cohort_month").and_then(|j| {
        t.rows
            .iter()
            .filter_map(|r| match &r[j] {
                Cell::Date(d) => Some(*d),
                _ => None,
            })
            .max()
    });
    let rows = c.fig.rows("mart_cohort_groups", |t, r| {
        super::text_at(t, r, "dimension") == Some("maalgruppe")
            && t.column_index("cohort_month")
                .is_some_and(|j| matches!(&r[j], Cell::Date(d) if Some(*d) == newest))
    });
    vec![
        c.p("personer.text", &[]),
        c.table(
            "personer.table",
            "mart_cohort_groups",
            &rows,
            &[
                ("cohort_month", Month),
                ("grp", Label),
                ("n", Integer),
                ("share_high_risk", Percent(1)),
            ],
        ),
        c.fill_in("personer.fill"),
    ]
}

fn risks(c: &Ctx) -> Vec<Block> {
    let flagged = c.fig.rows("mart_fairness", |t, r| {
        t.column_index("flagged")
            .is_some_and(|j| matches!(r[j], Cell::Int(1)))
    });
    let mut out = vec![
        c.heading("risici.discrimination_title"),
        c.p("risici.discrimination", &[]),
    ];
    if flagged.is_empty() {
        out.push(c.p("risici.none_flagged", &[]));
    } else {
        out.push(c.table(
            "risici.flagged",
            "mart_fairness",
            &flagged,
            FAIRNESS_COLUMNS,
        ));
    }
    out.push(proxy_table(c));
    out.push(c.heading("risici.errors_title"));
    match latest_mature(c) {
        Some(r) => {
            let m = "mart_performance";
            out.push(c.p(
                "risici.errors",
                &[
                    ("cohort", c.fig.fig(m, r, "cohort_month", Month)),
                    ("fpr", c.fig.fig(m, r, "fpr", Percent(1))),
                    ("recall", c.fig.fig(m, r, "recall", Percent(1))),
                ],
            ));
        }
        None => out.push(c.no_source("risici.errors_none")),
    }
    out.push(c.heading("risici.automation_title"));
    out.push(c.p("risici.automation", &[]));
    out.push(c.heading("risici.other_title"));
    out.push(c.fill_in("risici.fill"));
    out
}

fn oversight(c: &Ctx) -> Vec<Block> {
    let mut out = vec![c.bullets("tilsyn.measures", &[])];
    out.extend(oversight_blocks(c));
    out
}

fn response(c: &Ctx) -> Vec<Block> {
    let alerts = c.all_rows("mart_alerts");
    vec![
        c.p("handling.text", &[]),
        c.table(
            "handling.alerts",
            "mart_alerts",
            &alerts,
            &[
                ("severity", Label),
                ("message", Text),
                ("first_seen_month", Month),
            ],
        ),
        c.fill_in("handling.fill"),
    ]
}

fn complaint(c: &Ctx) -> Vec<Block> {
    vec![
        c.p("klage.text", &[("complaint", c.fact("complaint"))]),
        c.fill_in("klage.fill"),
    ]
}

fn consultation(c: &Ctx) -> Vec<Block> {
    vec![c.fill_in("inddragelse.fill")]
}
