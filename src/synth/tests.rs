//! Tests of the generator, all checking the written files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{Datelike, Months, NaiveDate};
use rand::SeedableRng;

use super::readback::{
    base, cpr_birth, cpr_birth_year, generated, month_dirs, parse_date, read_extract, small,
};
use super::*;
use crate::extracts::{self, ColumnType};

fn all_files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    for m in month_dirs(dir) {
        for e in extracts::ALL {
            let p = m.join(e.file);
            out.insert(
                p.strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(&p).unwrap(),
            );
        }
    }
    out
}

#[test]
fn the_same_seed_gives_identical_bytes_and_another_seed_different_files() {
    let (a, sa) = generated(&small(7));
    let (b, sb) = generated(&small(7));
    let (c, _) = generated(&small(8));
    let (fa, fb, fc) = (
        all_files(a.path()),
        all_files(b.path()),
        all_files(c.path()),
    );
    assert_eq!(sa, sb);
    assert_eq!(fa.len(), 36 * 6);
    assert_eq!(fa, fb);
    assert_eq!(fa.keys().collect::<Vec<_>>(), fc.keys().collect::<Vec<_>>());
    let differing = fa.iter().filter(|(k, v)| fc[*k] != **v).count();
    assert!(
        differing > 150,
        "only {differing} files differ between seeds"
    );
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
            assert!(
                bytes.starts_with(b"\xEF\xBB\xBF"),
                "{m:?} {} lacks BOM",
                e.file
            );
            let text = std::str::from_utf8(&bytes[3..]).unwrap();
            assert!(text.ends_with("\r\n"));
            assert_eq!(
                text.matches('\n').count(),
                text.matches("\r\n").count(),
                "bare LF in {}",
                e.file
            );
            let header = text.split("\r\n").next().unwrap();
            assert_eq!(header, e.header().join(";"), "{}", e.file);
        }
    }
}

/// Checks one value against its column type.
fn check_value(ty: ColumnType, v: &str) {
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    match ty {
        ColumnType::Cpr => assert!(
            v.len() == 11 && &v[6..7] == "-" && digits(&v[..6]) && digits(&v[7..]),
            "{v}"
        ),
        ColumnType::Integer => assert!(v.parse::<i64>().is_ok(), "{v}"),
        ColumnType::Decimal => {
            assert!(!v.contains('.'), "decimal point in {v}");
            assert!(v.replace(',', ".").parse::<f64>().is_ok(), "{v}");
        }
        ColumnType::Date => drop(parse_date(v)),
        ColumnType::Month => assert_eq!(parse_date(v).day(), 1, "{v}"),
        ColumnType::Code(list) => assert!(list.contains(&v), "{v} not in {list:?}"),
        ColumnType::PostalCode => assert!(v.len() == 4 && digits(v), "{v}"),
        ColumnType::Disco => assert!(
            (4..=6).contains(&v.len()) && digits(v) && &v[..1] != "0",
            "{v}"
        ),
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
        let month = NaiveDate::from_ymd_opt(2019, 1, 1)
            .unwrap()
            .checked_add_months(Months::new(*b as u32))
            .unwrap();
        let age = calendar::age_at(birth, month);
        assert!((17..=66).contains(&age), "{cpr} is {age} in {month}");
    }
    assert!(seen.len() > 1000);
    let men = seen.iter().filter(|c| c.as_bytes()[10] % 2 == 1).count() as f64 / seen.len() as f64;
    assert!((0.45..0.60).contains(&men), "share of men {men}");
}

#[test]
fn an_invalid_configuration_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let mid_month = NaiveDate::from_ymd_opt(2019, 1, 15).unwrap();
    for cfg in [
        SynthConfig {
            years: 0,
            ..small(1)
        },
        SynthConfig {
            population: 0,
            ..small(1)
        },
        SynthConfig {
            start: mid_month,
            ..small(1)
        },
        SynthConfig {
            shock_month: Some(mid_month),
            ..small(1)
        },
    ] {
        assert!(matches!(
            generate(&cfg, dir.path()),
            Err(SynthError::InvalidConfig(_))
        ));
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn an_unwritable_output_path_gives_an_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("fil");
    std::fs::write(&blocker, b"x").unwrap();
    let err = generate(
        &SynthConfig {
            years: 1,
            population: 1000,
            ..small(1)
        },
        &blocker,
    )
    .unwrap_err();
    assert!(matches!(err, SynthError::Io { .. }));
    assert!(err.to_string().contains("fil"), "{err}");
}

#[test]
fn the_century_digit_always_decodes_to_the_birth_year() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    for year in 1858..=2057 {
        for _ in 0..20 {
            let d7 = person::century_digit(&mut rng, year);
            assert_eq!(
                cpr_birth_year((year % 100) as u32, d7),
                Some(year),
                "{year} with {d7}"
            );
        }
    }
}

#[test]
fn the_contract_document_states_the_generators_coefficients() {
    let doc = include_str!("../../docs/extracts.md");
    assert!(doc.contains("## Kausal struktur i den syntetiske generator"));
    let code = |x: f64| format!("`{x:.2}`");
    for (g, b) in extracts::TARGET_GROUPS.iter().zip(hazard::BASE) {
        assert!(
            doc.contains(&code(b)),
            "docs/extracts.md lacks the base {b} of {g}"
        );
    }
    for x in [
        hazard::EMPLOYMENT,
        hazard::LICENCE,
        hazard::DURATION,
        hazard::SHOCK,
        hazard::TRADE_SHOCK,
        hazard::BIAS,
    ] {
        assert!(
            doc.contains(&code(x)),
            "docs/extracts.md lacks the coefficient {x}"
        );
    }
    assert!(doc.contains(&life::INFLOW_RATE.to_string().replace('.', ",")));
    assert!(doc.contains(BIASED_DISTRICT));
    for d in model::DISTRICTS {
        assert!(
            doc.contains(d.name) && d.postal.iter().all(|p| doc.contains(p)),
            "{}",
            d.name
        );
    }
}
