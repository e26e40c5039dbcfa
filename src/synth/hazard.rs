//! The monthly exit hazard: a logistic model whose coefficients are the "truth"
//! the product's model and audits should recover. Every number here is documented
//! in docs/extracts.md ("Kausal struktur i den syntetiske generator"); keep the two
//! in step. Sex and origin are deliberately absent: they act only through the
//! other attributes.

use super::model::{Group, Kind, DISTRICTS, GYMNASIAL};
use super::person::sigmoid;

/// Base logit per target group (order of `Group`), calibrated so the share still
/// unemployed 12 months after the 2nd interview lands in the documented ranges.
pub(crate) const BASE: [f64; 5] = [-0.9, -1.4, -2.45, -1.7, -2.1];

/// Effect of highest education (order of `EDUCATION_LEVELS`).
pub(crate) const EDUCATION: [f64; 8] = [0.0, 0.1, 0.3, 0.4, 0.5, 0.6, 0.7, 0.7];

/// Effect per unit of (months employed in the previous 36 / 36 - 0.5).
pub(crate) const EMPLOYMENT: f64 = 1.2;
pub(crate) const LICENCE: f64 = 0.3;
/// Duration dependence: `DURATION * ln(1 + k)` in the k-th 30-day period.
pub(crate) const DURATION: f64 = -0.35;
pub(crate) const SHOCK: f64 = -1.0;
/// In a downturn, additionally for the trades it hits (DISCO-08 major groups 7
/// and 8): nobody is hiring in them.
pub(crate) const TRADE_SHOCK: f64 = -0.3;
pub(crate) const BIAS: f64 = -0.8;
/// How long the boost after a completed programme lasts.
pub(crate) const POST_DAYS: i64 = 182;
/// Effect of one standard deviation of hidden motivation (0 unless hidden
/// selection is switched on).
pub(crate) const MOTIVATION: f64 = 0.5;

pub(crate) fn age_effect(age: i32) -> f64 {
    match age {
        ..=44 => 0.0,
        45..=54 => -0.25,
        55..=59 => -0.9,
        _ => -1.4,
    }
}

/// Season by calendar month of the period's midpoint: spring hiring is best.
pub(crate) fn season_effect(month: u32) -> f64 {
    match month {
        3..=5 => 0.25,
        6..=8 => 0.05,
        9..=11 => 0.0,
        _ => -0.15,
    }
}

/// Lock-in while a programme runs: time spent in it is time not spent searching.
pub(crate) fn lock_in(kind: Kind) -> f64 {
    match kind {
        Kind::Vejledning => -0.6,
        Kind::Praktik => -0.4,
        Kind::LoentilskudPrivat => -0.5,
        Kind::LoentilskudOffentlig => -0.7,
        Kind::Nytte => -0.3,
        Kind::Mentor => -0.1,
        Kind::Jobrotation => -0.5,
    }
}

/// Effect in the 182 days after a programme's planned end (spell still open).
/// Workplace programmes help most those furthest from the labour market.
pub(crate) fn post_effect(kind: Kind, group: Group, edu: usize) -> f64 {
    let akt = if group == Group::Aktivitetsparat {
        1.0
    } else {
        0.0
    };
    let low = if edu <= GYMNASIAL { 1.0 } else { 0.0 };
    match kind {
        Kind::Praktik => 0.3 + 0.4 * akt + 0.25 * low,
        Kind::LoentilskudPrivat => 0.5 + 0.4 * akt + 0.25 * low,
        Kind::LoentilskudOffentlig => 0.1,
        Kind::Vejledning => 0.1,
        Kind::Nytte => 0.0,
        Kind::Mentor => 0.05 + 0.4 * akt,
        Kind::Jobrotation => 0.25,
    }
}

/// Everything the hazard of one 30-day period depends on.
pub(crate) struct HazardInput {
    pub group: Group,
    pub age: i32,
    pub edu: usize,
    pub emp_months: u32,
    pub licence: bool,
    /// 30-day periods since the spell start (0 = first).
    pub period: u32,
    pub calendar_month: u32,
    pub district: usize,
    /// Sum of lock-in and post-programme effects in this period.
    pub programme: f64,
    pub shock: bool,
    /// In a downturn and in a trade it hits.
    pub trade_shock: bool,
    pub biased: bool,
    /// Hidden motivation (see `Person::motivation`).
    pub motivation: f64,
}

pub(crate) fn logit(x: &HazardInput) -> f64 {
    BASE[x.group as usize]
        + age_effect(x.age)
        + EDUCATION[x.edu]
        + EMPLOYMENT * (x.emp_months as f64 / 36.0 - 0.5)
        + if x.licence { LICENCE } else { 0.0 }
        + DURATION * (1.0 + x.period as f64).ln()
        + season_effect(x.calendar_month)
        + DISTRICTS[x.district].hazard
        + x.programme
        + if x.shock { SHOCK } else { 0.0 }
        + if x.trade_shock { TRADE_SHOCK } else { 0.0 }
        + if x.biased { BIAS } else { 0.0 }
        + MOTIVATION * x.motivation
}

/// Probability of leaving benefit within the period.
pub(crate) fn probability(x: &HazardInput) -> f64 {
    sigmoid(logit(x))
}
