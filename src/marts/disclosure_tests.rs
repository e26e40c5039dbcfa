//! The SQL of `mart_cohort_groups` against the Rust cell keys: the mart must compute
//! the same record keys and subset keys as `ckey`, or the noise would not be the
//! documented one. Runs the embedded SQL file on hand-made feature tables in memory.

use chrono::NaiveDate;
use duckdb::Connection;

use crate::disclosure::ckey::{record_keys, subset_key};
use crate::store::{self, query_table};
use crate::table::Cell;

struct Spell {
    spell: &'static str,
    person: &'static str,
    group: &'static str,
    age: i32,
    district: &'static str,
    probability: Option<f64>,
    label: Option<i32>,
}

const SPELLS: &[Spell] = &[
    Spell {
        spell: "s1",
        person: "p1",
        group: "dagpenge",
        age: 25,
        district: "Vestby",
        probability: Some(0.8),
        label: Some(1),
    },
    Spell {
        spell: "s2",
        person: "p2",
        group: "dagpenge",
        age: 41,
        district: "Vestby",
        probability: Some(0.3),
        label: Some(0),
    },
    Spell {
        spell: "s3",
        person: "p3",
        group: "uddannelseshjaelp",
        age: 22,
        district: "Midtby",
        probability: None,
        label: Some(1),
    },
    Spell {
        spell: "s4",
        person: "p4",
        group: "dagpenge",
        age: 58,
        district: "Midtby",
        probability: Some(0.6),
        label: None,
    },
    Spell {
        spell: "s5",
        person: "p1",
        group: "dagpenge",
        age: 50,
        district: "Vestby",
        probability: Some(0.1),
        label: Some(1),
    },
];

fn setup() -> Connection {
    let c = Connection::open_in_memory().unwrap();
    // The store creates the vocabulary's macros (the age band) when it opens.
    crate::vocabulary::create_macros(&c).unwrap();
    c.execute_batch(
        "create table feat_cohort (spell_id varchar, person_id varchar, cohort_month date, target_group varchar);
         create table feat_features (spell_id varchar, age integer, district varchar);
         create table model_scores (spell_id varchar, probability double, risk_band varchar, scored_in_run varchar, model_version varchar);
         create table feat_labels (spell_id varchar, mature boolean, label integer);",
    )
    .unwrap();
    let month = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    for s in SPELLS {
        c.execute(
            "insert into feat_cohort values (?, ?, ?, ?)",
            duckdb::params![s.spell, s.person, store::date_value(month), s.group],
        )
        .unwrap();
        c.execute(
            "insert into feat_features values (?, ?, ?)",
            duckdb::params![s.spell, s.age, s.district],
        )
        .unwrap();
        if let Some(p) = s.probability {
            let band = if p > 0.5 { "hoej" } else { "lav" };
            c.execute(
                "insert into model_scores values (?, ?, ?, 'r1', 'v1')",
                duckdb::params![s.spell, p, band],
            )
            .unwrap();
        }
        c.execute(
            "insert into feat_labels values (?, true, ?)",
            duckdb::params![s.spell, s.label],
        )
        .unwrap();
    }
    store::run_mart(&c, "mart_cohort_groups").unwrap();
    c
}

#[test]
fn the_mart_computes_the_documented_counts_and_cell_keys() {
    let c = setup();
    let t = query_table(&c, "select * from mart_cohort_groups", []).unwrap();
    let col = |name: &str| t.column_index(name).unwrap();
    let row = |dim: &str, grp: &str| {
        t.rows
            .iter()
            .find(|r| {
                r[col("dimension")] == Cell::Text(dim.into())
                    && r[col("grp")] == Cell::Text(grp.into())
            })
            .unwrap_or_else(|| panic!("no row {dim}/{grp}"))
    };
    let check = |dim: &str, grp: &str, members: Vec<&Spell>| {
        let r = row(dim, grp);
        let keys: Vec<([u8; 4], &Spell)> = members
            .iter()
            .map(|s| (record_keys(s.person, s.spell), *s))
            .collect();
        let key = |f: &dyn Fn(&Spell) -> bool, sum: bool| {
            Cell::Int(i64::from(subset_key(
                keys.iter().map(|(k, s)| (k, f(s))),
                sum,
            )))
        };
        let count =
            |f: &dyn Fn(&Spell) -> bool| Cell::Int(members.iter().filter(|s| f(s)).count() as i64);
        let scored = |s: &Spell| s.probability.is_some();
        let high = |s: &Spell| s.probability.is_some_and(|p| p > 0.5);
        let labelled = |s: &Spell| s.label.is_some();
        let unemployed = |s: &Spell| s.label == Some(1);
        assert_eq!(r[col("n")], count(&|_| true), "{grp}");
        assert_eq!(r[col("n_ckey")], key(&|_| true, false), "{grp}");
        assert_eq!(r[col("n_scored")], count(&scored));
        assert_eq!(r[col("n_scored_ckey")], key(&scored, false));
        assert_eq!(r[col("n_high")], count(&high));
        assert_eq!(r[col("n_high_ckey")], key(&high, false));
        assert_eq!(r[col("sum_predicted_ckey")], key(&scored, true));
        assert_eq!(r[col("n_labelled")], count(&labelled));
        assert_eq!(r[col("n_labelled_ckey")], key(&labelled, false));
        assert_eq!(r[col("n_unemployed")], count(&unemployed));
        assert_eq!(r[col("n_unemployed_ckey")], key(&unemployed, false));
        let sum: f64 = members.iter().filter_map(|s| s.probability).sum();
        assert!((r[col("sum_predicted")].as_f64().unwrap() - sum).abs() < 1e-12);
    };
    check("alle", "alle", SPELLS.iter().collect());
    check(
        "distrikt",
        "Vestby",
        SPELLS.iter().filter(|s| s.district == "Vestby").collect(),
    );
    check(
        "maalgruppe",
        "dagpenge",
        SPELLS.iter().filter(|s| s.group == "dagpenge").collect(),
    );
    check(
        "aldersgruppe",
        "under_30",
        SPELLS.iter().filter(|s| s.age < 30).collect(),
    );
    check(
        "aldersgruppe",
        "55_plus",
        SPELLS.iter().filter(|s| s.age >= 55).collect(),
    );
    // Every breakdown partitions the total.
    for dim in ["maalgruppe", "aldersgruppe", "distrikt"] {
        let n: i64 = t
            .rows
            .iter()
            .filter(|r| r[col("dimension")] == Cell::Text(dim.into()))
            .map(|r| r[col("n")].as_i64().unwrap())
            .sum();
        assert_eq!(n, SPELLS.len() as i64, "{dim}");
    }
}
