//! Tests that the documented causal effects are visible in the written files.

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};

use super::readback::{base, cases, generated, rate, read_extract, small, Case};
use super::*;
use crate::extracts;

fn share(cases: &[Case], keep: impl Fn(&Case) -> bool) -> f64 {
    let (r, n) = rate(cases, keep);
    assert!(n >= 60, "too few cases ({n}) for a stable share");
    r
}

#[test]
fn the_documented_effects_are_visible_in_the_files() {
    let c = cases(base());
    assert!(c.len() > 800, "{} cases", c.len());
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
    let shock = NaiveDate::from_ymd_opt(2020, 7, 1).unwrap();
    let (dir, _) = generated(&SynthConfig {
        shock_month: Some(shock),
        ..small(42)
    });
    let c = cases(dir.path());
    // Cohorts whose whole 12-month follow-up precedes the shock, against cohorts
    // that start after it. The lay-offs bring in people whose features promise a
    // quick exit, so the overall rate rises less than each person's risk does.
    let before = share(&c, |x| {
        x.cohort.checked_add_months(Months::new(12)).unwrap() < shock
    });
    let after = share(&c, |x| x.cohort >= shock);
    assert!(after > before + 0.05, "before {before}, after {after}");
    // The same cohorts without a shock show no such jump, and people with a
    // steady employment record (12+ of the last 36 months) do markedly worse
    // than such people without a shock.
    let fair = cases(base());
    let fair_after = share(&fair, |x| x.cohort >= shock);
    let steady = |x: &Case| x.cohort >= shock && x.emp_months >= 12;
    let (with_shock, without) = (share(&c, steady), share(&fair, steady));
    assert!(
        after > fair_after + 0.05,
        "after {after}, without shock {fair_after}"
    );
    assert!(
        with_shock > without + 0.1,
        "steadily employed after the shock {with_shock}, without shock {without}"
    );
}

#[test]
fn a_shock_brings_laid_off_workers_with_steady_jobs_onto_dagpenge() {
    let shock = NaiveDate::from_ymd_opt(2020, 7, 1).unwrap();
    let (dir, _) = generated(&SynthConfig {
        shock_month: Some(shock),
        ..small(42)
    });
    let (c, fair) = (cases(dir.path()), cases(base()));
    // The composition of the inflow after the shock, against the same months
    // without a shock (what the model's inputs see before any outcome).
    let after = |cs: &[Case], keep: &dyn Fn(&Case) -> bool| {
        let n = cs.iter().filter(|x| x.cohort >= shock).count() as f64;
        cs.iter().filter(|x| x.cohort >= shock && keep(x)).count() as f64 / n
    };
    let n_after = |cs: &[Case]| cs.iter().filter(|x| x.cohort >= shock).count() as f64;
    assert!(
        n_after(&c) > 1.3 * n_after(&fair),
        "inflow {} against {}",
        n_after(&c),
        n_after(&fair)
    );
    let steady = |x: &Case| x.emp_months >= 24;
    let dagpenge = |x: &Case| x.group == "dagpenge";
    let vocational = |x: &Case| x.edu == 2;
    for (what, keep, margin) in [
        (
            "24+ months employed",
            &steady as &dyn Fn(&Case) -> bool,
            0.1,
        ),
        ("dagpenge", &dagpenge, 0.1),
        ("vocational education", &vocational, 0.05),
    ] {
        let (s, f) = (after(&c, keep), after(&fair, keep));
        assert!(s > f + margin, "{what}: with shock {s}, without {f}");
    }
}

#[test]
fn the_biased_district_stays_unemployed_more_often() {
    let (dir, _) = generated(&SynthConfig {
        biased_district: true,
        ..small(42)
    });
    let c = cases(dir.path());
    let inside = share(&c, |x| x.district == BIASED_DISTRICT);
    let outside = share(&c, |x| x.district != BIASED_DISTRICT);
    assert!(
        inside > outside + 0.04,
        "{BIASED_DISTRICT} {inside}, others {outside}"
    );
    // Without the bias the district does better than the rest (its residents
    // are better educated), so the bias turns an advantage into a disadvantage.
    let fair = cases(base());
    let fair_inside = share(&fair, |x| x.district == BIASED_DISTRICT);
    let fair_outside = share(&fair, |x| x.district != BIASED_DISTRICT);
    assert!(
        fair_inside < fair_outside,
        "fair {fair_inside}, others {fair_outside}"
    );
    assert!(
        inside > fair_inside + 0.1,
        "biased {inside}, fair {fair_inside}"
    );
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
        println!(
            "{:20} {:>9} rows",
            e.file,
            read_extract(dir.path(), e).rows.len()
        );
    }
    let c = cases(dir.path());
    for g in extracts::TARGET_GROUPS {
        let (r, n) = rate(&c, |x| x.group == *g);
        println!("{g:32} {r:.3} (n = {n})");
    }
    let (r, n) = rate(&c, |_| true);
    println!("{:32} {r:.3} (n = {n})", "overall");
    let spells = read_extract(dir.path(), &extracts::SPELLS);
    let group: BTreeMap<&String, &String> =
        spells.rows.iter().map(|r| (&r.1[0], &r.1[2])).collect();
    for g in extracts::TARGET_GROUPS {
        let n = group.values().filter(|x| **x == g).count();
        println!("{g:32} {:.3} of spells", n as f64 / group.len() as f64);
    }
    println!(
        "spells per month {:.1}, repeat share {:.3}",
        group.len() as f64 / 72.0,
        1.0 - s.citizens as f64 / group.len() as f64
    );
}

/// Prints the effect sizes the effect tests assert on, to see their margins
/// (`cargo test --release -- --ignored --nocapture effect_sizes`).
#[test]
#[ignore]
fn effect_sizes_report() {
    let c = cases(base());
    let show = |name: &str, c: &[Case], keep: &dyn Fn(&Case) -> bool| {
        let (r, n) = rate(c, keep);
        println!("{name:40} {r:.3} (n = {n})");
    };
    show("aktivitetsparat", &c, &|x| {
        x.group == "kontanthjaelp_aktivitetsparat"
    });
    show("dagpenge", &c, &|x| x.group == "dagpenge");
    show("age 55+", &c, &|x| x.age >= 55);
    show("age 30-44", &c, &|x| (30..45).contains(&x.age));
    show("bachelor+", &c, &|x| x.edu >= 5);
    show("grundskole", &c, &|x| x.edu == 0);
    show("employed >= 24 of 36", &c, &|x| x.emp_months >= 24);
    show("employed <= 6 of 36", &c, &|x| x.emp_months <= 6);
    show("overall", &c, &|_| true);
    let shock = NaiveDate::from_ymd_opt(2020, 7, 1).unwrap();
    let (dir, _) = generated(&SynthConfig {
        shock_month: Some(shock),
        ..small(42)
    });
    let s = cases(dir.path());
    show("shock: follow-up before", &s, &|x| {
        x.cohort.checked_add_months(Months::new(12)).unwrap() < shock
    });
    show("shock: cohorts after", &s, &|x| x.cohort >= shock);
    show("no shock: cohorts after", &c, &|x| x.cohort >= shock);
    let (dir, _) = generated(&SynthConfig {
        biased_district: true,
        ..small(42)
    });
    let b = cases(dir.path());
    show("biased: district", &b, &|x| x.district == BIASED_DISTRICT);
    show("biased: others", &b, &|x| x.district != BIASED_DISTRICT);
    show("fair: district", &c, &|x| x.district == BIASED_DISTRICT);
    show("fair: others", &c, &|x| x.district != BIASED_DISTRICT);
}
