//! Overlap and sensitivity figures for the effect estimates.

/// Kish's effective sample size of a set of weights: (Σw)² / Σw².
pub fn effective_sample_size(w: &[f64]) -> f64 {
    let s: f64 = w.iter().sum();
    let s2: f64 = w.iter().map(|x| x * x).sum();
    if s2 > 0.0 {
        s * s / s2
    } else {
        0.0
    }
}

/// VanderWeele and Ding's E-value for an effect `effect` (risk difference) on a
/// binary outcome whose rate among the treated is `treated_rate`: the risk ratio
/// an unmeasured confounder would need with both the treatment and the outcome to
/// explain the effect away. The risk ratio is the treated rate against the
/// treated's estimated rate without the programme (`treated_rate - effect`).
pub fn e_value(treated_rate: f64, effect: f64) -> f64 {
    let p1 = treated_rate.clamp(1e-6, 1.0 - 1e-6);
    let p0 = (treated_rate - effect).clamp(1e-6, 1.0 - 1e-6);
    let rr = if p1 >= p0 { p1 / p0 } else { p0 / p1 };
    rr + (rr * (rr - 1.0)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_e_value_of_a_risk_ratio_of_two_is_the_published_3_41() {
        // VanderWeele & Ding (2017): RR = 2 gives E = 2 + sqrt(2) = 3.41.
        assert!((e_value(0.4, 0.2) - (2.0 + 2f64.sqrt())).abs() < 1e-12);
        // A protective effect is inverted: 0.2 against 0.4 is RR 1/2, the same E.
        assert!((e_value(0.2, -0.2) - (2.0 + 2f64.sqrt())).abs() < 1e-12);
        assert!(
            (e_value(0.3, 0.0) - 1.0).abs() < 1e-12,
            "no effect needs no confounder"
        );
    }

    #[test]
    fn equal_weights_are_worth_their_count_and_one_dominant_weight_about_one() {
        assert!((effective_sample_size(&[2.0; 40]) - 40.0).abs() < 1e-9);
        assert!(effective_sample_size(&[100.0, 0.01, 0.01]) < 1.001);
    }
}
