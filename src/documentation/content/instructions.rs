//! Brugsanvisning (AI Act Art. 13) for caseworkers and managers: what the score is,
//! its accuracy next to guessing, known limitations and the groups where it is
//! less accurate, when not to use it, how to record disagreement, whom to contact.

use super::technical::{last, oversight_blocks, FAIRNESS_COLUMNS};
use super::{has_number, Ctx, SectionFn};
use crate::documentation::figures::Shape::*;
use crate::report::Block;

pub(super) const SECTIONS: &[(&str, SectionFn)] = &[
    ("score", score),
    ("praecision", accuracy),
    ("begraensninger", limitations),
    ("ikke_brug", not_for),
    ("uenighed", disagreement),
    ("kontakt", contact),
];

fn score(c: &Ctx) -> Vec<Block> {
    vec![c.p("score.text", &[]), c.bullets("score.bands", &[])]
}

/// The latest cohort whose outcomes are known.
pub(super) fn latest_mature(c: &Ctx) -> Option<usize> {
    last(
        c.fig
            .rows("mart_performance", |t, r| has_number(t, r, "accuracy")),
        1,
    )
    .first()
    .copied()
}

fn accuracy(c: &Ctx) -> Vec<Block> {
    let Some(r) = latest_mature(c) else {
        return vec![c.no_source("praecision.none")];
    };
    let m = "mart_performance";
    vec![
        c.p(
            "praecision.of100",
            &[
                ("cohort", c.fig.fig(m, r, "cohort_month", Month)),
                ("n", c.fig.fig(m, r, "n", Integer)),
                ("right", c.fig.fig(m, r, "accuracy", Of100)),
                ("low", c.fig.fig(m, r, "accuracy_ci_low", Of100)),
                ("high", c.fig.fig(m, r, "accuracy_ci_high", Of100)),
                ("guess", c.fig.fig(m, r, "majority_accuracy", Of100)),
            ],
        ),
        c.p(
            "praecision.errors",
            &[
                ("recall", c.fig.fig(m, r, "recall", Of100)),
                ("fpr", c.fig.fig(m, r, "fpr", Of100)),
            ],
        ),
        c.p(
            "praecision.auc",
            &[(
                "auc",
                c.fig
                    .with_ci(m, r, ["auc", "auc_ci_low", "auc_ci_high"], Decimal(2)),
            )],
        ),
    ]
}

fn limitations(c: &Ctx) -> Vec<Block> {
    let flagged = c.fig.rows("mart_fairness", |t, r| {
        super::text_at(t, r, "metric") == Some("citl")
            && t.column_index("flagged")
                .is_some_and(|j| matches!(r[j], crate::table::Cell::Int(1)))
    });
    let mut out = vec![c.bullets("begraensninger.known", &[])];
    if flagged.is_empty() {
        out.push(c.p("begraensninger.none_flagged", &[]));
    } else {
        out.push(c.table(
            "begraensninger.flagged",
            "mart_fairness",
            &flagged,
            FAIRNESS_COLUMNS,
        ));
    }
    out
}

fn not_for(c: &Ctx) -> Vec<Block> {
    vec![c.bullets("ikke_brug.items", &[])]
}

fn disagreement(c: &Ctx) -> Vec<Block> {
    let mut out = vec![c.p("uenighed.text", &[])];
    out.extend(oversight_blocks(c));
    out
}

fn contact(c: &Ctx) -> Vec<Block> {
    vec![c.p("kontakt.text", &[]), c.fill_in("kontakt.fill")]
}
