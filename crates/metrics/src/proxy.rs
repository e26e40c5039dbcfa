//! The proxy audit: how well the model's inputs, together and one by one, predict
//! membership of a protected group (sex, origin, district) that is never an input.
//! A logistic regression of membership on every input (unpenalised, standardised,
//! as [`crate::logistic`]) scored by its ROC AUC: 0.5 means the inputs carry nothing
//! about the group, 1.0 that they identify it. The strongest single proxy is the
//! input whose own values separate the group best (AUC of the raw values, turned so
//! that it is at least 0.5). Checked against scikit-learn in
//! `tests/reference/proxy_audit.py`.

use crate::logistic::{Logistic, LogisticError};
use crate::{auc, bootstrap_ci};

/// The audit of one group (one-vs-rest).
#[derive(Debug, Clone, PartialEq)]
pub struct ProxyAudit {
    /// AUC of the logistic regression on every input.
    pub auc: f64,
    /// Seeded percentile bootstrap 95 % interval of that AUC (model held fixed).
    pub ci: Option<(f64, f64)>,
    /// Index of the strongest single input and its AUC (at least 0.5).
    pub strongest: Option<(usize, f64)>,
}

/// The AUC of one input alone: how well its values order members before
/// non-members or the other way round.
pub fn single_input_auc(values: &[f64], member: &[u32]) -> Option<f64> {
    auc(values, member).map(|a| a.max(1.0 - a))
}

/// Audits the rows `x` (inputs in model order) against `member` (1 = in the
/// group). `None` when the group or its complement is empty: nothing to separate.
pub fn audit(
    x: &[Vec<f64>],
    member: &[u32],
    resamples: usize,
    seed: u64,
) -> Result<Option<ProxyAudit>, LogisticError> {
    let n_in = member.iter().filter(|&&m| m == 1).count();
    if n_in == 0 || n_in == member.len() {
        return Ok(None);
    }
    let model = Logistic::fit(x, member)?;
    let p: Vec<f64> = x.iter().map(|r| model.predict(r)).collect();
    let Some(combined) = auc(&p, member) else {
        return Ok(None);
    };
    let width = x.first().map_or(0, Vec::len);
    let mut strongest: Option<(usize, f64)> = None;
    for j in 0..width {
        let column: Vec<f64> = x.iter().map(|r| r[j]).collect();
        if let Some(a) = single_input_auc(&column, member) {
            // The first of equally strong inputs, so the answer does not depend on
            // floating-point noise in the order of the comparison.
            if strongest.is_none_or(|(_, best)| a > best + 1e-12) {
                strongest = Some((j, a));
            }
        }
    }
    Ok(Some(ProxyAudit {
        auc: combined,
        ci: bootstrap_ci(&p, member, auc, resamples, seed),
        strongest,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// tests/reference/proxy_audit.py: scikit-learn's LogisticRegression
    /// (penalty=None) on standardised inputs and roc_auc_score.
    fn reference() -> serde_json::Value {
        serde_json::from_str(include_str!("../../../tests/reference/proxy_audit.json")).unwrap()
    }

    fn rows(v: &serde_json::Value) -> Vec<Vec<f64>> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r.as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_f64().unwrap())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn the_proxy_audit_agrees_with_scikit_learn_on_the_fixture() {
        let r = reference();
        let x = rows(&r["x"]);
        for case in r["cases"].as_array().unwrap() {
            let member: Vec<u32> = case["member"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m.as_u64().unwrap() as u32)
                .collect();
            let got = audit(&x, &member, 200, 7).unwrap().unwrap();
            let want = case["auc"].as_f64().unwrap();
            assert!(
                (got.auc - want).abs() < 1e-6,
                "{}: {} vs {want}",
                case["name"],
                got.auc
            );
            let (j, a) = got.strongest.unwrap();
            assert_eq!(
                j as u64,
                case["strongest"].as_u64().unwrap(),
                "{}",
                case["name"]
            );
            let want_single = case["strongest_auc"].as_f64().unwrap();
            assert!(
                (a - want_single).abs() < 1e-12,
                "{}: {a} vs {want_single}",
                case["name"]
            );
            let (lo, hi) = got.ci.unwrap();
            assert!(lo <= got.auc && got.auc <= hi, "{lo} {} {hi}", got.auc);
        }
    }

    #[test]
    fn a_group_with_no_members_is_not_audited() {
        let x = vec![vec![1.0], vec![2.0]];
        assert_eq!(audit(&x, &[0, 0], 10, 1).unwrap(), None);
    }

    #[test]
    fn an_input_that_is_the_group_is_a_perfect_single_proxy() {
        let member: Vec<u32> = (0..40).map(|i| u32::from(i % 3 == 0)).collect();
        let x: Vec<Vec<f64>> = (0..40)
            .map(|i| vec![f64::from(i % 7), f64::from(u32::from(i % 3 == 0))])
            .collect();
        let a = single_input_auc(&x.iter().map(|r| r[1]).collect::<Vec<_>>(), &member);
        assert_eq!(a, Some(1.0));
    }
}
