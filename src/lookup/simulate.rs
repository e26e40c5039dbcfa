//! Synthetic caseworkers for the demo (#14): judgements for a share of the scored
//! spells, made by a documented process in which the caseworker sometimes knows
//! what the model cannot (docs/extracts.md, "Syntetiske sagsbehandlere"), stored
//! through the page's own writer ([`Lookup::store_judgements`]). Because the
//! process is known, the oversight marts' "who was right" figures have a truth to
//! recover (`expected_accuracy`, the recovery test in tests/e2e/borger.rs).
//!
//! The generator has no health variable, so the stand-in for everything the model
//! cannot see (health, motivation, the conversation) is the outcome itself, seen
//! through a noisy channel: with probability `insight` the caseworker's band is
//! the true one (high if the person turned out still unemployed, low if not);
//! otherwise she takes the model's band. For a spell whose outcome is not known
//! yet, an insightful caseworker's band is high or low with even odds.

use duckdb::Connection;
use rand::{Rng, SeedableRng};

use super::{Judgement, Lookup, LookupError};
use crate::vocabulary::{Agreement, Purpose, Reason, RiskBand};

const SPELLS: &str = include_str!("../../sql/lookup/simulation_spells.sql");

/// The planted process.
#[derive(Debug, Clone, Copy)]
pub struct Caseworkers {
    /// Share of the scored spells that get a judgement.
    pub share: f64,
    /// Probability that the caseworker knows what the model cannot.
    pub insight: f64,
    pub seed: u64,
}

impl Default for Caseworkers {
    fn default() -> Self {
        Caseworkers {
            share: 0.30,
            insight: 0.35,
            seed: 20_261_207,
        }
    }
}

/// What the simulation wrote.
#[derive(Debug, Clone, Copy, Default)]
pub struct Simulated {
    pub judgements: usize,
    pub disagreements: usize,
    pub with_outcome: usize,
}

/// One scored spell as the simulation reads it.
struct Scored {
    spell_id: String,
    person_id: String,
    cohort_month: chrono::NaiveDate,
    model_version: String,
    probability: f64,
    risk_band: String,
    label: Option<i32>,
}

fn scored(conn: &Connection) -> Result<Vec<Scored>, LookupError> {
    let mut stmt = conn.prepare(SPELLS)?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, duckdb::types::Value>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, f64>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, Option<i32>>(6)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (spell_id, person_id, month, model_version, probability, risk_band, label) = row?;
        let duckdb::types::Value::Date32(days) = month else {
            continue;
        };
        out.push(Scored {
            spell_id,
            person_id,
            cohort_month: crate::store::date_from_days(days),
            model_version,
            probability,
            risk_band,
            label,
        });
    }
    Ok(out)
}

/// Reasons a caseworker gives when she disagrees, in the order of their weights.
const DISAGREE_REASONS: [(Reason, f64); 5] = [
    (Reason::Health, 0.35),
    (Reason::Motivation, 0.2),
    (Reason::Network, 0.1),
    (Reason::JobOffer, 0.15),
    (Reason::MissingInformation, 0.2),
];

impl Lookup {
    /// Records the synthetic caseworkers' judgements (the demo, and the tests that
    /// check the oversight figures recover the planted accuracy).
    pub fn simulate_caseworkers(&self, cw: &Caseworkers) -> Result<Simulated, LookupError> {
        let spells = scored(&self.conn())?;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(cw.seed);
        let mut judgements = Vec::new();
        let mut done = Simulated::default();
        for s in spells {
            // Every draw is made for every spell, so the share and the insight of
            // one spell do not depend on the draws of another.
            let (judged, knows, coin, pick) = (
                rng.random::<f64>() < cw.share,
                rng.random::<f64>() < cw.insight,
                rng.random::<f64>() < 0.5,
                rng.random::<f64>(),
            );
            if !judged {
                continue;
            }
            let Ok(model_band) = s.risk_band.parse::<RiskBand>() else {
                continue;
            };
            let own = match (knows, s.label) {
                (true, Some(1)) => RiskBand::Hoej,
                (true, Some(_)) => RiskBand::Lav,
                (true, None) if coin => RiskBand::Hoej,
                (true, None) => RiskBand::Lav,
                (false, _) => model_band,
            };
            let agreement = if own == model_band {
                Agreement::Agrees
            } else {
                Agreement::Disagrees
            };
            let reason = match agreement {
                Agreement::Agrees => Reason::Other,
                Agreement::Disagrees => {
                    let mut left = pick;
                    DISAGREE_REASONS
                        .iter()
                        .find(|(_, w)| {
                            left -= w;
                            left < 0.0
                        })
                        .map_or(Reason::Other, |(r, _)| *r)
                }
            };
            done.judgements += 1;
            done.disagreements += usize::from(agreement == Agreement::Disagrees);
            done.with_outcome += usize::from(s.label.is_some());
            judgements.push(Judgement {
                person_id: s.person_id,
                spell_id: s.spell_id,
                cohort_month: s.cohort_month,
                model_version: s.model_version,
                model_probability: s.probability,
                model_risk_band: s.risk_band,
                own_assessment: own,
                agreement,
                reason,
                note: None,
                purpose: Purpose::FollowUp,
                source: "demo",
            });
        }
        self.store_judgements(&judgements)?;
        Ok(done)
    }
}

/// The caseworkers' expected accuracy on judged spells with a known outcome, under
/// the planted process: she is right when she knows (`insight`), else exactly
/// when the model's band is (high band = predicted still unemployed). `model_right`
/// is, per judged spell, whether the model's band was right.
pub fn expected_accuracy(insight: f64, model_right: &[bool]) -> f64 {
    if model_right.is_empty() {
        return f64::NAN;
    }
    let model = model_right.iter().filter(|r| **r).count() as f64 / model_right.len() as f64;
    insight + (1.0 - insight) * model
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expected_accuracy_mixes_knowing_and_following_the_model() {
        assert_eq!(expected_accuracy(0.0, &[true, false]), 0.5);
        assert_eq!(expected_accuracy(1.0, &[false, false]), 1.0);
        assert!(
            (expected_accuracy(0.35, &[true, true, false, true]) - (0.35 + 0.65 * 0.75)).abs()
                < 1e-12
        );
    }
}
