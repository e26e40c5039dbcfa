//! The top of a page (#20): "data til og med", a KPI's change since the month before
//! and a year before, an accuracy said in words at the stated threshold, and a
//! table's links to the pages the viewer may open.

use chrono::NaiveDate;

use super::*;
use crate::dashboard::Extras;
use crate::present::messages::DA;

fn ym(y: i32, m: u32) -> Cell {
    Cell::Date(NaiveDate::from_ymd_opt(y, m, 1).unwrap())
}

/// Three months: a year before, the month before and the newest; a count, a share
/// with its interval, a guess, and a page slug per row.
fn months() -> Table {
    use Cell::{Float as F, Int as I, Text as T};
    Table {
        columns: ["month", "count", "share", "lo", "hi", "guess", "page"]
            .map(String::from)
            .to_vec(),
        rows: vec![
            vec![
                ym(2023, 3),
                I(100),
                F(0.50),
                F(0.44),
                F(0.56),
                F(0.55),
                T("a".into()),
            ],
            vec![
                ym(2024, 2),
                I(120),
                F(0.612),
                F(0.55),
                F(0.67),
                F(0.58),
                T("b".into()),
            ],
            vec![
                ym(2024, 3),
                I(130),
                F(0.664),
                F(0.601),
                F(0.72),
                F(0.587),
                T("../x".into()),
            ],
        ],
    }
}

fn view(components: &str, extras: &Extras, table: Table) -> PageView {
    let d = Dashboard::parse_with(
        &format!(
            "slug = \"t\"\ntitle = \"T\"\nas_of = {{ mart = \"mart_m\", column = \"month\" }}\n{components}"
        ),
        |_| Some(Default::default()),
    )
    .unwrap();
    page(
        &d,
        &BTreeMap::from([("mart_m".to_string(), table)]),
        5,
        extras,
        &DA,
    )
    .unwrap()
}

fn kpi(v: &PageView) -> &KpiView {
    match &v.components[0] {
        ComponentView::Kpi(k) => k,
        other => panic!("not a kpi: {other:?}"),
    }
}

const COUNT: &str = r#"
[[components]]
kind = "kpi"
mart = "mart_m"
label = "Tilgang"
column = "count"
format = "integer"
compare = "month"
"#;

const SHARE: &str = r#"
[[components]]
kind = "kpi"
mart = "mart_m"
label = "Træfsikkerhed"
column = "share"
format = "percent"
ci_low = "lo"
ci_high = "hi"
compare = "month"
in_words = "guess"
"#;

#[test]
fn the_page_says_how_recent_its_data_are() {
    let v = view(COUNT, &Extras::default(), months());
    assert_eq!(v.as_of.as_ref().unwrap().text, "marts 2024");
}

#[test]
fn a_count_shows_its_change_since_the_month_before_and_a_year_before() {
    let v = view(COUNT, &Extras::default(), months());
    let c = &kpi(&v).changes;
    assert_eq!(c.len(), 2);
    assert_eq!(c[0].delta.as_ref().unwrap().text, "+10");
    assert_eq!(c[0].since, "siden februar 2024");
    assert_eq!(c[0].then.text, "120");
    assert_eq!(c[1].delta.as_ref().unwrap().text, "+30");
    assert_eq!(c[1].since, "siden marts 2023");
    assert_eq!(c[1].then.text, "100");
}

#[test]
fn a_share_changes_in_percentage_points_beside_the_earlier_interval() {
    let v = view(SHARE, &Extras::default(), months());
    let c = &kpi(&v).changes;
    assert_eq!(c[0].delta.as_ref().unwrap().text, "+5,2 procentpoint");
    assert_eq!(c[1].delta.as_ref().unwrap().text, "+16,4 procentpoint");
    let (lo, hi) = c[1].then_interval.as_ref().unwrap();
    assert_eq!((lo.text.as_str(), hi.text.as_str()), ("44,0 %", "56,0 %"));
}

#[test]
fn a_month_without_a_row_or_with_a_hidden_value_gives_no_change() {
    let mut t = months();
    t.rows.remove(0); // no row a year before
    t.rows[0][1] = Cell::Suppressed; // the month before under k
    let v = view(COUNT, &Extras::default(), t);
    let c = &kpi(&v).changes;
    let hidden = c[0].delta.as_ref().unwrap();
    assert_eq!(
        (hidden.text.as_str(), hidden.state),
        ("kan ikke beregnes", "unknown")
    );
    assert_eq!(c[0].then.state, "suppressed");
    assert!(c[1].delta.is_none());
    assert_eq!(c[1].since, "ingen tal for marts 2023 at sammenligne med");
}

#[test]
fn a_decrease_has_a_minus_sign_and_no_change_a_plus_minus() {
    let mut t = months();
    t.rows[2][1] = Cell::Int(95);
    t.rows[1][1] = Cell::Int(95);
    let v = view(COUNT, &Extras::default(), t);
    let c = &kpi(&v).changes;
    assert_eq!(c[0].delta.as_ref().unwrap().text, "±0");
    assert_eq!(c[1].delta.as_ref().unwrap().text, "−5");
}

#[test]
fn an_accuracy_is_said_in_words_beside_the_guess_at_the_stated_threshold() {
    let extras = Extras {
        high_from: Some(0.6),
        ..Default::default()
    };
    let v = view(SHARE, &extras, months());
    assert_eq!(
        kpi(&v).words.as_deref(),
        Some("Ud af 100 borgere vurderer modellen 66 rigtigt (95 %-interval: 60 til 72); et gæt på det mest almindelige udfald rammer 59.")
    );
    assert_eq!(
        kpi(&v).threshold.as_deref(),
        Some("Modellen vurderer en borger til høj risiko, når den forudsagte sandsynlighed for stadig at være ledig efter 12 måneder er mindst 60 %. Træfsikkerheden måles ved den grænse.")
    );
    // A figure that is not an accuracy in words states no threshold.
    assert!(kpi(&view(COUNT, &extras, months())).threshold.is_none());
}

#[test]
fn in_words_is_for_a_share_only() {
    let err = Dashboard::parse_with(
        &format!(
            "slug = \"t\"\ntitle = \"T\"\n{}",
            COUNT.replace("compare", "in_words = \"guess\"\ncompare")
        ),
        |_| Some(Default::default()),
    )
    .unwrap_err();
    assert!(err.to_string().contains("in_words is for a share"), "{err}");
}

const LINKED: &str = r#"
[[components]]
kind = "table"
mart = "mart_m"
title = "Advarsler"
link = "page"
columns = [{ column = "count", label = "Antal", format = "integer" }]
"#;

#[test]
fn a_table_links_only_to_pages_the_viewer_may_open() {
    let links = |pages: Option<Vec<String>>| {
        let extras = Extras {
            pages,
            ..Default::default()
        };
        match &view(LINKED, &extras, months()).components[0] {
            ComponentView::Table { table, .. } => table.links.clone(),
            other => panic!("not a table: {other:?}"),
        }
    };
    // Any page: both slugs link, the value that is no slug does not.
    assert_eq!(
        links(None),
        [Some("/d/a".to_string()), Some("/d/b".to_string()), None]
    );
    // A role that may open page b only.
    assert_eq!(
        links(Some(vec!["b".into()])),
        [None, Some("/d/b".to_string()), None]
    );
}
