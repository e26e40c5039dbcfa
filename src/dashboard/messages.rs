//! The message catalogue: every text a user reads that does not come from a dashboard
//! file. Templates receive it as `t`; an English version is one more constant.

/// User-facing texts of the cockpit.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Messages {
    pub lang: &'static str,
    pub product: &'static str,
    pub nav_label: &'static str,
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
    pub line_chart: &'static str,
    pub bar_chart: &'static str,
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
}

/// Danish, the product's language.
pub const DA: Messages = Messages {
    lang: "da",
    product: "Jobcockpit",
    nav_label: "Sider",
    skip_to_content: "Gå til indholdet",
    suppressed_mark: "–",
    suppressed_note: "– Færre end {k} personer – vises ikke.",
    suppressed_sr: "vises ikke",
    unknown: "endnu ikke kendt",
    yes: "ja",
    no: "nej",
    interval: "95 %-interval",
    interval_to: "til",
    show_numbers: "Vis tal",
    gaps_note: "Huller i en linje er måneder med færre end {k} personer eller tal, der endnu ikke er kendt.",
    line_chart: "Linjediagram",
    bar_chart: "Søjlediagram",
    series_one: "serie",
    series_many: "serier",
    points_one: "punkt",
    points_many: "punkter",
    lower: "nedre",
    upper: "øvre",
    from_word: "fra",
    to_word: "til",
    no_data: "Der er endnu ingen tal.",
    reading_guide: "Sådan læser du siden",
    not_found_title: "Siden findes ikke",
    not_found: "Der er ingen side på denne adresse. Den kan være flyttet eller fjernet.",
    error_title: "Der opstod en fejl",
    error: "Der opstod en fejl. Prøv igen om lidt, og kontakt dataenheden, hvis fejlen bliver ved.",
    back_to_start: "Til forsiden",
};

impl Messages {
    /// A text with `{k}` replaced by the disclosure threshold.
    pub fn with_k(text: &str, k: u32) -> String {
        text.replace("{k}", &k.to_string())
    }
}
