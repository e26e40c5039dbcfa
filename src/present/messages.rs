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
}

/// Texts of logins, refusals and the administration pages.
#[derive(Debug, Clone, Copy, serde::Serialize)]
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
    gaps_cells_note: "Celler med – bygger på færre end {k} personer eller er endnu ikke kendt.",
    gaps_rows_note: "Grupper uden punkt bygger på færre end {k} personer eller er endnu ikke kendt.",
    line_chart: "Linjediagram",
    bar_chart: "Søjlediagram",
    step_chart: "Trappekurve",
    perfect_calibration: "Perfekt kalibrering (faktisk = forudsagt)",
    observed_with_interval: "Faktisk andel med 95 %-interval",
    value_with_interval: "Værdi med 95 %-interval",
    reliability_desc: "Pålidelighedsdiagram med {n} risikogrupper: forudsagt andel vandret, faktisk andel lodret. {above} grupper ligger sikkert over diagonalen (modellen undervurderer risikoen), {below} sikkert under (modellen overvurderer den).",
    heatmap_desc: "Varmekort med {rows} rækker ({y}) og {columns} kolonner ({x}). Antal celler pr. niveau: {levels}.",
    interval_desc: "Punkter med 95 %-interval for {n} grupper, heraf {flagged} markeret.",
    show_document: "Vis hele teksten",
    notice_label: "Vigtigt:",
    table_region: "Tabel",
    reference_mark: "referencegruppe",
    reference_line: "Referencegruppens værdi",
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
    access: AccessMessages {
        logged_in_as: "Logget ind som",
        logout: "Log ud",
        login_title: "Log ind",
        login_intro: "Jobcockpit viser samlede tal om jobcentrets borgere. Log ind med dit brugernavn og din adgangskode.",
        username: "Brugernavn",
        password: "Adgangskode",
        login_button: "Log ind",
        logged_out: "Du er logget ud.",
        expired: "Du skal logge ind for at se siden. Var du logget ind, er din session udløbet.",
        unauthenticated_title: "Log ind først",
        unauthenticated: "Du skal være logget ind for at gøre dette.",
        forbidden_title: "Ingen adgang",
        forbidden: "Din rolle giver ikke adgang til denne side.",
        csrf_title: "Formularen kunne ikke bruges",
        csrf: "Formularen er udløbet eller kom ikke fra Jobcockpit. Gå tilbage, genindlæs siden, og prøv igen.",
        too_large_title: "For stor forespørgsel",
        too_large: "Forespørgslen er for stor.",
        sso_refused: "Log-ind-oplysningerne kom ikke fra en godkendt server.",
        no_pages: "Der er endnu ingen sider til din rolle.",
    },
};

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
