//! Tests of the generator, all checking the written files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::{Datelike, Months, NaiveDate};

use super::readback::{cases, cpr_birth, month_dirs, parse_date, rate, read_extract, Case};
use super::*;
use crate::extracts::{self, ColumnType};

fn small(seed: u64) -> SynthConfig {
    SynthConfig { seed, years: 3, population: 20_000, ..SynthConfig::default() }
}

/// Generates into a fresh temporary directory that lives as long as the test run.
fn generated(cfg: &SynthConfig) -> (tempfile::TempDir, SynthSummary) {
    let dir = tempfile::tempdir().unwrap();
    let summary = generate(cfg, dir.path()).unwrap();
    (dir, summary)
}

/// The small default delivery, generated once and shared by the tests.
fn base() -> &'static Path {
    static BASE: OnceLock<tempfile::TempDir> = OnceLock::new();
    BASE.get_or_init(|| generated(&small(42)).0).path()
}

fn all_files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    for m in month_dirs(dir) {
        for e in extracts::ALL {
            let p = m.join(e.file);
            out.insert(p.strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(&p).unwrap());
        }
    }
    out
}

#[test]
fn the_same_seed_gives_identical_bytes_and_another_seed_different_files() {
    let (a, sa) = generated(&small(7));
    let (b, sb) = generated(&small(7));
    let (c, _) = generated(&small(8));
    let (fa, fb, fc) = (all_files(a.path()), all_files(b.path()), all_files(c.path()));
    assert_eq!(sa, sb);
    assert_eq!(fa.len(), 36 * 6);
    assert_eq!(fa, fb);
    assert_eq!(fa.keys().collect::<Vec<_>>(), fc.keys().collect::<Vec<_>>());
    let differing = fa.iter().filter(|(k, v)| fc[*k] != **v).count();
    assert!(differing > 150, "only {differing} files differ between seeds");
}

#[test]
fn every_month_has_six_files_with_bom_crlf_and_the_exact_header() {
    let dirs = month_dirs(base());
    assert_eq!(dirs.len(), 36);
    assert_eq!(dirs[0].file_name().unwrap(), "2019-01");
    assert_eq!(dirs[35].file_name().unwrap(), "2021-12");
    for m in &dirs {
        for e in extracts::ALL {
            let bytes = std::fs::read(m.join(e.file)).unwrap();
            assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "{m:?} {} lacks BOM", e.file);
            let text = std::str::from_utf8(&bytes[3..]).unwrap();
            assert!(text.ends_with("\r\n"));
            assert_eq!(text.matches('\n').count(), text.matches("\r\n").count(), "bare LF in {}", e.file);
            let header = text.split("\r\n").next().unwrap();
            assert_eq!(header, e.header().join(";"), "{}", e.file);
        }
    }
}

/// Checks one value against its column type.
fn check_value(ty: ColumnType, v: &str) {
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    match ty {
        ColumnType::Cpr => assert!(v.len() == 11 && &v[6..7] == "-" && digits(&v[..6]) && digits(&v[7..]), "{v}"),
        ColumnType::Integer => assert!(v.parse::<i64>().is_ok(), "{v}"),
        ColumnType::Decimal => {
            assert!(!v.contains('.'), "decimal point in {v}");
            assert!(v.replace(',', ".").parse::<f64>().is_ok(), "{v}");
        }
        ColumnType::Date => drop(parse_date(v)),
        ColumnType::Month => assert_eq!(parse_date(v).day(), 1, "{v}"),
        ColumnType::Code(list) => assert!(list.contains(&v), "{v} not in {list:?}"),
        ColumnType::PostalCode => assert!(v.len() == 4 && digits(v), "{v}"),
        ColumnType::Disco => assert!((4..=6).contains(&v.len()) && digits(v) && &v[..1] != "0", "{v}"),
        ColumnType::YesNo => assert!(v == "ja" || v == "nej", "{v}"),
        ColumnType::Text => assert!(!v.is_empty()),
    }
}

#[test]
fn every_value_fits_its_column_type_and_nulls_only_where_allowed() {
    for e in extracts::ALL {
        let rows = read_extract(base(), e);
        assert!(!rows.rows.is_empty(), "{} is empty", e.file);
        for (_, r) in &rows.rows {
            for (c, v) in e.columns.iter().zip(r) {
                if v.is_empty() {
                    assert!(c.nullable, "{}.{} is empty", e.file, c.name);
                } else {
                    check_value(c.ty, v);
                }
            }
        }
    }
}

#[test]
fn every_cpr_is_valid_for_the_century_rule_and_unique() {
    let citizens = read_extract(base(), &extracts::CITIZENS);
    let mut seen = BTreeSet::new();
    for (b, r) in &citizens.rows {
        let cpr = &r[0];
        assert!(seen.insert(cpr.clone()), "duplicate {cpr}");
        let birth = cpr_birth(cpr);
        // Citizens are 18-66 at first contact, which lies in batch b.
        let month = NaiveDate::from_ymd_opt(2019, 1, 1).unwrap().checked_add_months(Months::new(*b as u32)).unwrap();
        let age = calendar::age_at(birth, month);
        assert!((17..=66).contains(&age), "{cpr} is {age} in {month}");
    }
    assert!(seen.len() > 1000);
    let men = seen.iter().filter(|c| c.as_bytes()[10] % 2 == 1).count() as f64 / seen.len() as f64;
    assert!((0.45..0.60).contains(&men), "share of men {men}");
}

#[test]
fn no_date_lies_after_its_months_end_except_planned_programme_ends() {
    for (b, month) in month_dirs(base()).iter().enumerate() {
        let first = NaiveDate::from_ymd_opt(2019, 1, 1).unwrap().checked_add_months(Months::new(b as u32)).unwrap();
        let end = first.checked_add_months(Months::new(1)).unwrap().pred_opt().unwrap();
        for e in extracts::ALL {
            let mut r = csv::ReaderBuilder::new().delimiter(b';').from_path(month.join(e.file)).unwrap();
            for rec in r.records() {
                let rec = rec.unwrap();
                for (c, v) in e.columns.iter().zip(rec.iter()) {
                    let dated = matches!(c.ty, ColumnType::Date | ColumnType::Month) && !v.is_empty();
                    let planned_end = e.file == extracts::PROGRAMMES.file && c.name == "slutdato";
                    if dated && !planned_end {
                        assert!(parse_date(v) <= end, "{} {} {v} after {end}", e.file, c.name);
                    }
                }
            }
        }
    }
}

#[test]
fn every_row_references_a_citizen_and_spell_delivered_no_later() {
    let citizen_batch: BTreeMap<String, usize> =
        read_extract(base(), &extracts::CITIZENS).rows.into_iter().map(|(b, r)| (r[0].clone(), b)).collect();
    let mut spell_batch = BTreeMap::new();
    for (b, r) in read_extract(base(), &extracts::SPELLS).rows {
        assert!(citizen_batch[&r[1]] <= b, "spell {} before its citizen", r[0]);
        spell_batch.entry(r[0].clone()).or_insert(b);
    }
    for e in [&extracts::INTERVIEWS, &extracts::PROGRAMMES] {
        for (b, r) in read_extract(base(), e).rows {
            assert!(spell_batch[&r[1]] <= b, "{} row references a later spell {}", e.file, r[1]);
            assert!(citizen_batch[&r[2]] <= b);
        }
    }
    for e in [&extracts::CVS, &extracts::STATUS] {
        for (b, r) in read_extract(base(), e).rows {
            assert!(citizen_batch.get(&r[0]).is_some_and(|cb| *cb <= b), "{} row of unknown {}", e.file, r[0]);
        }
    }
}

#[test]
fn status_has_one_row_per_citizen_and_month_with_36_months_of_history() {
    let citizens = read_extract(base(), &extracts::CITIZENS);
    let status = read_extract(base(), &extracts::STATUS);
    let mut seen = BTreeSet::new();
    for (_, r) in &status.rows {
        assert!(seen.insert((r[0].clone(), parse_date(&r[1]))), "duplicate status {r:?}");
    }
    let start = NaiveDate::from_ymd_opt(2019, 1, 1).unwrap();
    for (b, r) in &citizens.rows {
        let known = start.checked_add_months(Months::new(*b as u32)).unwrap();
        let from = known.checked_sub_months(Months::new(36)).unwrap();
        let expected = 36 + (36 - b);
        let have = seen.range((r[0].clone(), from)..=(r[0].clone(), NaiveDate::MAX)).count();
        assert_eq!(have, expected, "{}", r[0]);
    }
    assert_eq!(seen.len(), status.rows.len());
}

#[test]
fn spells_follow_the_interview_cv_and_programme_rules() {
    let spells: BTreeMap<String, Vec<String>> =
        read_extract(base(), &extracts::SPELLS).rows.into_iter().map(|(_, r)| (r[0].clone(), r)).collect();
    let mut interviews: BTreeMap<String, Vec<(i64, NaiveDate)>> = BTreeMap::new();
    for (_, r) in read_extract(base(), &extracts::INTERVIEWS).rows {
        interviews.entry(r[1].clone()).or_default().push((r[4].parse().unwrap(), parse_date(&r[3])));
    }
    let horizon = NaiveDate::from_ymd_opt(2021, 12, 31).unwrap();
    for (id, s) in &spells {
        let start = parse_date(&s[3]);
        let end = (!s[4].is_empty()).then(|| parse_date(&s[4]));
        let list = interviews.get(id).cloned().unwrap_or_default();
        let numbers: Vec<i64> = list.iter().map(|i| i.0).collect();
        assert_eq!(numbers, (1..=list.len() as i64).collect::<Vec<_>>(), "{id}");
        if start + chrono::Duration::days(28) <= horizon {
            let first = list.first().unwrap_or_else(|| panic!("{id} has no 1st interview")).1;
            assert!((first - start).num_days() <= 28, "{id}");
        }
        if let Some(second) = list.get(1) {
            assert!((30..=90).contains(&(second.1 - start).num_days()), "{id}");
        }
        for (_, d) in &list {
            assert!(end.is_none_or(|e| *d < e), "{id} interview after its end");
        }
    }
    for (_, r) in read_extract(base(), &extracts::PROGRAMMES).rows {
        let s = &spells[&r[1]];
        let second = interviews[&r[1]].get(1).expect("programme only after the 2nd interview").1;
        let start = parse_date(&r[4]);
        assert!(start > second && parse_date(&r[5]) > start);
        assert!(s[4].is_empty() || start < parse_date(&s[4]), "programme after spell end");
    }
}

#[test]
fn every_spell_has_a_cv_registered_before_its_second_interview() {
    let mut cvs: BTreeMap<String, Vec<NaiveDate>> = BTreeMap::new();
    for (_, r) in read_extract(base(), &extracts::CVS).rows {
        cvs.entry(r[0].clone()).or_default().push(parse_date(&r[1]));
    }
    let interviews = read_extract(base(), &extracts::INTERVIEWS);
    let spells: BTreeMap<String, (String, NaiveDate)> = read_extract(base(), &extracts::SPELLS)
        .rows
        .into_iter()
        .map(|(_, r)| (r[0].clone(), (r[1].clone(), parse_date(&r[3]))))
        .collect();
    for (_, r) in interviews.rows.iter().filter(|(_, r)| r[4] == "2") {
        let (cpr, start) = &spells[&r[1]];
        let second = parse_date(&r[3]);
        assert!(cvs[cpr].iter().any(|d| d >= start && *d < second), "no CV for {} before {second}", r[1]);
    }
}

fn share(cases: &[Case], keep: impl Fn(&Case) -> bool) -> f64 {
    let (r, n) = rate(cases, keep);
    assert!(n >= 60, "too few cases ({n}) for a stable share");
    r
}

#[test]
fn the_documented_effects_are_visible_in_the_files() {
    let c = cases(base());
    assert!(c.len() > 1000, "{} cases", c.len());
    let group = |g: &'static str| move |x: &Case| x.group == g;
    assert!(share(&c, group("kontanthjaelp_aktivitetsparat")) > share(&c, group("dagpenge")) + 0.3);
    assert!(share(&c, |x| x.age >= 55) > share(&c, |x| (30..45).contains(&x.age)) + 0.1);
    assert!(share(&c, |x| x.edu >= 5) + 0.1 < share(&c, |x| x.edu == 0));
    assert!(share(&c, |x| x.emp_months >= 24) + 0.1 < share(&c, |x| x.emp_months <= 6));
    let overall = share(&c, |_| true);
    assert!((0.33..0.47).contains(&overall), "overall {overall}");
}

#[test]
fn cohorts_after_a_shock_stay_unemployed_more_often() {
    let shock = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    let (dir, _) = generated(&SynthConfig { shock_month: Some(shock), ..small(42) });
    let c = cases(dir.path());
    let before = share(&c, |x| x.cohort < shock);
    let after = share(&c, |x| x.cohort >= shock);
    assert!(after > before + 0.08, "before {before}, after {after}");
}

#[test]
fn the_biased_district_stays_unemployed_more_often() {
    let (dir, _) = generated(&SynthConfig { biased_district: true, ..small(42) });
    let c = cases(dir.path());
    let inside = share(&c, |x| x.district == BIASED_DISTRICT);
    let outside = share(&c, |x| x.district != BIASED_DISTRICT);
    assert!(inside > outside + 0.08, "{BIASED_DISTRICT} {inside}, others {outside}");
    // Without the bias the district is no worse than the rest.
    let fair = cases(base());
    let fair_inside = share(&fair, |x| x.district == BIASED_DISTRICT);
    assert!(inside > fair_inside + 0.08, "biased {inside}, fair {fair_inside}");
}

#[test]
fn an_invalid_configuration_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let mid_month = NaiveDate::from_ymd_opt(2019, 1, 15).unwrap();
    for cfg in [
        SynthConfig { years: 0, ..small(1) },
        SynthConfig { population: 0, ..small(1) },
        SynthConfig { start: mid_month, ..small(1) },
        SynthConfig { shock_month: Some(mid_month), ..small(1) },
    ] {
        assert!(matches!(generate(&cfg, dir.path()), Err(SynthError::InvalidConfig(_))));
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn an_unwritable_output_path_gives_an_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("fil");
    std::fs::write(&blocker, b"x").unwrap();
    let err = generate(&SynthConfig { years: 1, population: 1000, ..small(1) }, &blocker).unwrap_err();
    assert!(matches!(err, SynthError::Io { .. }));
    assert!(err.to_string().contains("fil"), "{err}");
}

/// Prints the 12-month rates per target group and the row counts; for calibration
/// (`cargo test --release -- --ignored --nocapture calibration`).
#[test]
#[ignore]
fn calibration_report() {
    let cfg = SynthConfig::default();
    let dir = tempfile::tempdir().unwrap();
    let t = std::time::Instant::now();
    let s = generate(&cfg, dir.path()).unwrap();
    println!("generate at defaults: {:?}; {s:?}", t.elapsed());
    for e in extracts::ALL {
        println!("{:20} {:>9} rows", e.file, read_extract(dir.path(), e).rows.len());
    }
    let c = cases(dir.path());
    for g in extracts::TARGET_GROUPS {
        let (r, n) = rate(&c, |x| x.group == *g);
        println!("{g:32} {r:.3} (n = {n})");
    }
    let (r, n) = rate(&c, |_| true);
    println!("{:32} {r:.3} (n = {n})", "overall");
}
