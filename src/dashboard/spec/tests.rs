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

#[test]
fn every_dashboard_file_in_the_repository_is_valid() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/dashboards");
    let mut slugs = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).unwrap();
            let d = Dashboard::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            slugs.push(d.slug);
        }
    }
    for page in [
        "overblik",
        "kohorter",
        "kalibrering",
        "retfaerdighed",
        "drift",
        "indsatser",
        "koersler",
    ] {
        assert!(slugs.iter().any(|s| s == page), "missing page {page}");
    }
}

#[test]
fn the_shared_code_labels_come_from_the_vocabulary() {
    let codes: Codes = crate::vocabulary::get().column_labels();
    assert_eq!(codes["risk_band"]["hoej"], "Høj risiko");
}

const HEATMAP: &str = r#"
    slug = "d"
    title = "D"
    [marts.mart_drift]
    dimensions = ["cohort_month", "feature_label"]
    count = "n"
    [[components]]
    kind = "heatmap"
    mart = "mart_drift"
    title = "PSI"
    where = { column = "model_version", equals = "v1" }
    x = { column = "cohort_month", label = "Kohorte", format = "month" }
    y = { column = "feature_label", label = "Kendetegn" }
    value = { column = "psi", label = "PSI", format = "decimal", decimals = 2 }
    thresholds = [0.1, 0.25]
    levels = ["lav", "mellem", "høj"]
"#;

#[test]
fn a_heat_map_with_its_row_filter_is_parsed() {
    let d = Dashboard::parse(HEATMAP).unwrap();
    let Component::Heatmap(h) = &d.components[0] else {
        panic!("not a heat map")
    };
    assert_eq!(h.thresholds, [0.1, 0.25]);
    let rows = d.components[0].rows().unwrap();
    assert_eq!(
        (rows.column.as_str(), rows.equals.as_str()),
        ("model_version", "v1")
    );
}

#[test]
fn a_heat_map_needs_one_level_more_than_thresholds_and_rising_thresholds() {
    let err = Dashboard::parse(&HEATMAP.replace(r#", "høj"]"#, "]"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("one level text more"), "{err}");
    let err = Dashboard::parse(&HEATMAP.replace("[0.1, 0.25]", "[0.25, 0.1]"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("must increase"), "{err}");
}

#[test]
fn survival_reliability_interval_and_document_components_are_parsed() {
    let text = r#"
        slug = "k"
        title = "K"
        notice = "Sammenhænge, ikke virkninger."
        [labels.risk_band]
        hoej = "Høj"
        [marts.mart_x]
        dimensions = ["month_after"]
        count = "n"
        [[components]]
        kind = "survival"
        mart = "mart_x"
        title = "Overlevelse"
        x = { column = "month_after", label = "Måned", format = "integer" }
        y_label = "Andel"
        y_format = "percent"
        series = [{ column = "s", label = "Lav", band = { low = "lo", high = "hi", label = "95 %" } }]
        [[components]]
        kind = "reliability"
        mart = "mart_x"
        title = "Pålidelighed"
        predicted = { column = "p", label = "Forudsagt", format = "percent" }
        observed = { column = "o", label = "Faktisk", format = "percent" }
        ci_low = "lo"
        ci_high = "hi"
        [[components]]
        kind = "interval"
        mart = "mart_x"
        title = "Grupper"
        label = { column = "grp", label = "Gruppe" }
        value = { column = "v", label = "Værdi", format = "percent" }
        ci_low = "lo"
        ci_high = "hi"
        flag = { column = "flagged", label = "Markeret" }
        [[components]]
        kind = "document"
        mart = "mart_x"
        title = "Modelkort"
        column = "markdown"
        folded = true
    "#;
    let d = Dashboard::parse(text).unwrap();
    assert!(matches!(d.components[0], Component::Survival(_)));
    assert!(matches!(d.components[1], Component::Reliability(_)));
    assert!(matches!(d.components[2], Component::Interval(_)));
    assert!(matches!(
        d.components[3],
        Component::Document(Document { folded: true, .. })
    ));
    assert_eq!(d.notice.as_deref(), Some("Sammenhænge, ikke virkninger."));
    assert_eq!(d.labels["risk_band"]["hoej"], "Høj");
}
