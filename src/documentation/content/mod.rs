//! The four documents as [`Document`]s of the committee report's kind (sections of
//! paragraphs, lists, tables and boxes), so the report's HTML conventions and PDF
//! renderer (bookmarks per section) serve them too. Every text comes from the
//! catalogue (`reports/dokumentation.da.toml`), every figure from a disclosed mart
//! through [`Figures`]; what the system cannot know is a box "Udfyldes af
//! kommunen" with guidance, and a section whose source does not exist yet says so.

mod dpia;
mod fria;
mod instructions;
mod technical;

use crate::documentation::figures::{Figures, Shape, Source};
use crate::documentation::inputs as doc_inputs;
use crate::present::catalogue::Catalogue;
use crate::present::format;
use crate::report::{Block, Column, Document, Inputs, RCell, Section, TableBlock};
use crate::table::{Cell, Table};

/// The documents, in the order of the archive and the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Teknisk dokumentation (AI Act Annex IV).
    Technical,
    /// Brugsanvisning (Art. 13).
    Instructions,
    /// Konsekvensanalyse for grundlæggende rettigheder (Art. 27).
    Fria,
    /// Konsekvensanalyse vedrørende databeskyttelse (GDPR Art. 35).
    Dpia,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Technical, Kind::Instructions, Kind::Fria, Kind::Dpia];

    /// The file stem and the catalogue section.
    pub fn slug(self) -> &'static str {
        match self {
            Kind::Technical => "teknisk-dokumentation",
            Kind::Instructions => "brugsanvisning",
            Kind::Fria => "fria",
            Kind::Dpia => "dpia",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Kind::Technical => "teknisk",
            Kind::Instructions => "brugsanvisning",
            Kind::Fria => "fria",
            Kind::Dpia => "dpia",
        }
    }
}

/// One built document and the sources of its figures.
pub struct Built {
    pub kind: Kind,
    pub doc: Document,
    pub sources: Vec<Source>,
}

/// What every section builder gets.
pub(super) struct Ctx<'a> {
    pub fig: Figures<'a>,
    pub t: &'a Catalogue,
    pub kind: Kind,
}

type SectionFn = fn(&Ctx) -> Vec<Block>;

impl<'a> Ctx<'a> {
    pub fn inputs(&self) -> &'a Inputs {
        self.fig.inputs
    }

    /// The arguments every text may use.
    pub fn base_args(&self) -> Vec<(&'static str, String)> {
        let i = self.inputs();
        vec![
            ("month", format::month_long(i.month)),
            ("k", i.k.to_string()),
            ("horizon", format::number(i.param("horizon_months"), 0)),
            ("low_below", format::percent(i.param("low_below"), 0)),
            ("high_from", format::percent(i.param("high_from"), 0)),
            ("window", format::number(i.param("window_cohorts"), 0)),
            ("training", format::number(i.param("training_months"), 0)),
            ("retention", format::number(i.param("retention_months"), 0)),
            (
                "log_retention",
                format::number(i.param("log_retention_months"), 0),
            ),
            (
                "ratio_low",
                format::number(i.param("fairness_ratio_low"), 2),
            ),
            (
                "ratio_high",
                format::number(i.param("fairness_ratio_high"), 2),
            ),
            ("psi_alert", format::number(i.param("psi_alert"), 2)),
            (
                "tolerance",
                format::number(i.param("promotion_tolerance"), 3),
            ),
        ]
    }

    fn key(&self, k: &str) -> String {
        if k.starts_with("common.") {
            k.to_string()
        } else {
            format!("{}.{k}", self.kind.key())
        }
    }

    /// A text of this document with the base arguments and `more`.
    pub fn f(&self, key: &str, more: &[(&str, String)]) -> String {
        let mut args = self.base_args();
        args.extend(more.iter().cloned());
        self.t.f(&self.key(key), &args)
    }

    pub fn p(&self, key: &str, more: &[(&str, String)]) -> Block {
        Block::Paragraph {
            text: self.f(key, more),
        }
    }

    pub fn heading(&self, key: &str) -> Block {
        Block::Heading {
            text: self.f(key, &[]),
        }
    }

    pub fn bullets(&self, key: &str, more: &[(&str, String)]) -> Block {
        let mut args = self.base_args();
        args.extend(more.iter().cloned());
        Block::Bullets {
            items: self.t.list(&self.key(key), &args),
        }
    }

    /// A field the municipality must fill in, with the catalogue's guidance.
    pub fn fill_in(&self, key: &str) -> Block {
        Block::Caveat {
            title: self.t.t("common.fill_in"),
            text: self.f(key, &[]),
        }
    }

    /// A section whose source does not exist yet (or has no rows yet).
    pub fn no_source(&self, key: &str) -> Block {
        Block::Caveat {
            title: self.t.t("common.no_source"),
            text: self.f(key, &[]),
        }
    }

    /// Rows of a mart where `column` equals `value`.
    pub fn rows_where(&self, mart: &str, column: &str, value: &str) -> Vec<usize> {
        self.fig
            .rows(mart, |t, r| text_at(t, r, column) == Some(value))
    }

    /// All rows of a mart.
    pub fn all_rows(&self, mart: &str) -> Vec<usize> {
        (0..self.fig.mart(mart).rows.len()).collect()
    }

    /// Whether the inputs hold the mart at all (an older archive may not).
    pub fn has_mart(&self, mart: &str) -> bool {
        self.inputs().marts.contains_key(mart)
    }

    /// A table of `rows` of `mart`, one column per `(column, shape)`, labelled by
    /// the catalogue's `columns.<column>`; every cell recorded.
    pub fn table(&self, key: &str, mart: &str, rows: &[usize], cols: &[(&str, Shape)]) -> Block {
        let columns = cols
            .iter()
            .map(|(c, shape)| {
                let label = self.t.t(&format!("columns.{c}"));
                match shape {
                    Shape::Text | Shape::Label | Shape::YesNo | Shape::Month => Column::text(label),
                    _ => Column::num(label),
                }
            })
            .collect();
        let cells: Vec<Vec<RCell>> = rows
            .iter()
            .map(|&r| {
                cols.iter()
                    .map(|(c, shape)| self.fig.cell(mart, r, c, *shape))
                    .collect()
            })
            .collect();
        let hidden = cells.iter().flatten().any(|c| c.state == "suppressed");
        Block::Table(TableBlock {
            sheet: String::new(),
            title: self.f(&format!("{key}.title"), &[]),
            caption: self.f(&format!("{key}.caption"), &[]),
            columns,
            rows: cells,
            note: if hidden {
                self.f("common.suppressed_note", &[])
            } else {
                String::new()
            },
            empty: self.f("common.no_rows", &[]),
            print: true,
        })
    }

    /// A fact of the system (versions, settings), not a measured figure.
    pub fn fact(&self, key: &str) -> String {
        doc_inputs::fact(self.inputs(), key).to_string()
    }
}

/// The text in `column` of a row, if it is text.
pub fn text_at<'t>(t: &'t Table, r: &'t [Cell], column: &str) -> Option<&'t str> {
    match t.column_index(column).and_then(|j| r.get(j)) {
        Some(Cell::Text(s)) => Some(s),
        _ => None,
    }
}

/// Whether a row's `column` holds a number (not hidden, not null).
pub fn has_number(t: &Table, r: &[Cell], column: &str) -> bool {
    t.column_index(column)
        .and_then(|j| r.get(j))
        .and_then(Cell::as_f64)
        .is_some_and(f64::is_finite)
}

/// Builds one document.
pub fn build(kind: Kind, inputs: &Inputs, t: &Catalogue) -> Built {
    let ctx = Ctx {
        fig: Figures::new(inputs),
        t,
        kind,
    };
    let parts: &[(&str, SectionFn)] = match kind {
        Kind::Technical => technical::SECTIONS,
        Kind::Instructions => instructions::SECTIONS,
        Kind::Fria => fria::SECTIONS,
        Kind::Dpia => dpia::SECTIONS,
    };
    let mut sections: Vec<Section> = parts
        .iter()
        .enumerate()
        .map(|(i, (id, blocks))| Section {
            id: (*id).to_string(),
            number: (i + 1).to_string(),
            title: ctx.f(&format!("{id}.title"), &[]),
            appendix: false,
            blocks: blocks(&ctx),
        })
        .collect();
    let sources = ctx.fig.sources();
    sections.push(sources_appendix(&ctx, &sources));
    let month = format::month_long(inputs.month);
    let mut month_label = month.clone();
    if let Some(first) = month_label.get(..1) {
        month_label = first.to_uppercase() + &month_label[1..];
    }
    let doc = Document {
        lang: "da".into(),
        kicker: ctx.f("kicker", &[]),
        title: ctx.f("title", &[]),
        month_label,
        file_title: ctx.f("file_title", &[]),
        intro: ctx.f("intro", &[]),
        meta: vec![
            ctx.f("common.generated", &[]),
            ctx.f(
                "common.versions",
                &[
                    ("version", ctx.fact("jobcockpit_version")),
                    ("sql", short(&ctx.fact("sql_sha256"))),
                    ("policy", short(&ctx.fact("policy_sha256"))),
                ],
            ),
            ctx.f("common.disclosure", &[]),
        ],
        contents_title: ctx.f("common.contents", &[]),
        about_sheet: String::new(),
        sections,
        footer: ctx.f("footer", &[]),
        page_label: ctx.f("common.page", &[]),
    };
    Built { kind, doc, sources }
}

fn short(hash: &str) -> String {
    hash.chars().take(12).collect()
}

/// The last appendix: every figure of the document and the mart cell it is.
fn sources_appendix(ctx: &Ctx, sources: &[Source]) -> Section {
    // The measured figures; labels, months and texts name rows rather than measure.
    let rows = sources
        .iter()
        .filter(|s| {
            matches!(
                s.shape,
                Shape::Integer | Shape::Percent(_) | Shape::Decimal(_) | Shape::Of100
            )
        })
        .map(|s| {
            // Long texts in a key (a model card, a reason) would fill the page.
            let key = s
                .key
                .iter()
                .filter(|(_, v)| v.chars().count() <= 40)
                .map(|(c, v)| format!("{c}={v}"))
                .collect::<Vec<_>>()
                .join(", ");
            vec![
                RCell::text(s.shown.clone()),
                RCell::text(s.mart.clone()),
                RCell::text(s.column.clone()),
                RCell::text(key),
            ]
        })
        .collect();
    Section {
        id: "kilder".into(),
        number: ctx.t.f("common.appendix", &[("letter", "A".into())]),
        title: ctx.t.t("common.sources.title"),
        appendix: true,
        blocks: vec![
            Block::Paragraph {
                text: ctx.t.t("common.sources.text"),
            },
            Block::Table(TableBlock {
                sheet: String::new(),
                title: ctx.t.t("common.sources.table"),
                caption: String::new(),
                columns: ["shown", "mart", "column", "row"]
                    .iter()
                    .map(|c| Column::text(ctx.t.t(&format!("common.sources.{c}"))))
                    .collect(),
                rows,
                note: String::new(),
                empty: ctx.t.t("common.no_rows"),
                print: true,
            }),
        ],
    }
}
