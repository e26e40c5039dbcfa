//! Konsekvensanalyse vedrørende databeskyttelse (GDPR Art. 35): the processing,
//! necessity (the legal basis, which the system cannot supply), the categories of
//! data, retention, the risks and the measures with their measured figures.

use super::technical::{last, proxy_table};
use super::{Ctx, SectionFn};
use crate::documentation::figures::Shape::*;
use crate::documentation::inputs::facts;
use crate::report::Block;

pub(super) const SECTIONS: &[(&str, SectionFn)] = &[
    ("behandling", processing),
    ("noedvendighed", necessity),
    ("kategorier", categories),
    ("opbevaring", retention),
    ("risici", risks),
    ("vurdering", assessment),
];

fn processing(c: &Ctx) -> Vec<Block> {
    vec![
        c.p("behandling.text", &[("controller", c.fact("controller"))]),
        c.fill_in("behandling.fill"),
    ]
}

fn necessity(c: &Ctx) -> Vec<Block> {
    vec![
        c.p("noedvendighed.text", &[]),
        c.fill_in("noedvendighed.fill"),
    ]
}

fn categories(c: &Ctx) -> Vec<Block> {
    vec![
        c.p("kategorier.text", &[]),
        Block::Bullets {
            items: facts(c.inputs(), "input")
                .into_iter()
                .map(String::from)
                .collect(),
        },
        c.p(
            "kategorier.protected",
            &[("protected", facts(c.inputs(), "protected").join(", "))],
        ),
    ]
}

fn retention(c: &Ctx) -> Vec<Block> {
    vec![c.p("opbevaring.text", &[]), c.fill_in("opbevaring.fill")]
}

fn risks(c: &Ctx) -> Vec<Block> {
    let quarantine = last(c.all_rows("mart_data_quality"), 6);
    vec![
        c.bullets("risici.measures", &[]),
        c.table(
            "risici.quality",
            "mart_data_quality",
            &quarantine,
            &[
                ("batch_month", Month),
                ("rows_loaded", Integer),
                ("rows_quarantined", Integer),
            ],
        ),
        c.p("risici.proxy", &[]),
        proxy_table(c),
        c.fill_in("risici.fill"),
    ]
}

fn assessment(c: &Ctx) -> Vec<Block> {
    vec![c.fill_in("vurdering.fill")]
}
