use chrono::NaiveDate;

use super::*;
use crate::dashboard::messages::DA;

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

fn dashboard(components: &str) -> Dashboard {
    Dashboard::parse(&format!(
        "slug = \"t\"\ntitle = \"T\"\nintro = \"Første.\\n\\nAnden, k={{k}}.\"\n\
         [marts.mart_c]\ndimensions = [\"cohort_month\"]\ncount = \"n\"\n{components}"
    ))
    .unwrap()
}

fn render(components: &str) -> Result<PageView, RenderError> {
    let marts = BTreeMap::from([("mart_c".to_string(), cohorts())]);
    page(&dashboard(components), &marts, 5, &DA)
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
    assert_eq!(texts[1][1], "–");
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
    let view = page(&dashboard(spec), &marts, 5, &DA).unwrap();
    let ComponentView::Table { table, .. } = &view.components[0] else {
        panic!()
    };
    assert_eq!(table.rows[0][1].state, "unknown");
}
