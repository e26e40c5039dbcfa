//! The person-months at risk of a programme start (sql/effects/effect_panel.sql),
//! read by column name, and the covariates the propensity and outcome models see.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use duckdb::{params, Connection};

use super::EffectsError;
use crate::store::query_table;
use crate::table::{Cell, Table};

const PANEL: &str = include_str!("../../sql/effects/effect_panel.sql");

/// One spell in one month t.
#[derive(Debug, Clone)]
pub struct PanelRow {
    pub spell_id: String,
    /// Position of the person in the panel (sorted by pseudonym): cluster and fold.
    pub person: u64,
    pub cohort_month: NaiveDate,
    pub month: NaiveDate,
    pub risk_band: String,
    pub target_group: String,
    /// The programme started in t, if any.
    pub programme_type: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub unemployed_12: Option<u32>,
    pub unemployed_lockin: Option<u32>,
    pub covariates: Vec<f64>,
}

fn column(t: &Table, name: &str) -> Result<usize, EffectsError> {
    t.column_index(name)
        .ok_or_else(|| EffectsError::Column(name.to_string()))
}

fn text(c: &Cell) -> Option<String> {
    match c {
        Cell::Text(s) => Some(s.clone()),
        Cell::Int(v) => Some(v.to_string()),
        _ => None,
    }
}

fn date(c: &Cell) -> Option<NaiveDate> {
    match c {
        Cell::Date(d) => Some(*d),
        _ => None,
    }
}

/// One-hot columns of a categorical value (the first level is the reference).
struct OneHot {
    levels: Vec<String>,
}

impl OneHot {
    fn of<'a>(values: impl Iterator<Item = &'a str>) -> OneHot {
        let set: BTreeSet<&str> = values.collect();
        OneHot {
            levels: set.into_iter().map(str::to_string).collect(),
        }
    }

    fn push(&self, v: &str, out: &mut Vec<f64>) {
        out.extend(
            self.levels[1.min(self.levels.len())..]
                .iter()
                .map(|l| f64::from(u8::from(l == v))),
        );
    }
}

/// Reads the panel of the latest `window_cohorts` mature cohorts, `months` months
/// at risk per spell, and builds the covariates: target group, risk band,
/// education, months since the 2nd interview, earlier programmes (0, 1, 2+) and
/// quarter as indicators; age, age², months employed of the last 36 and driving
/// licence as numbers.
pub fn load(
    conn: &Connection,
    window_cohorts: u32,
    months: u32,
) -> Result<Vec<PanelRow>, EffectsError> {
    let t = query_table(
        conn,
        PANEL,
        params![i64::from(window_cohorts), i64::from(months)],
    )?;
    let c = |n: &str| column(&t, n);
    let (spell, person, cohort, month) = (
        c("spell_id")?,
        c("person_id")?,
        c("cohort_month")?,
        c("month")?,
    );
    let (band, group, edu) = (c("risk_band")?, c("target_group")?, c("education")?);
    let (since, earlier, cal) = (
        c("months_since_cohort")?,
        c("earlier_programmes")?,
        c("calendar_month")?,
    );
    let (age, emp, licence) = (c("age")?, c("months_employed_36")?, c("driving_licence")?);
    let (kind, start, y12, ylock) = (
        c("programme_type")?,
        c("start_date")?,
        c("unemployed_12")?,
        c("unemployed_lockin")?,
    );
    let cat = |r: &Vec<Cell>, i: usize| text(&r[i]).unwrap_or_default();
    let quarter = |r: &Vec<Cell>| ((r[cal].as_i64().unwrap_or(1) - 1) / 3).to_string();
    let earlier_s = |r: &Vec<Cell>| r[earlier].as_i64().unwrap_or(0).min(2).to_string();
    let groups = OneHot::of(t.rows.iter().filter_map(|r| match &r[group] {
        Cell::Text(s) => Some(s.as_str()),
        _ => None,
    }));
    let bands = OneHot::of(t.rows.iter().filter_map(|r| match &r[band] {
        Cell::Text(s) => Some(s.as_str()),
        _ => None,
    }));
    let edus = OneHot::of(t.rows.iter().filter_map(|r| match &r[edu] {
        Cell::Text(s) => Some(s.as_str()),
        _ => None,
    }));
    let since_levels: Vec<String> = t.rows.iter().map(|r| cat(r, since)).collect();
    let sinces = OneHot::of(since_levels.iter().map(String::as_str));
    let earliers = OneHot::of(["0", "1", "2"].into_iter());
    let quarters = OneHot::of(["0", "1", "2", "3"].into_iter());
    let mut out = Vec::with_capacity(t.rows.len());
    let (mut last_person, mut person_no) = (None::<String>, 0u64);
    for r in &t.rows {
        let pid = cat(r, person);
        if last_person.as_deref() != Some(pid.as_str()) {
            if last_person.is_some() {
                person_no += 1;
            }
            last_person = Some(pid);
        }
        let (Some(cohort_month), Some(m)) = (date(&r[cohort]), date(&r[month])) else {
            return Err(EffectsError::Column("month".into()));
        };
        let a = r[age].as_f64().unwrap_or(0.0);
        let mut x = Vec::with_capacity(32);
        groups.push(&cat(r, group), &mut x);
        bands.push(&cat(r, band), &mut x);
        edus.push(&cat(r, edu), &mut x);
        sinces.push(&cat(r, since), &mut x);
        earliers.push(&earlier_s(r), &mut x);
        quarters.push(&quarter(r), &mut x);
        x.extend([
            a,
            a * a / 100.0,
            r[emp].as_f64().unwrap_or(0.0),
            r[licence].as_f64().unwrap_or(0.0),
        ]);
        out.push(PanelRow {
            spell_id: cat(r, spell),
            person: person_no,
            cohort_month,
            month: m,
            risk_band: cat(r, band),
            target_group: cat(r, group),
            programme_type: text(&r[kind]),
            start_date: date(&r[start]),
            unemployed_12: r[y12].as_i64().map(|v| v as u32),
            unemployed_lockin: r[ylock].as_i64().map(|v| v as u32),
            covariates: x,
        });
    }
    Ok(out)
}
