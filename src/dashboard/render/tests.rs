use chrono::NaiveDate;

use super::*;
use crate::present::messages::DA;

fn month(m: u32) -> Cell {
    Cell::Date(NaiveDate::from_ymd_opt(2024, m, 1).unwrap())
}

fn cohorts() -> Table {
    Table {
        columns: ["cohort_month", "n", "rate", "lo", "hi"]
            .map(String::from)
            .to_vec(),
        rows: vec![
            vec![
                month(1),
                Cell::Int(40),
                Cell::Float(0.25),
                Cell::Float(0.14),
                Cell::Float(0.4),
            ],
            vec![
                month(2),
                Cell::Suppressed,
                Cell::Suppressed,
                Cell::Suppressed,
                Cell::Suppressed,
            ],
            vec![month(3), Cell::Int(30), Cell::Null, Cell::Null, Cell::Null],
        ],
    }
}

/// A page over made-up marts (no mart file: the renderer never reads the rules).
fn made_up(text: &str) -> Result<Dashboard, crate::dashboard::spec::SpecError> {
    Dashboard::parse_with(text, |_| Some(Default::default()))
}

fn dashboard(components: &str) -> Dashboard {
    made_up(&format!(
        "slug = \"t\"\ntitle = \"T\"\nintro = \"Første.\\n\\nAnden, k={{k}}.\"\n\
         {components}"
    ))
    .unwrap()
}

/// The app's extras: the high-risk threshold of the default pipeline file (60 %).
fn extras() -> crate::dashboard::Extras {
    crate::dashboard::Extras {
        high_from: Some(0.6),
        ..Default::default()
    }
}

fn render(components: &str) -> Result<PageView, RenderError> {
    let marts = BTreeMap::from([("mart_c".to_string(), cohorts())]);
    page(&dashboard(components), &marts, 5, &extras(), &DA)
}

const KPI: &str = r#"
[[components]]
kind = "kpi"
mart = "mart_c"
label = "Faktisk"
column = "rate"
format = "percent"
ci_low = "lo"
ci_high = "hi"
row = { last_with = "rate" }
details = [{ column = "cohort_month", label = "Kohorte", format = "month_long" }]
"#;

#[test]
fn the_intro_is_split_into_paragraphs_and_names_k() {
    let view = render(KPI).unwrap();
    assert_eq!(view.intro, ["Første.", "Anden, k=5."]);
}

#[test]
fn a_kpi_reads_the_last_row_where_its_column_is_known() {
    let ComponentView::Kpi(k) = &render(KPI).unwrap().components[0] else {
        panic!()
    };
    // Row 3 is null (not mature), row 2 is suppressed: suppressed counts as present.
    assert_eq!(k.value.state, "suppressed");
    assert!(k.suppressed);
    assert_eq!(k.details[0].1.text, "februar 2024");
}

#[test]
fn a_kpi_shows_its_interval_in_the_same_format() {
    let spec = KPI.replace(
        r#"row = { last_with = "rate" }"#,
        r#"row = { column = "cohort_month", equals = "2024-01-01" }"#,
    );
    let ComponentView::Kpi(k) = &render(&spec).unwrap().components[0] else {
        panic!()
    };
    assert_eq!(k.value.text, "25,0 %");
    let (lo, hi) = k.interval.as_ref().unwrap();
    assert_eq!((lo.text.as_str(), hi.text.as_str()), ("14,0 %", "40,0 %"));
}

#[test]
fn a_kpi_without_a_known_interval_shows_none_and_uses_if_null() {
    let spec = KPI.replace(
        r#"row = { last_with = "rate" }"#,
        "if_null = \"ikke scoret\"",
    );
    let ComponentView::Kpi(k) = &render(&spec).unwrap().components[0] else {
        panic!()
    };
    assert_eq!(
        (k.value.text.as_str(), k.value.state),
        ("ikke scoret", "unknown")
    );
    assert!(k.interval.is_none());
}

#[test]
fn a_chart_is_followed_by_a_table_of_every_number_it_draws() {
    let spec = r#"
[[components]]
kind = "line"
mart = "mart_c"
title = "Andel"
x = { column = "cohort_month", label = "Kohorte", format = "month" }
y_label = "Andel"
y_format = "percent"
[[components.series]]
column = "rate"
label = "Faktisk"
band = { low = "lo", high = "hi", label = "95 %-interval" }
"#;
    let ComponentView::Chart { chart, table, .. } = &render(spec).unwrap().components[0] else {
        panic!()
    };
    let headers: Vec<&str> = table.headers.iter().map(|h| h.0.as_str()).collect();
    assert_eq!(
        headers,
        [
            "Kohorte",
            "Faktisk",
            "95 %-interval, nedre",
            "95 %-interval, øvre"
        ]
    );
    let texts: Vec<Vec<&str>> = table
        .rows
        .iter()
        .map(|r| r.iter().map(|s| s.text.as_str()).collect())
        .collect();
    assert_eq!(texts[0], ["jan. 2024", "25,0 %", "14,0 %", "40,0 %"]);
    assert_eq!(texts[1][1], "skjult");
    assert_eq!(texts[2][1], "endnu ikke kendt");
    assert!(table.suppressed && chart.has_gaps);
    assert_eq!(chart.series[0].points.len(), 1);
}

#[test]
fn a_column_the_mart_lacks_is_an_error_naming_mart_and_column() {
    let spec = KPI.replace(r#"column = "rate""#, r#"column = "rates""#);
    let err = render(&spec).unwrap_err().to_string();
    assert_eq!(err, "mart mart_c has no column rates");
}

#[test]
fn a_short_row_reads_as_unknown_instead_of_panicking() {
    let spec = r#"
[[components]]
kind = "table"
mart = "mart_c"
title = "Kohorter"
columns = [{ column = "cohort_month", label = "Kohorte", format = "month" }, { column = "hi", label = "Øvre", format = "percent" }]
"#;
    let mut table = cohorts();
    table.rows[0].truncate(2);
    let marts = BTreeMap::from([("mart_c".to_string(), table)]);
    let view = page(&dashboard(spec), &marts, 5, &extras(), &DA).unwrap();
    let ComponentView::Table { table, .. } = &view.components[0] else {
        panic!()
    };
    assert_eq!(table.rows[0][1].state, "unknown");
}

fn groups() -> Table {
    let t = |s: &str| Cell::Text(s.into());
    Table {
        columns: [
            "dimension",
            "grp",
            "metric",
            "n",
            "value",
            "lo",
            "hi",
            "flagged",
        ]
        .map(String::from)
        .to_vec(),
        rows: vec![
            vec![
                t("sex"),
                t("K"),
                t("fpr"),
                Cell::Int(400),
                Cell::Float(0.2),
                Cell::Float(0.16),
                Cell::Float(0.24),
                Cell::Int(0),
            ],
            vec![
                t("sex"),
                t("M"),
                t("fpr"),
                Cell::Int(380),
                Cell::Float(0.31),
                Cell::Float(0.26),
                Cell::Float(0.36),
                Cell::Int(1),
            ],
            vec![
                t("sex"),
                t("K"),
                t("fnr"),
                Cell::Int(400),
                Cell::Float(0.5),
                Cell::Float(0.4),
                Cell::Float(0.6),
                Cell::Int(0),
            ],
            vec![
                t("origin"),
                t("efterkommer_vestlig"),
                t("fpr"),
                Cell::Suppressed,
                Cell::Suppressed,
                Cell::Suppressed,
                Cell::Suppressed,
                Cell::Suppressed,
            ],
        ],
    }
}

fn render_groups(components: &str) -> PageView {
    let d = made_up(&format!(
        "slug = \"g\"\ntitle = \"G\"\n[labels.grp]\nK = \"Kvinder\"\nM = \"Mænd\"\n\
         [labels.dimension]\nsex = \"Køn\"\n\
         {components}"
    ))
    .unwrap();
    let marts = BTreeMap::from([("mart_g".to_string(), groups())]);
    page(&d, &marts, 5, &extras(), &DA).unwrap()
}

const INTERVAL: &str = r#"
[[components]]
kind = "interval"
mart = "mart_g"
where = { column = "metric", equals = "fpr" }
title = "Falsk positiv"
group = { column = "dimension", label = "Kendetegn" }
label = { column = "grp", label = "Gruppe" }
value = { column = "value", label = "Falsk positiv-rate", format = "percent" }
ci_low = "lo"
ci_high = "hi"
flag = { column = "flagged", label = "Markeret" }
columns = [{ column = "n", label = "Personer", format = "integer" }]
"#;

#[test]
fn where_keeps_only_the_matching_rows_and_codes_get_their_danish_text() {
    let view = render_groups(INTERVAL);
    let ComponentView::Interval { chart, table, .. } = &view.components[0] else {
        panic!()
    };
    // Three fpr rows; the fnr row is not read.
    assert_eq!(table.rows.len(), 3);
    let labels: Vec<&str> = chart.lines.iter().map(|l| l.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "Køn",
            "Kvinder",
            "Mænd – markeret",
            "origin",
            "efterkommer_vestlig"
        ]
    );
    assert_eq!(chart.lines[1].text, "20,0 % (16,0–24,0 %)");
    let headers: Vec<&str> = table.headers.iter().map(|h| h.0.as_str()).collect();
    assert_eq!(
        headers,
        [
            "Kendetegn",
            "Gruppe",
            "Falsk positiv-rate",
            "95 %-interval, nedre",
            "95 %-interval, øvre",
            "Markeret",
            "Personer"
        ]
    );
    assert_eq!(table.rows[1][5].text, "ja");
    // The suppressed group keeps its name but shows no figure.
    assert_eq!(table.rows[2][2].text, "skjult");
    assert!(table.suppressed);
    assert_eq!(chart.lines[4].text, "skjult");
    assert!(chart.lines[4].point.is_none());
}

#[test]
fn a_heat_map_table_is_the_grid_itself() {
    let view = render_groups(
        r#"
[[components]]
kind = "heatmap"
mart = "mart_g"
title = "Grid"
x = { column = "metric", label = "Mål" }
y = { column = "grp", label = "Gruppe" }
value = { column = "value", label = "Værdi", format = "percent" }
thresholds = [0.25]
levels = ["lav", "høj"]
"#,
    );
    let ComponentView::Heatmap { chart, table, .. } = &view.components[0] else {
        panic!()
    };
    let headers: Vec<&str> = table.headers.iter().map(|h| h.0.as_str()).collect();
    assert_eq!(headers, ["Gruppe", "fpr", "fnr"]);
    let texts: Vec<Vec<&str>> = table
        .rows
        .iter()
        .map(|r| r.iter().map(|s| s.text.as_str()).collect())
        .collect();
    assert_eq!(texts[0], ["Kvinder", "20,0 %", "50,0 %"]);
    assert_eq!(texts[1], ["Mænd", "31,0 %", "endnu ikke kendt"]);
    assert_eq!(
        texts[2],
        ["efterkommer_vestlig", "skjult", "endnu ikke kendt"]
    );
    assert_eq!(chart.rows[1].cells[0].class, "h2");
    assert_eq!(chart.rows[2].cells[0].class, "h0");
}

#[test]
fn a_reliability_diagram_lists_every_bin_with_its_interval() {
    let spec = r#"
[[components]]
kind = "reliability"
mart = "mart_c"
title = "Pålidelighed"
predicted = { column = "rate", label = "Forudsagt", format = "percent" }
observed = { column = "rate", label = "Faktisk", format = "percent" }
ci_low = "lo"
ci_high = "hi"
count = { column = "n", label = "Personer", format = "integer" }
"#;
    let ComponentView::Reliability { chart, table, .. } = &render(spec).unwrap().components[0]
    else {
        panic!()
    };
    assert_eq!(chart.bins.len(), 1, "only the first row has every figure");
    let headers: Vec<&str> = table.headers.iter().map(|h| h.0.as_str()).collect();
    assert_eq!(
        headers,
        [
            "Forudsagt",
            "Faktisk",
            "95 %-interval, nedre",
            "95 %-interval, øvre",
            "Personer"
        ]
    );
    assert_eq!(table.rows[0][4].text, "40");
}

#[test]
fn a_document_is_the_last_rows_markdown_as_html() {
    let d = made_up(
        "slug = \"m\"\ntitle = \"M\"\n\
         [[components]]\nkind = \"document\"\nmart = \"mart_card\"\ntitle = \"Modelkort\"\ncolumn = \"markdown\"\n",
    )
    .unwrap();
    let card = Table {
        columns: vec!["markdown".into()],
        rows: vec![vec![Cell::Text("# Modelkort\n\nTekst <i>x</i>".into())]],
    };
    let view = page(
        &d,
        &BTreeMap::from([("mart_card".to_string(), card)]),
        5,
        &extras(),
        &DA,
    )
    .unwrap();
    let ComponentView::Document { html, .. } = &view.components[0] else {
        panic!()
    };
    let html = html.as_deref().unwrap();
    assert!(
        html.contains("<h3>Modelkort</h3>") && html.contains("&lt;i&gt;"),
        "{html}"
    );
    assert!(view.components[0].data_table().is_none());
}

#[test]
fn a_notice_is_one_paragraph_with_k_filled_in() {
    let d = made_up(&format!(
        "slug = \"n\"\ntitle = \"N\"\nnotice = \"\"\"\nIkke virkninger, \\\nk={{k}}.\n\"\"\"\n\
         {KPI}"
    ))
    .unwrap();
    let marts = BTreeMap::from([("mart_c".to_string(), cohorts())]);
    let view = page(&d, &marts, 7, &extras(), &DA).unwrap();
    assert_eq!(view.notice.as_deref(), Some("Ikke virkninger, k=7."));
}

/// Marts made up from a page file: every column it names, with a value of a
/// plausible type, so each page in `dashboards/` can be rendered without a store.
fn made_up_marts(text: &str) -> BTreeMap<String, Table> {
    fn walk(v: &toml::Value, out: &mut Vec<(String, Option<String>)>) {
        match v {
            toml::Value::Table(t) => {
                if let (Some(toml::Value::String(c)), Some(toml::Value::String(e))) =
                    (t.get("column"), t.get("equals"))
                {
                    out.push((c.clone(), Some(e.clone())));
                }
                for (key, value) in t {
                    match (key.as_str(), value) {
                        (
                            "column" | "ci_low" | "ci_high" | "low" | "high" | "count"
                            | "last_with" | "compare" | "in_words" | "link",
                            toml::Value::String(c),
                        ) => out.push((c.clone(), None)),
                        ("dimensions", toml::Value::Array(a)) => out.extend(
                            a.iter()
                                .filter_map(|d| d.as_str())
                                .map(|d| (d.to_string(), None)),
                        ),
                        ("counts", toml::Value::Table(c)) => {
                            for (count, figures) in c {
                                out.push((count.clone(), None));
                                if let Some(a) = figures.as_array() {
                                    out.extend(
                                        a.iter()
                                            .filter_map(|f| f.as_str())
                                            .map(|f| (f.to_string(), None)),
                                    );
                                }
                            }
                        }
                        _ => walk(value, out),
                    }
                }
            }
            toml::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let value: toml::Value = toml::from_str(text).unwrap();
    let d = Dashboard::parse(text).unwrap();
    let mut marts = BTreeMap::new();
    for name in d.marts.keys() {
        // Columns named anywhere in the file; a mart gets them all (extra ones are harmless).
        let mut named = Vec::new();
        walk(&value, &mut named);
        let mut columns: Vec<String> = Vec::new();
        let mut fixed: BTreeMap<String, String> = BTreeMap::new();
        for (c, equals) in named {
            if let Some(e) = equals {
                fixed.insert(c.clone(), e);
            }
            if !columns.contains(&c) {
                columns.push(c);
            }
        }
        let cell = |c: &str, row: usize| -> Cell {
            if let Some(e) = fixed.get(c) {
                return Cell::Text(e.clone());
            }
            if c.contains("month")
                || c.ends_with("_from")
                || c.ends_with("_to")
                || c.ends_with("_on")
            {
                return Cell::Date(NaiveDate::from_ymd_opt(2024, 1 + row as u32, 1).unwrap());
            }
            if c == "markdown" {
                return Cell::Text("# Modelkort\n\nTekst.".into());
            }
            if c == "n" || c.starts_with("n_") || c.starts_with("rows") || c == "position" {
                return Cell::Int(100 + row as i64);
            }
            Cell::Float(0.3 + 0.05 * row as f64)
        };
        marts.insert(
            name.clone(),
            Table {
                rows: (0..3)
                    .map(|r| columns.iter().map(|c| cell(c, r)).collect())
                    .collect(),
                columns: columns.clone(),
            },
        );
    }
    marts
}

#[test]
fn every_page_in_the_repository_renders_and_every_figure_has_a_data_table() {
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/dashboards"));
    let catalog = crate::dashboard::Catalog::load(dir).unwrap();
    for d in catalog.dashboards() {
        let text = std::fs::read_to_string(dir.join(format!("{}.toml", d.slug))).unwrap();
        let marts = made_up_marts(&text);
        let view = page(d, &marts, 5, &extras(), &DA).unwrap_or_else(|e| panic!("{}: {e}", d.slug));
        for (i, c) in view.components.iter().enumerate() {
            let figure = !matches!(c, ComponentView::Kpi(_) | ComponentView::Document { .. });
            assert_eq!(
                c.data_table().is_some(),
                figure,
                "{} component {}: a figure and only a figure has a table",
                d.slug,
                i + 1
            );
        }
    }
}
