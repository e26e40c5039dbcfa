//! The insight as a Danish PDF a citizen can read: what the system is, what she is
//! held with, her scores with the rule path in plain words, what a score means and
//! does not mean, the logic, who has looked her up, her right to object, how long
//! data are kept, how to complain and who the data controller is. Texts from
//! `reports/indsigt.da.toml`; laid out by the committee report's PDF writer.
//! A citizen the store does not know gets a letter that says so.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::insight::Insight;
use super::CitizenError;
use crate::config::CitizenSettings;
use crate::present::catalogue::fill;
use crate::present::format;
use crate::report::{Block, Document, Section};

const TEXTS: &str = include_str!("../../reports/indsigt.da.toml");

#[derive(Debug, Deserialize)]
struct Titled {
    title: String,
    #[serde(default)]
    text: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Held {
    title: String,
    intro: String,
    none: String,
    line: String,
    row_one: String,
    row_many: String,
    months: String,
    month_one: String,
    labels: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct Scores {
    title: String,
    none: String,
    item: String,
    rule_intro: String,
    bands: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct Lookups {
    title: String,
    intro: String,
    none: String,
    item: String,
    who: String,
    unknown_purpose: String,
}

#[derive(Debug, Deserialize)]
struct One {
    title: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    in_force: String,
}

/// The texts of the page that makes the export (`/jura/indsigt`).
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct PageTexts {
    pub title: String,
    pub intro: String,
    pub cpr_label: String,
    pub cpr_help: String,
    pub purpose_label: String,
    pub format_label: String,
    pub formats: Vec<(String, String)>,
    pub submit: String,
    pub refused_title: String,
}

#[derive(Debug, Deserialize)]
struct Texts {
    page: PageTexts,
    kicker: String,
    title: String,
    file_title: String,
    contents_title: String,
    footer: String,
    page_label: String,
    meta_person: String,
    meta_date: String,
    intro: String,
    about: Titled,
    held: Held,
    scores: Scores,
    meaning: Titled,
    logic: Titled,
    lookups: Lookups,
    objection: One,
    storage: One,
    complaint: One,
    controller: One,
    unknown: One,
}

fn texts() -> Result<Texts, CitizenError> {
    toml::from_str(TEXTS).map_err(|e| {
        CitizenError::Pdf(crate::report::ReportError::Pdf(format!(
            "reports/indsigt.da.toml: {e}"
        )))
    })
}

fn section(n: usize, title: &str, blocks: Vec<Block>) -> Section {
    Section {
        id: format!("afsnit-{n}"),
        number: n.to_string(),
        title: title.to_string(),
        appendix: false,
        blocks,
    }
}

fn paragraphs(texts: &[String]) -> Vec<Block> {
    texts
        .iter()
        .map(|t| Block::Paragraph { text: t.clone() })
        .collect()
}

fn percent(p: f64) -> String {
    format::percent(p, 0)
}

/// The page's texts, from the same file as the letter's.
pub fn page_texts() -> Result<PageTexts, CitizenError> {
    Ok(texts()?.page)
}

/// The letter as a document (the PDF is [`render`]).
pub fn document(insight: &Insight, settings: &CitizenSettings) -> Result<Document, CitizenError> {
    let t = texts()?;
    let made = chrono::DateTime::parse_from_rfc3339(&insight.dannet)
        .map(|d| format::date(d.date_naive()))
        .unwrap_or_else(|_| insight.dannet.clone());
    let mut sections = vec![section(1, &t.about.title, paragraphs(&t.about.text))];
    if !insight.kendt {
        sections.push(section(
            2,
            &t.unknown.title,
            vec![Block::Paragraph {
                text: t.unknown.text.clone(),
            }],
        ));
    } else {
        let mut held = vec![Block::Paragraph {
            text: t.held.intro.clone(),
        }];
        let lines: Vec<String> = insight
            .tabeller
            .iter()
            .map(|(table, rows)| {
                let months: Vec<_> = rows.iter().filter_map(|r| r.leveret).collect();
                let span = match (months.iter().min(), months.iter().max()) {
                    (Some(a), Some(b)) if a == b => {
                        fill(&t.held.month_one, &[("from", format::month_long(*a))])
                    }
                    (Some(a), Some(b)) => fill(
                        &t.held.months,
                        &[
                            ("from", format::month_long(*a)),
                            ("to", format::month_long(*b)),
                        ],
                    ),
                    _ => String::new(),
                };
                fill(
                    &t.held.line,
                    &[
                        (
                            "label",
                            t.held.labels.get(table).cloned().unwrap_or(table.clone()),
                        ),
                        ("n", rows.len().to_string()),
                        (
                            "rows",
                            if rows.len() == 1 {
                                t.held.row_one.clone()
                            } else {
                                t.held.row_many.clone()
                            },
                        ),
                        ("months", span),
                    ],
                )
            })
            .collect();
        if lines.is_empty() {
            held.push(Block::Paragraph {
                text: t.held.none.clone(),
            });
        } else {
            held.push(Block::Bullets { items: lines });
        }
        sections.push(section(2, &t.held.title, held));

        let mut scores = Vec::new();
        if insight.vurderinger.is_empty() {
            scores.push(Block::Paragraph {
                text: t.scores.none.clone(),
            });
        }
        let month = |d: Option<chrono::NaiveDate>| d.map(format::month_long).unwrap_or_default();
        let year = |d: Option<chrono::NaiveDate>| {
            d.map(|d| d.format("%Y").to_string()).unwrap_or_default()
        };
        for s in &insight.vurderinger {
            scores.push(Block::Paragraph {
                text: fill(
                    &t.scores.item,
                    &[
                        ("month", month(s.kohorte)),
                        ("run", month(s.koersel)),
                        ("version", s.modelversion.clone()),
                        ("p", percent(s.sandsynlighed)),
                        ("low", percent(s.interval_lav)),
                        ("high", percent(s.interval_hoej)),
                        (
                            "band",
                            t.scores
                                .bands
                                .get(&s.risikogruppe)
                                .cloned()
                                .unwrap_or(s.risikogruppe.clone()),
                        ),
                        ("n", s.sammenligningsgruppe.to_string()),
                        ("from", year(s.traenet_fra)),
                        ("to", year(s.traenet_til)),
                    ],
                ),
            });
            if !s.regel.is_empty() {
                scores.push(Block::Paragraph {
                    text: t.scores.rule_intro.clone(),
                });
                scores.push(Block::Bullets {
                    items: s.regel.clone(),
                });
            }
        }
        sections.push(section(3, &t.scores.title, scores));
        sections.push(section(4, &t.meaning.title, paragraphs(&t.meaning.text)));
        sections.push(section(5, &t.logic.title, paragraphs(&t.logic.text)));
        let mut lookups = Vec::new();
        if insight.opslag.is_empty() {
            lookups.push(Block::Paragraph {
                text: t.lookups.none.clone(),
            });
        } else {
            lookups.push(Block::Paragraph {
                text: t.lookups.intro.clone(),
            });
            let vocabulary = crate::vocabulary::get();
            let items = insight
                .opslag
                .iter()
                .map(|l| {
                    let purpose = l
                        .formaal
                        .as_deref()
                        .map(|c| {
                            vocabulary
                                .set("lookup_purpose")
                                .ok()
                                .and_then(|s| s.label(c))
                                .or_else(|| {
                                    vocabulary
                                        .set("insight_purpose")
                                        .ok()
                                        .and_then(|s| s.label(c))
                                })
                                .map_or_else(|| c.to_string(), str::to_string)
                        })
                        .unwrap_or_else(|| t.lookups.unknown_purpose.clone());
                    let role = l
                        .rolle
                        .as_deref()
                        .and_then(|r| r.parse::<crate::access::Role>().ok())
                        .map_or_else(
                            || l.rolle.clone().unwrap_or_else(|| "kommandolinjen".into()),
                            |r| r.label().to_string(),
                        );
                    fill(
                        &t.lookups.item,
                        &[
                            ("date", l.tidspunkt.clone()),
                            ("role", role),
                            ("purpose", purpose),
                            (
                                "who",
                                l.medarbejder
                                    .as_ref()
                                    .map(|u| fill(&t.lookups.who, &[("user", u.clone())]))
                                    .unwrap_or_default(),
                            ),
                        ],
                    )
                })
                .collect();
            lookups.push(Block::Bullets { items });
        }
        sections.push(section(6, &t.lookups.title, lookups));
        let mut objection = vec![Block::Paragraph {
            text: t.objection.text.clone(),
        }];
        if let Some(since) = insight.indsigelse {
            objection.push(Block::Paragraph {
                text: fill(&t.objection.in_force, &[("date", format::date(since))]),
            });
        }
        sections.push(section(7, &t.objection.title, objection));
        sections.push(section(
            8,
            &t.storage.title,
            vec![Block::Paragraph {
                text: fill(
                    &t.storage.text,
                    &[("months", settings.retention_months().to_string())],
                ),
            }],
        ));
    }
    let n = sections.len();
    sections.push(section(
        n + 1,
        &t.complaint.title,
        vec![Block::Paragraph {
            text: settings.complaint().to_string(),
        }],
    ));
    sections.push(section(
        n + 2,
        &t.controller.title,
        vec![Block::Paragraph {
            text: settings.controller().to_string(),
        }],
    ));
    Ok(Document {
        lang: "da".into(),
        kicker: t.kicker,
        title: t.title,
        month_label: made.clone(),
        file_title: t.file_title,
        intro: t.intro,
        meta: vec![
            fill(&t.meta_person, &[("masked", insight.cpr_maskeret.clone())]),
            fill(&t.meta_date, &[("date", made)]),
        ],
        contents_title: t.contents_title,
        about_sheet: String::new(),
        sections,
        footer: t.footer,
        page_label: t.page_label,
    })
}

/// The letter as PDF bytes.
pub fn render(insight: &Insight, settings: &CitizenSettings) -> Result<Vec<u8>, CitizenError> {
    let doc = document(insight, settings)?;
    Ok(crate::report::render_pdf(&doc, &insight.dannet)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_texts_parse_and_name_every_table_with_a_pseudonym() {
        let t = texts().unwrap();
        for (table, _) in crate::retention::doomed_statements() {
            assert!(
                t.held.labels.contains_key(table),
                "{table} mangler en dansk tekst"
            );
        }
    }
}
