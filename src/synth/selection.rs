//! Who gets a programme (issue #17): by what the extracts show only, or also by a
//! hidden motivation no extract holds. Shared by the simulation of lives
//! (`life`, `spell`) and the counterfactual truth (`counterfactual`).

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use super::person::sigmoid;

/// Who gets a programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Selection {
    /// By target group and time only: everything the choice depends on is in the data.
    #[default]
    Observed,
    /// Caseworkers also pick the more motivated, who would leave sooner anyway;
    /// motivation is in no extract.
    Hidden,
}

/// Log-odds of a programme start per standard deviation of hidden motivation.
pub(crate) const SELECTION: f64 = 0.8;

/// A person's hidden motivation: standard normal.
pub(crate) fn draw_motivation<R: Rng>(rng: &mut R) -> f64 {
    StandardNormal.sample(rng)
}

/// The monthly start probability of a person with `motivation`.
pub(crate) fn selected_rate(rate: f64, motivation: f64) -> f64 {
    sigmoid((rate / (1.0 - rate)).ln() + SELECTION * motivation)
}
