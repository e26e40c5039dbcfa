use super::*;

const MINIMAL: &str = r#"
    slug = "drift"
    title = "Drift"
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
    // The rule is the mart file's (sql/marts/mart_inflow.toml), not the page's.
    let rule = d.marts["mart_inflow"].rule();
    assert_eq!(rule.dimensions, ["month"]);
    assert!(rule.partial.contains(&("new_spells".to_string(), vec![])));
}

#[test]
fn a_page_that_declares_a_disclosure_rule_itself_is_refused() {
    let text = format!("{MINIMAL}\n[marts.mart_inflow]\ndimensions = [\"month\"]\n");
    assert!(matches!(Dashboard::parse(&text), Err(SpecError::Toml(_))));
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
fn a_component_naming_a_mart_that_does_not_exist_is_refused() {
    let text = MINIMAL.replace(r#"mart = "mart_inflow""#, r#"mart = "mart_other""#);
    let err = Dashboard::parse(&text).unwrap_err().to_string();
    assert!(err.contains("no such mart"), "{err}");
}

#[test]
fn every_page_file_in_the_repository_names_only_marts_that_exist() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/dashboards");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let d = Dashboard::parse(&std::fs::read_to_string(&path).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(!d.marts.is_empty(), "{}", path.display());
        }
    }
}

#[test]
fn a_mart_name_outside_the_mart_layer_is_refused() {
    let text = MINIMAL.replace("mart_inflow", "stg_interviews");
    assert!(Dashboard::parse(&text)
        .unwrap_err()
        .to_string()
        .contains("no such mart"));
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
    let d = Dashboard::parse_with(text, |_| Some(MartSpec::default())).unwrap();
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
