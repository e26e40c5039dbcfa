use super::*;

/// The fixture and the estimates `tests/reference/effects_reference.py` made
/// with scikit-learn (and checked against statsmodels).
fn fixture() -> (Vec<Unit>, serde_json::Value) {
    let csv = include_str!("../../../../tests/reference/effects_fixture.csv");
    let units = csv
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<f64> = l.split(',').map(|v| v.parse().unwrap()).collect();
            // person,treated,y,x1,x2,b1,b2,cell
            Unit {
                person: f[0] as u64,
                treated: f[1] == 1.0,
                outcome: f[2] as u32,
                covariates: f[3..7].to_vec(),
                cell: f[7] as usize,
            }
        })
        .collect();
    let reference = serde_json::from_str(include_str!(
        "../../../../tests/reference/effects_reference.json"
    ))
    .unwrap();
    (units, reference)
}

fn settings() -> EffectSettings {
    EffectSettings {
        folds: 2,
        resamples: 1000,
        seed: 7,
        trim_above: 0.9,
        min_treated: 50,
        min_ess: 50.0,
        max_bootstrap_persons: 20_000,
    }
}

#[test]
fn the_analytic_interval_uses_the_reference_person_clustered_standard_error() {
    let (units, r) = fixture();
    let s = EffectSettings {
        max_bootstrap_persons: 0,
        ..settings()
    };
    for (c, want) in estimate(&units, 3, &s)
        .unwrap()
        .iter()
        .zip(r["cells"].as_array().unwrap())
    {
        let se = want["cluster_se"].as_f64().unwrap();
        assert!(
            (c.att_se.unwrap() - se).abs() < 1e-6,
            "{} vs {se}",
            c.att_se.unwrap()
        );
        let (lo, hi) = c.att_ci.unwrap();
        assert!((hi - lo - 2.0 * crate::Z95 * se).abs() < 1e-5);
    }
}

#[test]
fn cross_fitted_nuisances_match_scikit_learn_unit_by_unit() {
    let (units, r) = fixture();
    let nu = cross_fit(&units, 2).unwrap();
    for (name, ours) in [("propensity", &nu.propensity), ("outcome0", &nu.outcome0)] {
        let theirs: Vec<f64> = serde_json::from_value(r[name].clone()).unwrap();
        assert_eq!(theirs.len(), ours.len());
        let worst = ours
            .iter()
            .zip(&theirs)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(worst < 1e-5, "{name}: largest difference {worst}");
    }
}

#[test]
fn aipw_effects_naive_differences_and_diagnostics_match_the_reference() {
    let (units, r) = fixture();
    let cells = estimate(&units, 3, &settings()).unwrap();
    for (c, want) in cells.iter().zip(r["cells"].as_array().unwrap()) {
        let f = |k: &str| want[k].as_f64().unwrap();
        assert_eq!(c.n_treated as f64, f("n_treated"));
        assert_eq!(c.n_control as f64, f("n_control"));
        assert!((c.treated_rate - f("treated_rate")).abs() < 1e-12);
        assert!((c.naive - f("naive")).abs() < 1e-12);
        assert!((c.att.unwrap() - f("att")).abs() < 1e-5, "{c:?}");
        assert!((c.ess_control - f("ess_control")).abs() / f("ess_control") < 1e-4);
        assert!((c.e_value.unwrap() - f("e_value")).abs() < 1e-3);
        for (q, w) in c
            .ps_treated
            .iter()
            .zip(want["ps_treated"].as_array().unwrap())
        {
            assert!((q - w.as_f64().unwrap()).abs() < 1e-5);
        }
        // The bootstrap is random; its standard error must agree with the
        // person-clustered sandwich standard error of the same estimator.
        let ratio = c.att_se.unwrap() / f("cluster_se");
        assert!(
            (0.85..1.15).contains(&ratio),
            "cell {}: se ratio {ratio}",
            c.cell
        );
        let (lo, hi) = c.att_ci.unwrap();
        assert!(lo < c.att.unwrap() && c.att.unwrap() < hi);
    }
}

#[test]
fn a_cell_with_too_few_treated_is_suppressed_with_its_reason() {
    let (units, _) = fixture();
    let s = EffectSettings {
        min_treated: 200,
        ..settings()
    };
    let cells = estimate(&units, 3, &s).unwrap();
    let first = &cells[0];
    assert_eq!(first.att, None);
    assert_eq!(first.att_ci, None);
    assert!(matches!(
        first.suppressed,
        Some(Suppression::TooFewTreated { n: 111, min: 200 })
    ));
    assert!(first
        .suppressed
        .unwrap()
        .reason()
        .contains("for få deltagere"));
    assert!(cells[2].att.is_some(), "252 treated are enough");
}

#[test]
fn selection_on_an_observed_trait_fools_the_naive_difference_but_not_aipw() {
    // Twenty thousand persons, one month each; those likelier to leave
    // unemployment (high x) are likelier to be treated. The true effect on the
    // treated is the mean of their own risk differences, known from the model.
    use rand::{Rng, SeedableRng};
    let sigmoid = |z: f64| 1.0 / (1.0 + (-z).exp());
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let mut truth = (0.0, 0.0);
    let units: Vec<Unit> = (0..20_000u64)
        .map(|p| {
            let x: f64 = rng.random_range(-2.0..2.0);
            let treated = rng.random_bool(sigmoid(-1.5 + 0.8 * x));
            let (y1, y0) = (sigmoid(0.2 - 0.6 * x - 0.5), sigmoid(0.2 - 0.6 * x));
            if treated {
                truth = (truth.0 + y1 - y0, truth.1 + 1.0);
            }
            Unit {
                person: p,
                treated,
                covariates: vec![x],
                outcome: u32::from(rng.random_bool(if treated { y1 } else { y0 })),
                cell: 0,
            }
        })
        .collect();
    let att = truth.0 / truth.1;
    let c = &estimate(&units, 1, &settings()).unwrap()[0];
    let (lo, hi) = c.att_ci.unwrap();
    assert!(lo < att && att < hi, "truth {att}: {c:?}");
    let (nlo, nhi) = c.naive_ci;
    assert!(
        !(nlo < att && att < nhi),
        "the naive difference adds the selection: {c:?}"
    );
}

#[test]
fn units_of_different_widths_are_refused() {
    let u = |w: usize| Unit {
        person: 0,
        treated: false,
        covariates: vec![0.0; w],
        outcome: 0,
        cell: 0,
    };
    assert!(matches!(
        cross_fit(&[u(2), u(3)], 2),
        Err(EffectError::Ragged)
    ));
    assert!(matches!(cross_fit(&[], 2), Err(EffectError::Empty)));
}

#[test]
#[ignore = "timing, run by hand"]
fn timing_of_a_municipal_sized_panel() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let units: Vec<Unit> = (0..20_000u64)
        .map(|i| Unit {
            person: i / 3,
            treated: rng.random_bool(0.03),
            covariates: (0..25)
                .map(|_| f64::from(u8::from(rng.random_bool(0.3))))
                .collect(),
            outcome: u32::from(rng.random_bool(0.5)),
            cell: (i % 3) as usize,
        })
        .collect();
    let t = std::time::Instant::now();
    let nu = cross_fit(&units, 2).unwrap();
    eprintln!("cross_fit: {:?}", t.elapsed());
    let t = std::time::Instant::now();
    for c in 0..3 {
        estimate_cell(&units, &nu, c, &settings());
    }
    eprintln!("3 cells: {:?}", t.elapsed());
}
