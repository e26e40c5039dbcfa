//! Attacks through the router: what a logged-in reader can get from the filtered page
//! and its CSV exports, against a fake `mart_cohort_groups` built from persons with
//! cell keys as the SQL builds it.

use chrono::NaiveDate;

use super::fake::fake_marts;
use super::*;
use crate::disclosure::ckey::{record_keys, subset_key};
use crate::table::{Cell, Table};

/// (district, age band, unemployed) of each person of one cohort month.
type Person = (&'static str, &'static str, bool, [u8; 4]);

fn people(month: u32, districts: &[(&'static str, usize)]) -> Vec<Person> {
    let mut out = Vec::new();
    for (d, n) in districts {
        for i in 0..*n {
            let age = if i % 3 == 0 { "under_30" } else { "30_44" };
            let keys = record_keys(&format!("{month}-{d}-{i}"), "forloeb");
            out.push((*d, age, i % 5 < 2, keys));
        }
    }
    out
}

/// Rows of mart_cohort_groups for one month, with cell keys, as the SQL makes them.
fn rows(month: u32, persons: &[Person]) -> Vec<Vec<Cell>> {
    let date = Cell::Date(NaiveDate::from_ymd_opt(2024, month, 1).unwrap());
    let mut groups: Vec<(&str, &str, Vec<&Person>)> =
        vec![("alle", "alle", persons.iter().collect())];
    let mut districts: Vec<&str> = persons.iter().map(|p| p.0).collect();
    districts.dedup();
    for d in districts {
        groups.push(("distrikt", d, persons.iter().filter(|p| p.0 == d).collect()));
    }
    for a in ["under_30", "30_44"] {
        groups.push((
            "aldersgruppe",
            a,
            persons.iter().filter(|p| p.1 == a).collect(),
        ));
    }
    groups
        .into_iter()
        .map(|(dim, grp, members)| {
            let n = members.len() as i64;
            let e = members.iter().filter(|p| p.2).count() as i64;
            let key = |f: &dyn Fn(&Person) -> bool, sum: bool| {
                i64::from(subset_key(members.iter().map(|p| (&p.3, f(p))), sum))
            };
            vec![
                date.clone(),
                Cell::Text(dim.into()),
                Cell::Text(grp.into()),
                Cell::Int(1),
                Cell::Int(n),
                Cell::Int(key(&|_| true, false)),
                Cell::Int(n),
                Cell::Int(key(&|_| true, false)),
                Cell::Int(e),
                Cell::Int(key(&|p| p.2, false)),
                Cell::Float(0.4 * n as f64),
                Cell::Int(key(&|_| true, true)),
                Cell::Int(n),
                Cell::Int(key(&|_| true, false)),
                Cell::Int(e),
                Cell::Int(key(&|p| p.2, false)),
            ]
        })
        .collect()
}

/// Month 1: four districts, Lille with 3. Month 2: Stor holds all but Lille's 3.
fn groups_mart() -> Table {
    let mut all = rows(
        1,
        &people(
            1,
            &[
                ("Midtby", 50),
                ("Vestby", 40),
                ("Østerhøj", 27),
                ("Lille", 3),
            ],
        ),
    );
    all.extend(rows(2, &people(2, &[("Stor", 100), ("Lille", 3)])));
    Table {
        columns: [
            "cohort_month",
            "dimension",
            "grp",
            "mature",
            "n",
            "n_ckey",
            "n_scored",
            "n_scored_ckey",
            "n_high",
            "n_high_ckey",
            "sum_predicted",
            "sum_predicted_ckey",
            "n_labelled",
            "n_labelled_ckey",
            "n_unemployed",
            "n_unemployed_ckey",
        ]
        .map(String::from)
        .to_vec(),
        rows: all,
    }
}

fn source() -> Arc<dyn MartSource> {
    let mut marts = fake_marts();
    marts
        .tables
        .insert("mart_cohort_groups".into(), groups_mart());
    Arc::new(marts)
}

/// The "Personer" column of the page's table export, per cohort month.
async fn persons_csv(query: &str) -> (StatusCode, Vec<(String, String)>) {
    let (status, headers, body) =
        get(app(source()), &format!("/d/grupper/eksport/3.csv{query}")).await;
    if status != StatusCode::OK {
        return (status, Vec::new());
    }
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let mut lines = body.trim_start_matches('\u{feff}').lines();
    let head: Vec<&str> = lines.next().unwrap().split(';').collect();
    assert_eq!(head[..2], ["Kohorte", "Personer"]);
    let rows = lines
        .map(|l| {
            let c: Vec<&str> = l.split(';').collect();
            (c[0].to_string(), c[1].to_string())
        })
        .collect();
    (status, rows)
}

fn number(s: &str) -> Option<i64> {
    s.replace('.', "").parse().ok()
}

#[tokio::test]
async fn a_district_under_k_is_not_offered_and_asking_for_it_gives_a_danish_400() {
    let (status, _, body) = get(app(source()), "/d/grupper").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("value=\"distrikt:Vestby\""));
    assert!(
        !body.contains("distrikt:Lille"),
        "a district under k is offered"
    );
    for bad in [
        "/d/grupper?gruppe=distrikt:Lille",
        "/d/grupper?gruppe=distrikt:Vestby&gruppe=aldersgruppe:under_30",
        "/d/grupper?distrikt=Vestby",
        "/d/grupper?periode=1999",
        "/d/grupper/eksport/3.csv?gruppe=distrikt:Lille",
    ] {
        let (status, _, body) = get(app(source()), bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(body.contains("Filteret kan ikke bruges"), "{bad}");
    }
}

#[tokio::test]
async fn the_total_minus_the_visible_districts_never_isolates_one_hidden_district() {
    let (_, _, page) = get(app(source()), "/d/grupper").await;
    let (_, total) = persons_csv("").await;
    let offered: Vec<&str> = ["Midtby", "Vestby", "Østerhøj", "Lille", "Stor"]
        .into_iter()
        .filter(|d| page.contains(&format!("value=\"distrikt:{d}\"")))
        .collect();
    assert!(!offered.contains(&"Lille"));
    for (month, all) in &total {
        assert!(number(all).is_some(), "{month}: the total is shown");
        let districts_that_month = if month.starts_with("jan") { 4 } else { 2 };
        let mut visible = 0;
        for d in &offered {
            let (_, rows) = persons_csv(&format!("?gruppe=distrikt%3A{d}")).await;
            if rows.iter().any(|(m, n)| m == month && number(n).is_some()) {
                visible += 1;
            }
        }
        // A district not offered, or shown as "–", is hidden from the attacker.
        let hidden = districts_that_month - visible;
        assert!(
            hidden == 0 || hidden >= 2,
            "{month}: exactly one district hidden"
        );
        assert!(
            hidden >= 2,
            "{month}: Lille (3 persons) must have a hidden partner"
        );
    }
}

#[tokio::test]
async fn two_overlapping_filters_do_not_give_the_few_between_them() {
    // February: "alle" = Stor + Lille(3). Stor is hidden so that alle - Stor is unknown.
    let (_, all) = persons_csv("").await;
    let feb_all = all.iter().find(|(m, _)| m.starts_with("feb")).unwrap();
    assert!(number(&feb_all.1).is_some(), "the February total is shown");
    // Stor's only row is hidden, so Stor is not even offered, page or export.
    let (status, stor) = persons_csv("?gruppe=distrikt%3AStor").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(stor.is_empty());
    let (_, _, page) = get(app(source()), "/d/grupper").await;
    assert!(!page.contains("distrikt:Stor"));
}

#[tokio::test]
async fn the_export_shows_what_the_page_shows() {
    let query = "?gruppe=aldersgruppe%3Aunder_30&periode=2024";
    let (_, _, page) = get(app(source()), &format!("/d/grupper{query}")).await;
    let (status, rows) = persons_csv(query).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rows.len(), 2);
    for (month, n) in rows {
        let cell = format!("<th scope=\"row\">{month}</th><td class=\"num\">{n}</td>");
        assert!(page.contains(&cell), "page lacks {cell}");
    }
    assert!(page.contains(&format!(
        "/d/grupper/eksport/3.xlsx{}",
        query.replace('&', "&amp;")
    )));
    let app = app(source());
    let request = Request::get(format!("/d/grupper/eksport/3.xlsx{query}"))
        .header(header::COOKIE, &app.cookie)
        .body(Body::empty())
        .unwrap();
    let response = app.router.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .contains("grupper-3.xlsx"));
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    assert_eq!(&bytes[..2], b"PK");
}

#[tokio::test]
async fn a_charts_data_table_exports_and_a_kpi_does_not() {
    let (status, _, body) = get(app(source()), "/d/grupper/eksport/2.csv").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.starts_with("\u{feff}Kohorte (måned for 2. samtale);Forudsagt;Faktisk"));
    let (status, _, _) = get(app(source()), "/d/grupper/eksport/1.csv").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = get(app(source()), "/d/grupper/eksport/9.csv").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
