//! The cockpit's messages: every text a user reads that does not come from a dashboard
//! file, as a typed view of `dashboards/templates/messages.da.toml` (the catalogue
//! format the report uses). Templates receive it as `t`; an English version is one
//! more file.

use std::sync::LazyLock;

use serde::Deserialize;

use super::catalogue::{Catalogue, CatalogueError};

/// User-facing texts of the cockpit.
#[derive(Debug, Clone, Copy, serde::Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Messages {
    pub lang: &'static str,
    pub product: &'static str,
    pub nav_label: &'static str,
    /// The toggle that unfolds the menu on a narrow screen.
    pub menu: &'static str,
    pub skip_to_content: &'static str,
    /// Shown in place of a value under the disclosure threshold.
    pub suppressed_mark: &'static str,
    /// Explains the mark; `{k}` is replaced by the threshold.
    pub suppressed_note: &'static str,
    /// Read by screen readers instead of the mark.
    pub suppressed_sr: &'static str,
    /// A null value: a figure that cannot be known yet (e.g. an immature cohort).
    pub unknown: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub interval: &'static str,
    pub interval_to: &'static str,
    pub show_numbers: &'static str,
    pub gaps_note: &'static str,
    /// Under a heat map / an interval plot with hidden or unknown values.
    pub gaps_cells_note: &'static str,
    pub gaps_rows_note: &'static str,
    pub line_chart: &'static str,
    pub bar_chart: &'static str,
    pub step_chart: &'static str,
    /// Legend of the reliability diagram's diagonal.
    pub perfect_calibration: &'static str,
    pub observed_with_interval: &'static str,
    /// Legend of the interval plot.
    pub value_with_interval: &'static str,
    /// Screen-reader summaries; `{name}` placeholders are filled in by the chart.
    pub reliability_desc: &'static str,
    pub heatmap_desc: &'static str,
    pub interval_desc: &'static str,
    /// The summary of a folded document (the model card).
    pub show_document: &'static str,
    /// Leads the page's notice box.
    pub notice_label: &'static str,
    /// Names a table's scrolling box for screen readers ("Tabel: <title>").
    pub table_region: &'static str,
    /// A chart's scroll box on a narrow screen.
    pub figure_region: &'static str,
    /// A KPI's change since an earlier month: "siden {month}".
    pub change_since: &'static str,
    /// The earlier value of a change, before it: "da".
    pub change_then: &'static str,
    /// An earlier month the mart has no row for; {month}.
    pub change_no_data: &'static str,
    /// A change that cannot be computed (a value hidden or not known).
    pub change_unknown: &'static str,
    pub percentage_points: &'static str,
    /// An accuracy in words; {model}, {interval} and {guess} are whole persons of 100.
    pub accuracy_words: &'static str,
    /// The interval inside `accuracy_words`; {low} and {high}.
    pub accuracy_words_interval: &'static str,
    /// The high-risk threshold the accuracies are measured at; {hoej}.
    pub threshold_note: &'static str,
    /// "Data til og med" before the page's newest month.
    pub as_of: &'static str,
    /// The link to the newest committee report; {month}.
    pub latest_report: &'static str,
    /// Marks the reference group in an interval plot, and its line's legend.
    pub reference_mark: &'static str,
    pub reference_line: &'static str,
    pub series_one: &'static str,
    pub series_many: &'static str,
    pub points_one: &'static str,
    pub points_many: &'static str,
    pub lower: &'static str,
    pub upper: &'static str,
    pub from_word: &'static str,
    pub to_word: &'static str,
    pub no_data: &'static str,
    pub reading_guide: &'static str,
    pub not_found_title: &'static str,
    pub not_found: &'static str,
    pub error_title: &'static str,
    pub error: &'static str,
    pub back_to_start: &'static str,
    /// Logins, roles and administration.
    pub access: AccessMessages,
    /// The filter form and its refusals.
    pub filter: FilterMessages,
    /// The caseworker's look-up of one citizen (/borger).
    pub lookup: LookupMessages,
}

/// Texts of the look-up page (`web::borger`) and its JSON form. `{name}`
/// placeholders are filled by the page.
#[derive(Debug, Clone, Copy, serde::Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupMessages {
    pub title: &'static str,
    pub intro: &'static str,
    pub cpr_label: &'static str,
    pub cpr_help: &'static str,
    pub purpose_label: &'static str,
    pub purpose_choose: &'static str,
    pub submit: &'static str,
    pub refused_title: &'static str,
    pub throttled_title: &'static str,
    /// `{per_hour}`, `{minutes}`.
    pub throttled: &'static str,
    pub neutral_title: &'static str,
    /// `{cpr}` is the masked number.
    pub neutral: &'static str,
    /// The fixed notice on every answer.
    pub notice: &'static str,
    pub result_title: &'static str,
    pub spell_title: &'static str,
    pub score_title: &'static str,
    /// `{month}`, `{run}`, `{version}`.
    pub scored_in: &'static str,
    pub no_score_no_interview: &'static str,
    /// `{month}`, `{next}`.
    pub no_score_yet: &'static str,
    /// `{date}`: the citizen objected to profiling (#15); no score is made or shown.
    pub objected: &'static str,
    /// `{n}`, `{from}`, `{to}`, `{p}`, `{low}`, `{high}`, `{horizon}`.
    pub comparison: &'static str,
    pub rule_title: &'static str,
    pub rule_intro: &'static str,
    /// `{used}`, `{all}`.
    pub inputs: &'static str,
    pub accuracy_title: &'static str,
    /// `{model}`, `{model_low}`, `{model_high}`, `{guess}`, `{guess_low}`, `{guess_high}`, `{n}`.
    pub accuracy: &'static str,
    /// `{band}`, `{n}`, `{share}`, `{low}`, `{high}`, `{month}`.
    pub band_otherwise_high: &'static str,
    pub band_otherwise_low: &'static str,
    pub band_otherwise_middle: &'static str,
    pub band_unknown: &'static str,
    pub unknowns_title: &'static str,
    pub unknowns: &'static str,
    pub judgement_title: &'static str,
    pub judgement_intro: &'static str,
    pub own_assessment: &'static str,
    pub agreement: &'static str,
    pub reason: &'static str,
    pub note: &'static str,
    /// `{max}`.
    pub note_help: &'static str,
    pub judgement_submit: &'static str,
    pub judgement_stored_title: &'static str,
    pub judgement_stored: &'static str,
    pub judgement_refused_title: &'static str,
    pub judgement_refused: &'static str,
    pub stale_title: &'static str,
    pub stale: &'static str,
    pub new_lookup: &'static str,
}

/// Texts of the filter form (`dashboard::filter`).
#[derive(Debug, Clone, Copy, serde::Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterMessages {
    pub form_label: &'static str,
    pub group_label: &'static str,
    pub all_groups: &'static str,
    pub period: &'static str,
    pub all_periods: &'static str,
    pub submit: &'static str,
    pub reset: &'static str,
    /// Shown under the form; `{k}` is the threshold.
    pub hint: &'static str,
    /// The 400 page for a filter the page does not offer or a value it does not allow.
    pub bad_title: &'static str,
    pub bad_message: &'static str,
    /// Shown when a page is filtered, before the active filters.
    pub showing: &'static str,
    /// The export links under every table.
    pub export_label: &'static str,
    pub export_or: &'static str,
}

/// Texts of logins, refusals and the administration pages.
#[derive(Debug, Clone, Copy, serde::Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessMessages {
    pub logged_in_as: &'static str,
    pub logout: &'static str,
    pub login_title: &'static str,
    pub login_intro: &'static str,
    pub username: &'static str,
    pub password: &'static str,
    pub login_button: &'static str,
    pub logged_out: &'static str,
    pub expired: &'static str,
    pub unauthenticated_title: &'static str,
    pub unauthenticated: &'static str,
    pub forbidden_title: &'static str,
    pub forbidden: &'static str,
    pub csrf_title: &'static str,
    pub csrf: &'static str,
    pub too_large_title: &'static str,
    pub too_large: &'static str,
    pub sso_refused: &'static str,
    pub no_pages: &'static str,
}

/// Danish, the product's language.
/// The cockpit's catalogue file, compiled in (the pages cannot run without it).
const SOURCE_DA: &str = include_str!("../../../dashboards/templates/messages.da.toml");

/// Danish, the product's language: `dashboards/templates/messages.da.toml`, read by
/// the catalogue loader the report uses, parsed on first use. [`check`] runs at
/// start-up, so a missing text stops the cockpit before it serves a page.
pub static DA: LazyLock<Messages> = LazyLock::new(|| match load(SOURCE_DA) {
    Ok(m) => m,
    Err(e) => panic!("{e}"),
});

/// Parses a cockpit catalogue into the typed messages; every field must be there.
fn load(text: &str) -> Result<Messages, CatalogueError> {
    let catalogue = Catalogue::parse("messages.da.toml", text)?;
    // The texts live as long as the process; leaking the one parsed tree lets the
    // typed view borrow `&'static str` from it, so `Messages` stays `Copy`.
    let tree: &'static serde_json::Value = Box::leak(Box::new(catalogue.nested().clone()));
    Messages::deserialize(tree).map_err(|e| CatalogueError {
        name: "messages.da.toml".into(),
        message: e.to_string(),
    })
}

/// The cockpit's catalogue, or why it cannot be used (checked at start-up).
pub fn check() -> Result<(), CatalogueError> {
    load(SOURCE_DA).map(|_| ())
}

impl Messages {
    /// A text with `{k}` replaced by the disclosure threshold.
    pub fn with_k(text: &str, k: u32) -> String {
        text.replace("{k}", &k.to_string())
    }

    /// A text with each `{name}` replaced by its value.
    pub fn fill(text: &str, values: &[(&str, &str)]) -> String {
        values.iter().fold(text.to_string(), |acc, (name, value)| {
            acc.replace(&format!("{{{name}}}"), value)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cockpit_catalogue_has_every_text_and_nothing_else() {
        check().unwrap();
        assert_eq!(DA.lang, "da");
        assert_eq!(DA.access.logout, "Log ud");
        let extra = format!("{SOURCE_DA}\nunused = \"x\"\n");
        assert!(load(&extra).is_err());
        let missing = SOURCE_DA.replace("product = \"Jobcockpit\"\n", "");
        assert!(load(&missing).is_err());
    }
}
