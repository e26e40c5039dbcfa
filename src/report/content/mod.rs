//! The report as a document: sections of blocks (paragraphs, the five-sentence
//! summary, lists, tables, charts, caveats), every text from the catalogue, every
//! figure from the disclosed inputs. HTML, PDF and XLSX are three renderings of it.

mod accuracy;
mod appendix;
mod cells;
mod cohorts;
mod effects;
mod fairness;
mod judgements;
mod model;
mod monitoring;
mod programmes;
mod summary;

use serde::Serialize;

pub use self::cells::{Column, NumFmt, RCell, XValue};
use super::catalogue::Catalogue;
use super::inputs::Inputs;
use super::spec::ReportSpec;
use super::ReportError;
use crate::present::chart::ChartView;
use crate::present::format;

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    pub lang: String,
    pub kicker: String,
    pub title: String,
    /// "December 2024".
    pub month_label: String,
    /// "Månedsrapport december 2024": the HTML title and the PDF's metadata.
    pub file_title: String,
    pub intro: String,
    pub meta: Vec<String>,
    pub contents_title: String,
    /// The spreadsheet's first sheet.
    pub about_sheet: String,
    pub sections: Vec<Section>,
    pub footer: String,
    pub page_label: String,
}

/// One numbered section or appendix.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub id: String,
    /// "1" or "Bilag A".
    pub number: String,
    pub title: String,
    pub appendix: bool,
    pub blocks: Vec<Block>,
}

/// A table; in the XLSX, one sheet.
#[derive(Debug, Clone, Serialize)]
pub struct TableBlock {
    /// The sheet's name (at most 31 characters).
    pub sheet: String,
    pub title: String,
    pub caption: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<RCell>>,
    /// Explains "–" when a cell is hidden; empty otherwise.
    pub note: String,
    /// Shown instead of the table when it has no rows.
    pub empty: String,
    /// False for a table that only the spreadsheet carries (a long list).
    pub print: bool,
}

/// One block of a section.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    Heading {
        text: String,
    },
    Paragraph {
        text: String,
    },
    Summary {
        items: Vec<String>,
    },
    Bullets {
        items: Vec<String>,
    },
    Table(TableBlock),
    Chart {
        chart: Box<ChartView>,
        caption: String,
        note: String,
    },
    Caveat {
        title: String,
        text: String,
    },
}

/// What every section builder gets.
pub(super) struct Ctx<'a> {
    pub inputs: &'a Inputs,
    pub t: &'a Catalogue,
    pub spec: &'a ReportSpec,
}

impl Ctx<'_> {
    /// The standard arguments every text may use: the month, the threshold, the horizon.
    pub fn base_args(&self) -> Vec<(&'static str, String)> {
        vec![
            ("month", format::month_long(self.inputs.month)),
            ("k", self.inputs.k.to_string()),
            (
                "horizon",
                format::number(self.inputs.param("horizon_months"), 0),
            ),
            (
                "high_risk_from",
                format::percent(self.inputs.param("high_from"), 0),
            ),
        ]
    }

    /// `f` with the base arguments and `more`.
    pub fn f(&self, key: &str, more: &[(&str, String)]) -> String {
        let mut args = self.base_args();
        args.extend(more.iter().cloned());
        self.t.f(key, &args)
    }

    /// A table block; the note about hidden cells appears only when one is hidden.
    pub fn table(
        &self,
        key: &str,
        columns: Vec<Column>,
        rows: Vec<Vec<RCell>>,
        more: &[(&str, String)],
    ) -> Block {
        let hidden = rows.iter().flatten().any(|c| c.state == "suppressed");
        Block::Table(TableBlock {
            sheet: self.t.t(&format!("{key}.sheet")),
            title: self.f(&format!("{key}.title"), more),
            caption: self.f(&format!("{key}.caption"), more),
            columns,
            rows,
            note: if hidden {
                self.f("common.suppressed_note", &[])
            } else {
                String::new()
            },
            empty: self.f("common.no_rows", &[]),
            print: true,
        })
    }
}

/// Builds one section's blocks.
type SectionFn = fn(&Ctx) -> Vec<Block>;

/// Builds the document; fails if a text the document needs is missing.
pub fn build(inputs: &Inputs, t: &Catalogue, spec: &ReportSpec) -> Result<Document, ReportError> {
    let ctx = Ctx { inputs, t, spec };
    let month = format::month_long(inputs.month);
    let mut month_label = month.clone();
    if let Some(first) = month_label.get(..1) {
        month_label = first.to_uppercase() + &month_label[1..];
    }
    let parts: [(&str, bool, SectionFn); 12] = [
        ("resume", false, summary::blocks),
        ("tilgang", false, cohorts::blocks),
        ("traefsikkerhed", false, accuracy::blocks),
        ("kalibrering", false, accuracy::calibration),
        ("retfaerdighed", false, fairness::blocks),
        ("overvaagning", false, monitoring::blocks),
        ("modelskifte", false, model::blocks),
        ("indsatser", false, programmes::blocks),
        ("virker", false, effects::blocks),
        ("vurderinger", false, judgements::blocks),
        ("metode", true, appendix::method),
        ("datakvalitet", true, appendix::data_quality),
    ];
    let (mut n, mut a) = (0, 0);
    let sections = parts
        .iter()
        .map(|(id, appendix, blocks)| {
            let number = if *appendix {
                a += 1;
                t.f(
                    "common.appendix",
                    &[("letter", ["A", "B", "C", "D"][a - 1].into())],
                )
            } else {
                n += 1;
                n.to_string()
            };
            Section {
                id: id.to_string(),
                number,
                title: ctx.f(&format!("{id}.heading"), &[]),
                appendix: *appendix,
                blocks: blocks(&ctx),
            }
        })
        .collect();
    let doc = Document {
        lang: "da".into(),
        kicker: t.t("cover.kicker"),
        title: t.t("cover.title"),
        month_label,
        file_title: ctx.f("cover.file_title", &[]),
        intro: ctx.f("cover.intro", &[]),
        meta: cover_meta(&ctx),
        contents_title: t.t("cover.contents"),
        about_sheet: t.t("cover.about_sheet"),
        sections,
        footer: ctx.f("cover.footer", &[]),
        page_label: t.t("cover.page"),
    };
    crate::report::catalogue::check_complete(t)?;
    Ok(doc)
}

fn cover_meta(ctx: &Ctx) -> Vec<String> {
    let version = super::archive::Manifest::model_version_of(ctx.inputs)
        .unwrap_or_else(|| ctx.t.t("cover.no_model"));
    vec![
        ctx.f("cover.data_until", &[]),
        ctx.f("cover.model", &[("version", version)]),
        ctx.f("cover.disclosure", &[]),
    ]
}
