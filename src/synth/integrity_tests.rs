//! Tests that the delivered files hang together: references, dates, the status
//! history and the interview, CV and programme rules, all read from the files.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Months, NaiveDate};

use super::readback::{base, month_dirs, parse_date, read_extract};
use crate::extracts::{self, ColumnType};

#[test]
fn every_row_references_a_citizen_and_spell_delivered_no_later() {
    let citizen_batch: BTreeMap<String, usize> = read_extract(base(), &extracts::CITIZENS)
        .rows
        .into_iter()
        .map(|(b, r)| (r[0].clone(), b))
        .collect();
    let mut spell_batch = BTreeMap::new();
    for (b, r) in read_extract(base(), &extracts::SPELLS).rows {
        assert!(
            citizen_batch[&r[1]] <= b,
            "spell {} before its citizen",
            r[0]
        );
        spell_batch.entry(r[0].clone()).or_insert(b);
    }
    for e in [&extracts::INTERVIEWS, &extracts::PROGRAMMES] {
        for (b, r) in read_extract(base(), e).rows {
            assert!(
                spell_batch[&r[1]] <= b,
                "{} row references a later spell {}",
                e.file,
                r[1]
            );
            assert!(citizen_batch[&r[2]] <= b);
        }
    }
    for e in [&extracts::CVS, &extracts::STATUS] {
        for (b, r) in read_extract(base(), e).rows {
            assert!(
                citizen_batch.get(&r[0]).is_some_and(|cb| *cb <= b),
                "{} row of unknown {}",
                e.file,
                r[0]
            );
        }
    }
}

#[test]
fn status_has_one_row_per_citizen_and_month_with_36_months_of_history() {
    let citizens = read_extract(base(), &extracts::CITIZENS);
    let status = read_extract(base(), &extracts::STATUS);
    let mut seen = BTreeSet::new();
    for (_, r) in &status.rows {
        assert!(
            seen.insert((r[0].clone(), parse_date(&r[1]))),
            "duplicate status {r:?}"
        );
    }
    let start = NaiveDate::from_ymd_opt(2019, 1, 1).unwrap();
    for (b, r) in &citizens.rows {
        let known = start.checked_add_months(Months::new(*b as u32)).unwrap();
        let from = known.checked_sub_months(Months::new(36)).unwrap();
        let expected = 36 + (36 - b);
        let have = seen
            .range((r[0].clone(), from)..=(r[0].clone(), NaiveDate::MAX))
            .count();
        assert_eq!(have, expected, "{}", r[0]);
    }
    assert_eq!(seen.len(), status.rows.len());
}

#[test]
fn spells_follow_the_interview_cv_and_programme_rules() {
    let spells: BTreeMap<String, Vec<String>> = read_extract(base(), &extracts::SPELLS)
        .rows
        .into_iter()
        .map(|(_, r)| (r[0].clone(), r))
        .collect();
    let mut interviews: BTreeMap<String, Vec<(i64, NaiveDate)>> = BTreeMap::new();
    for (_, r) in read_extract(base(), &extracts::INTERVIEWS).rows {
        interviews
            .entry(r[1].clone())
            .or_default()
            .push((r[4].parse().unwrap(), parse_date(&r[3])));
    }
    let horizon = NaiveDate::from_ymd_opt(2021, 12, 31).unwrap();
    for (id, s) in &spells {
        let start = parse_date(&s[3]);
        let end = (!s[4].is_empty()).then(|| parse_date(&s[4]));
        let list = interviews.get(id).cloned().unwrap_or_default();
        let numbers: Vec<i64> = list.iter().map(|i| i.0).collect();
        assert_eq!(numbers, (1..=list.len() as i64).collect::<Vec<_>>(), "{id}");
        // A citizen who moves out or dies (censoring) can leave before the 1st
        // interview: the spell then ends within its first 28 days without one.
        let cut_short = end.is_some_and(|e| (e - start).num_days() <= 28) && list.is_empty();
        if start + chrono::Duration::days(28) <= horizon && !cut_short {
            let first = list
                .first()
                .unwrap_or_else(|| panic!("{id} has no 1st interview"))
                .1;
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
        let second = interviews[&r[1]]
            .get(1)
            .expect("programme only after the 2nd interview")
            .1;
        let start = parse_date(&r[4]);
        assert!(start > second && parse_date(&r[5]) > start);
        assert!(
            s[4].is_empty() || start < parse_date(&s[4]),
            "programme after spell end"
        );
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
        assert!(
            cvs[cpr].iter().any(|d| d >= start && *d < second),
            "no CV for {} before {second}",
            r[1]
        );
    }
}

#[test]
fn no_date_lies_after_its_months_end_except_planned_programme_ends() {
    for (b, month) in month_dirs(base()).iter().enumerate() {
        let first = NaiveDate::from_ymd_opt(2019, 1, 1)
            .unwrap()
            .checked_add_months(Months::new(b as u32))
            .unwrap();
        let end = first
            .checked_add_months(Months::new(1))
            .unwrap()
            .pred_opt()
            .unwrap();
        for e in extracts::ALL {
            let mut r = csv::ReaderBuilder::new()
                .delimiter(b';')
                .from_path(month.join(e.file))
                .unwrap();
            for rec in r.records() {
                let rec = rec.unwrap();
                for (c, v) in e.columns.iter().zip(rec.iter()) {
                    let dated =
                        matches!(c.ty, ColumnType::Date | ColumnType::Month) && !v.is_empty();
                    let planned_end = e.file == extracts::PROGRAMMES.file && c.name == "slutdato";
                    if dated && !planned_end {
                        assert!(
                            parse_date(v) <= end,
                            "{} {} {v} after {end}",
                            e.file,
                            c.name
                        );
                    }
                }
            }
        }
    }
}
