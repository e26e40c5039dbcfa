use super::*;

const MINIMAL: &str = r#"
    slug = "drift"
    title = "Drift"
    [marts.mart_inflow]
    dimensions = ["month"]
    counts = { new_spells = [] }
    [[components]]
    kind = "line"
    mart = "mart_inflow"
    title = "Tilgang"
    x = { column = "month", label = "Måned", format = "month" }
    y_label = "Antal"
    y_format = "integer"
    [[components.series]]
    column = "new_spells"
    label = "Nye forløb"
"#;

#[test]
fn a_minimal_dashboard_is_parsed() {
    let d = Dashboard::parse(MINIMAL).unwrap();
    assert_eq!((d.slug.as_str(), d.order), ("drift", 100));
    let Component::Line(chart) = &d.components[0] else {
        panic!("not a line")
    };
    assert_eq!(chart.x.format, Format::Month);
    assert_eq!(chart.series[0].label, "Nye forløb");
    let rule = d.marts["mart_inflow"].rule();
    assert_eq!(rule.partial, vec![("new_spells".to_string(), vec![])]);
}

#[test]
fn the_overview_file_in_the_repository_is_valid() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/dashboards/overblik.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let d = Dashboard::parse(&text).unwrap();
    assert_eq!(d.slug, "overblik");
}

#[test]
fn a_misspelt_field_is_refused() {
    let text = MINIMAL.replace("y_label", "ylabel");
    assert!(matches!(Dashboard::parse(&text), Err(SpecError::Toml(_))));
}

#[test]
fn an_unknown_format_is_refused() {
    let text = MINIMAL.replace(r#"format = "month""#, r#"format = "weekday""#);
    assert!(Dashboard::parse(&text).is_err());
}

#[test]
fn a_component_reading_an_undeclared_mart_is_refused() {
    let text = MINIMAL.replace(r#"mart = "mart_inflow""#, r#"mart = "mart_other""#);
    let err = Dashboard::parse(&text).unwrap_err().to_string();
    assert!(err.contains("not declared"), "{err}");
}

#[test]
fn a_mart_name_outside_the_mart_layer_is_refused() {
    let text = MINIMAL.replace("mart_inflow", "stg_interviews");
    assert!(Dashboard::parse(&text)
        .unwrap_err()
        .to_string()
        .contains("mart_"));
}

#[test]
fn a_slug_with_a_slash_is_refused() {
    assert!(Dashboard::parse(&MINIMAL.replace(r#""drift""#, r#""../x""#)).is_err());
}
