//! Teknisk dokumentation (AI Act Annex IV): purpose, parts and versions, data,
//! design choices, validation beside the baselines, calibration, fairness, proxy
//! audit, drift and alerts, model changes, human oversight, cybersecurity.

use super::{has_number, Ctx, SectionFn};
use crate::documentation::figures::Shape::{self, *};
use crate::report::Block;

pub(super) const SECTIONS: &[(&str, SectionFn)] = &[
    ("formaal", purpose),
    ("dele", parts),
    ("data", data),
    ("design", design),
    ("validering", validation),
    ("kalibrering", calibration),
    ("retfaerdighed", fairness),
    ("proxy", proxy),
    ("drift", drift),
    ("aendringer", changes),
    ("tilsyn", oversight),
    ("sikkerhed", security),
];

/// The last `n` of `rows`.
pub(super) fn last(rows: Vec<usize>, n: usize) -> Vec<usize> {
    let skip = rows.len().saturating_sub(n);
    rows.into_iter().skip(skip).collect()
}

fn purpose(c: &Ctx) -> Vec<Block> {
    vec![
        c.p("formaal.text", &[]),
        c.heading("formaal.must_not_title"),
        c.bullets("formaal.must_not", &[]),
        c.fill_in("formaal.fill"),
    ]
}

fn parts(c: &Ctx) -> Vec<Block> {
    let mut out = vec![c.bullets(
        "dele.versions",
        &[
            ("version", c.fact("jobcockpit_version")),
            ("sql", c.fact("sql_sha256")),
            ("policy", c.fact("policy_sha256")),
        ],
    )];
    if c.fig.mart("mart_model_card").rows.is_empty() {
        out.push(c.no_source("dele.no_model"));
    } else {
        out.push(c.table(
            "dele.model",
            "mart_model_card",
            &[0],
            &[
                ("version", Text),
                ("trained_month", Month),
                ("train_from", Month),
                ("train_to", Month),
                ("n_train", Integer),
            ],
        ));
    }
    out
}

fn data(c: &Ctx) -> Vec<Block> {
    let batches = last(c.all_rows("mart_data_quality"), 12);
    let quarantine = last(c.all_rows("mart_quarantine"), 20);
    vec![
        c.p("data.text", &[]),
        c.table(
            "data.batches",
            "mart_data_quality",
            &batches,
            &[
                ("batch_month", Month),
                ("in_force", YesNo),
                ("replaces", Text),
                ("rows_loaded", Integer),
                ("rows_quarantined", Integer),
                ("rows_replaced", Integer),
            ],
        ),
        c.table(
            "data.quarantine",
            "mart_quarantine",
            &quarantine,
            &[
                ("batch_month", Month),
                ("file", Text),
                ("column_name", Text),
                ("rows_quarantined", Integer),
            ],
        ),
    ]
}

fn design(c: &Ctx) -> Vec<Block> {
    let inputs = crate::documentation::inputs::facts(c.inputs(), "input");
    let never = crate::documentation::inputs::facts(c.inputs(), "never_input").join(", ");
    let protected = crate::documentation::inputs::facts(c.inputs(), "protected").join(", ");
    vec![
        c.p("design.tree", &[]),
        c.heading("design.inputs_title"),
        Block::Bullets {
            items: inputs.iter().map(|s| s.to_string()).collect(),
        },
        c.p(
            "design.excluded",
            &[("never", never), ("protected", protected)],
        ),
        c.p("design.proxies", &[]),
    ]
}

/// The champion's row of the model decisions (its validation when it was chosen).
fn champion_row(c: &Ctx) -> Option<usize> {
    let card = c.fig.mart("mart_model_card");
    let version = card
        .rows
        .first()
        .and_then(|r| super::text_at(card, r, "version"))?;
    c.rows_where("mart_model_changes", "challenger_version", version)
        .last()
        .copied()
}

fn validation(c: &Ctx) -> Vec<Block> {
    let mut out = vec![c.p("validering.text", &[])];
    match champion_row(c) {
        Some(r) => out.push(c.table(
            "validering.champion",
            "mart_model_changes",
            &[r],
            &[
                ("challenger_version", Text),
                ("n_val", Integer),
                ("accuracy", Percent(1)),
                ("accuracy_ci_low", Percent(1)),
                ("accuracy_ci_high", Percent(1)),
                ("baseline_accuracy", Percent(1)),
                ("auc", Decimal(3)),
                ("auc_ci_low", Decimal(3)),
                ("auc_ci_high", Decimal(3)),
                ("logistic_auc", Decimal(3)),
                ("challenger_brier", Decimal(4)),
                ("baseline_brier", Decimal(4)),
                ("logistic_brier", Decimal(4)),
            ],
        )),
        None => out.push(c.no_source("validering.no_model")),
    }
    let mature = last(
        c.fig
            .rows("mart_performance", |t, r| has_number(t, r, "accuracy")),
        3,
    );
    out.push(c.table(
        "validering.cohorts",
        "mart_performance",
        &mature,
        &[
            ("cohort_month", Month),
            ("n", Integer),
            ("accuracy", Percent(1)),
            ("accuracy_ci_low", Percent(1)),
            ("accuracy_ci_high", Percent(1)),
            ("majority_accuracy", Percent(1)),
            ("auc", Decimal(3)),
            ("auc_ci_low", Decimal(3)),
            ("auc_ci_high", Decimal(3)),
            ("brier", Decimal(4)),
        ],
    ));
    out
}

fn calibration(c: &Ctx) -> Vec<Block> {
    // The mart holds each cohort's calibration; the latest mature ones are shown.
    let mature = c
        .fig
        .rows("mart_calibration", |t, r| has_number(t, r, "observed_rate"));
    vec![
        c.p("kalibrering.text", &[]),
        c.table(
            "kalibrering.window",
            "mart_calibration",
            &last(mature, 3),
            &[
                ("cohort_month", Month),
                ("n", Integer),
                ("mean_predicted", Percent(1)),
                ("observed_rate", Percent(1)),
                ("citl", Percent(1)),
                ("citl_ci_low", Percent(1)),
                ("citl_ci_high", Percent(1)),
                ("slope", Decimal(2)),
                ("slope_ci_low", Decimal(2)),
                ("slope_ci_high", Decimal(2)),
                ("ece", Decimal(3)),
            ],
        ),
    ]
}

/// The fairness columns shared by the documents.
pub(super) const FAIRNESS_COLUMNS: &[(&str, Shape)] = &[
    ("dimension", Label),
    ("grp", Label),
    ("n", Integer),
    ("value", Percent(1)),
    ("ci_low", Percent(1)),
    ("ci_high", Percent(1)),
    ("ratio", Decimal(2)),
    ("flagged", YesNo),
];

fn fairness(c: &Ctx) -> Vec<Block> {
    let rows = c.rows_where("mart_fairness", "metric", "citl");
    vec![
        c.p("retfaerdighed.method", &[]),
        c.table(
            "retfaerdighed.citl",
            "mart_fairness",
            &rows,
            FAIRNESS_COLUMNS,
        ),
    ]
}

/// The proxy audit's columns, shared by the documents.
pub(super) const PROXY_COLUMNS: &[(&str, Shape)] = &[
    ("dimension", Label),
    ("grp", Label),
    ("n_group", Integer),
    ("auc", Decimal(2)),
    ("ci_low", Decimal(2)),
    ("ci_high", Decimal(2)),
    ("strongest_label", Text),
    ("strongest_auc", Decimal(2)),
];

/// The proxy audit's table, or a box saying it has not been computed yet.
pub(super) fn proxy_table(c: &Ctx) -> Block {
    if !c.has_mart("mart_proxy") || c.fig.mart("mart_proxy").rows.is_empty() {
        return c.no_source("common.proxy_none");
    }
    let rows = c.all_rows("mart_proxy");
    c.table("common.proxy", "mart_proxy", &rows, PROXY_COLUMNS)
}

fn proxy(c: &Ctx) -> Vec<Block> {
    vec![c.p("proxy.text", &[]), proxy_table(c)]
}

fn drift(c: &Ctx) -> Vec<Block> {
    let t = c.fig.mart("mart_drift");
    let newest = t.column_index("cohort_month").and_then(|j| {
        t.rows
            .iter()
            .filter_map(|r| match &r[j] {
                crate::table::Cell::Date(d) => Some(*d),
                _ => None,
            })
            .max()
    });
    let rows = c.fig.rows("mart_drift", |t, r| {
        t.column_index("cohort_month")
            .is_some_and(|j| matches!(&r[j], crate::table::Cell::Date(d) if Some(*d) == newest))
    });
    let alerts = c.all_rows("mart_alerts");
    vec![
        c.p("drift.text", &[]),
        c.table(
            "drift.features",
            "mart_drift",
            &rows,
            &[
                ("cohort_month", Month),
                ("feature_label", Text),
                ("psi", Decimal(3)),
                ("level", Label),
            ],
        ),
        c.table(
            "drift.alerts",
            "mart_alerts",
            &alerts,
            &[
                ("severity", Label),
                ("message", Text),
                ("first_seen_month", Month),
                ("last_seen_month", Month),
            ],
        ),
    ]
}

fn changes(c: &Ctx) -> Vec<Block> {
    let rows = last(c.all_rows("mart_model_changes"), 12);
    vec![
        c.p("aendringer.text", &[]),
        c.table(
            "aendringer.table",
            "mart_model_changes",
            &rows,
            &[
                ("run_month", Month),
                ("challenger_version", Text),
                ("promoted", YesNo),
                ("challenger_brier", Decimal(4)),
                ("champion_brier", Decimal(4)),
                ("reason", Text),
            ],
        ),
    ]
}

/// The rows of all risk bands together, per cohort month, of the judgements mart.
pub(super) fn judgement_rows(c: &Ctx) -> Vec<usize> {
    c.rows_where("mart_judgements", "risk_band", "alle")
}

/// The oversight figures: how much the look-up is used, disagreement and who
/// was right, or a box saying what is not measured yet.
pub(super) fn oversight_blocks(c: &Ctx) -> Vec<Block> {
    let mut out = vec![lookup_use(c)];
    out.extend(judgement_blocks(c));
    out
}

/// Look-ups and judgements per month of the audit log, the latest 12 months.
fn lookup_use(c: &Ctx) -> Block {
    if !c.has_mart("mart_lookup_use") || c.all_rows("mart_lookup_use").is_empty() {
        return c.no_source("common.lookup_use_none");
    }
    c.table(
        "common.lookup_use",
        "mart_lookup_use",
        &last(c.all_rows("mart_lookup_use"), 12),
        &[
            ("month", Month),
            ("lookups", Integer),
            ("lookups_refused", Integer),
            ("judgements_recorded", Integer),
        ],
    )
}

fn judgement_blocks(c: &Ctx) -> Vec<Block> {
    let judged = judgement_rows(c);
    if !c.has_mart("mart_judgements") || judged.is_empty() {
        return vec![c.no_source("common.oversight_none")];
    }
    let accuracy = c.all_rows("mart_judgement_accuracy");
    vec![
        c.table(
            "common.disagreement",
            "mart_judgements",
            &last(judged, 12),
            &[
                ("cohort_month", Month),
                ("n", Integer),
                ("n_disagree", Integer),
                ("share_disagree", Percent(1)),
                ("ci_low", Percent(1)),
                ("ci_high", Percent(1)),
            ],
        ),
        if accuracy.is_empty() {
            c.no_source("common.who_right_none")
        } else {
            c.table(
                "common.who_right",
                "mart_judgement_accuracy",
                &accuracy,
                &[
                    ("judge", Label),
                    ("n", Integer),
                    ("accuracy", Percent(1)),
                    ("accuracy_ci_low", Percent(1)),
                    ("accuracy_ci_high", Percent(1)),
                    ("brier", Decimal(3)),
                ],
            )
        },
    ]
}

fn oversight(c: &Ctx) -> Vec<Block> {
    let mut out = vec![c.p("tilsyn.text", &[]), c.bullets("tilsyn.measures", &[])];
    out.extend(oversight_blocks(c));
    out
}

fn security(c: &Ctx) -> Vec<Block> {
    vec![
        c.bullets("sikkerhed.measures", &[]),
        c.fill_in("sikkerhed.fill"),
    ]
}
