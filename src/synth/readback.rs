//! Test helper: reads a generated delivery back from disk the way a loader would
//! (later deliveries of a key replace earlier ones), so tests check the files,
//! not the generator's internal state.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::{Datelike, Months, NaiveDate};

use super::{generate, SynthConfig, SynthSummary};
use crate::extracts::{self, Extract, DATE_FORMAT};

/// The test configuration: small enough to run in a few seconds.
pub(crate) fn small(seed: u64) -> SynthConfig {
    SynthConfig {
        seed,
        years: 3,
        population: 20_000,
        ..SynthConfig::default()
    }
}

/// Generates into a fresh temporary directory that lives as long as the test run.
pub(crate) fn generated(cfg: &SynthConfig) -> (tempfile::TempDir, SynthSummary) {
    let dir = tempfile::tempdir().unwrap();
    let summary = generate(cfg, dir.path()).unwrap();
    (dir, summary)
}

/// The small default delivery, generated once and shared by the tests.
pub(crate) fn base() -> &'static Path {
    static BASE: OnceLock<tempfile::TempDir> = OnceLock::new();
    BASE.get_or_init(|| generated(&small(42)).0).path()
}

/// One file's rows in contract column order, tagged with the batch index.
pub(crate) struct Rows {
    pub rows: Vec<(usize, Vec<String>)>,
}

pub(crate) fn parse_date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, DATE_FORMAT).unwrap_or_else(|e| panic!("bad date {s:?}: {e}"))
}

/// The month folders of a delivery, in order.
pub(crate) fn month_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    dirs
}

/// All rows of one extract over all batches, in delivery order.
pub(crate) fn read_extract(dir: &Path, e: &Extract) -> Rows {
    let mut rows = Vec::new();
    for (b, month) in month_dirs(dir).iter().enumerate() {
        let mut r = csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_path(month.join(e.file))
            .unwrap();
        // Rows are indexed by position, so the header must be the contract's.
        assert_eq!(
            r.headers().unwrap().iter().collect::<Vec<_>>(),
            e.header(),
            "{month:?} {}",
            e.file
        );
        for rec in r.records() {
            rows.push((b, rec.unwrap().iter().map(String::from).collect()));
        }
    }
    Rows { rows }
}

/// A spell with a 2nd interview whose 12-month outcome lies within the horizon.
#[derive(Debug)]
pub(crate) struct Case {
    pub group: String,
    pub age: i32,
    pub edu: usize,
    pub emp_months: u32,
    pub district: String,
    /// Month of the 2nd interview.
    pub cohort: NaiveDate,
    pub unemployed: bool,
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap()
}

/// Birth year implied by YY and the 7th digit, `None` if no century fits.
pub(crate) fn cpr_birth_year(yy: u32, digit7: u32) -> Option<i32> {
    let yy = yy as i32;
    match digit7 {
        0..=3 => Some(1900 + yy),
        4 | 9 => Some(if yy <= 36 { 2000 + yy } else { 1900 + yy }),
        5..=8 => Some(if yy <= 57 { 2000 + yy } else { 1800 + yy }),
        _ => None,
    }
}

/// Birth date from a CPR number, via the century rule.
pub(crate) fn cpr_birth(cpr: &str) -> NaiveDate {
    let num = |a: usize, b: usize| cpr[a..b].parse::<u32>().unwrap();
    let year = cpr_birth_year(num(4, 6), num(7, 8)).expect("century");
    NaiveDate::from_ymd_opt(year, num(2, 4), num(0, 2)).expect("valid birth date")
}

/// The outcome cases of a delivery, computed only from the files.
pub(crate) fn cases(dir: &Path) -> Vec<Case> {
    cases_and_unknown(dir).0
}

/// The cases with a known outcome, and how many 2nd-interview spells with an
/// outcome month in the deliveries have an unknown one (censored).
pub(crate) fn cases_and_unknown(dir: &Path) -> (Vec<Case>, usize) {
    let mut unknown = 0;
    let spells = read_extract(dir, &extracts::SPELLS);
    let interviews = read_extract(dir, &extracts::INTERVIEWS);
    let cvs = read_extract(dir, &extracts::CVS);
    let citizens = read_extract(dir, &extracts::CITIZENS);
    let status = read_extract(dir, &extracts::STATUS);
    let last_month = *status
        .rows
        .iter()
        .map(|(_, r)| parse_date(&r[1]))
        .collect::<Vec<_>>()
        .iter()
        .max()
        .unwrap();
    let status: BTreeMap<(String, NaiveDate), String> = status
        .rows
        .into_iter()
        .map(|(_, r)| ((r[0].clone(), parse_date(&r[1])), r[2].clone()))
        .collect();
    let district: BTreeMap<String, String> = citizens
        .rows
        .into_iter()
        .map(|(_, r)| (r[0].clone(), r[2].clone()))
        .collect();
    // Later deliveries of the same forloeb_id replace earlier ones.
    let spell: BTreeMap<String, Vec<String>> = spells
        .rows
        .into_iter()
        .map(|(_, r)| (r[0].clone(), r))
        .collect();
    let mut cv_by_cpr: BTreeMap<String, Vec<(NaiveDate, usize)>> = BTreeMap::new();
    for (_, r) in &cvs.rows {
        let edu = extracts::EDUCATION_LEVELS
            .iter()
            .position(|e| *e == r[2])
            .unwrap();
        cv_by_cpr
            .entry(r[0].clone())
            .or_default()
            .push((parse_date(&r[1]), edu));
    }
    let mut out = Vec::new();
    for (_, r) in interviews.rows.iter().filter(|(_, r)| r[4] == "2") {
        let s = &spell[&r[1]];
        let (cpr, second) = (&s[1], parse_date(&r[3]));
        let cohort = first_of_month(second);
        let outcome_month = cohort.checked_add_months(Months::new(12)).unwrap();
        if outcome_month > last_month {
            continue;
        }
        let start = parse_date(&s[3]);
        let start_month = first_of_month(start);
        let emp_months = (1..=36)
            .filter(|k| {
                let m = start_month.checked_sub_months(Months::new(*k)).unwrap();
                status
                    .get(&(cpr.clone(), m))
                    .is_some_and(|s| s == "beskaeftiget")
            })
            .count() as u32;
        let edu = cv_by_cpr[cpr]
            .iter()
            .rev()
            .find(|(d, _)| *d <= second)
            .map(|c| c.1)
            .expect("CV before 2nd interview");
        let st = &status[&(cpr.clone(), outcome_month)];
        // An outcome not observed (moved out, died, a register gap) is unknown:
        // the case has no label, as in feat_labels.
        if extracts::UNOBSERVED_STATUSES.contains(&st.as_str()) {
            unknown += 1;
            continue;
        }
        out.push(Case {
            group: s[2].clone(),
            age: super::calendar::age_at(cpr_birth(cpr), start),
            edu,
            emp_months,
            district: district[cpr].clone(),
            cohort,
            unemployed: st != "beskaeftiget" && st != "uddannelse",
        });
    }
    (out, unknown)
}

/// Share still unemployed among the cases that pass `keep`, and their number.
pub(crate) fn rate(cases: &[Case], keep: impl Fn(&Case) -> bool) -> (f64, usize) {
    let kept: Vec<&Case> = cases.iter().filter(|c| keep(c)).collect();
    let n = kept.len();
    let u = kept.iter().filter(|c| c.unemployed).count();
    (
        if n == 0 {
            f64::NAN
        } else {
            u as f64 / n as f64
        },
        n,
    )
}
