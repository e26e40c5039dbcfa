//! Drawing a new citizen's attributes at first contact: district, age, sex,
//! origin, education, driving licence, experience, occupation and CPR number.
//! Sex and origin shape the other attributes (as in reality) but the exit hazard
//! never reads them.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate};
use rand::Rng;

use super::calendar::{age_at, days};
use super::model::{District, DESC_NONWEST, DESC_WEST, DISTRICTS, IMM_NONWEST, IMM_WEST};

pub(crate) fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Index drawn with probability proportional to `weights`.
pub(crate) fn pick<R: Rng>(rng: &mut R, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut u = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if u < *w {
            return i;
        }
        u -= w;
    }
    weights.len() - 1
}

pub(crate) fn draw_district<R: Rng>(rng: &mut R) -> usize {
    let w: Vec<f64> = DISTRICTS.iter().map(|d| d.weight).collect();
    pick(rng, &w)
}

/// Age at first contact in years (fractional). The inflow is young-heavy. The cap
/// at 66.7 keeps every spell at least 3 months from the pension age of 67.
pub(crate) fn draw_age<R: Rng>(rng: &mut R) -> f64 {
    const BANDS: [(f64, f64, f64); 5] = [
        (18.0, 25.0, 0.22),
        (25.0, 30.0, 0.14),
        (30.0, 45.0, 0.30),
        (45.0, 55.0, 0.18),
        (55.0, 66.7, 0.16),
    ];
    let w: Vec<f64> = BANDS.iter().map(|b| b.2).collect();
    let (lo, hi, _) = BANDS[pick(rng, &w)];
    rng.random_range(lo..hi)
}

/// Origin given the district's share of non-western residents; about 80 % dansk
/// overall. Descendants are young, so their age is redrawn below 40.
pub(crate) fn draw_origin<R: Rng>(rng: &mut R, d: &District, age: &mut f64) -> usize {
    let west = 0.05;
    let w = [
        1.0 - d.nonwestern - west,
        west * 0.8,
        d.nonwestern * 0.65,
        west * 0.2,
        d.nonwestern * 0.35,
    ];
    let origin = pick(rng, &w);
    if (origin == DESC_WEST || origin == DESC_NONWEST) && *age > 40.0 {
        *age = rng.random_range(18.0..40.0);
    }
    origin
}

/// Months since immigration for recent immigrants (arrived within 5 years).
pub(crate) fn draw_immigration<R: Rng>(rng: &mut R, origin: usize) -> Option<i32> {
    let recent = match origin {
        IMM_NONWEST => 0.35,
        IMM_WEST => 0.30,
        _ => 0.0,
    };
    rng.random_bool(recent).then(|| rng.random_range(1..=60))
}

/// Highest completed education: depends on age (the young cannot have a degree
/// yet), non-western immigration and the district's social profile.
pub(crate) fn draw_education<R: Rng>(rng: &mut R, age: f64, origin: usize, d: &District) -> usize {
    let mut w: [f64; 8] = if age < 20.0 {
        [0.60, 0.40, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    } else if age < 25.0 {
        [0.35, 0.28, 0.22, 0.04, 0.04, 0.07, 0.0, 0.0]
    } else if age < 30.0 {
        [0.25, 0.13, 0.28, 0.06, 0.10, 0.06, 0.11, 0.01]
    } else {
        [0.26, 0.06, 0.36, 0.06, 0.12, 0.03, 0.10, 0.01]
    };
    if origin == IMM_NONWEST {
        w[0] *= 2.2;
    }
    w[0] *= (-d.social).exp();
    for x in w.iter_mut().skip(3) {
        *x *= d.social.exp();
    }
    pick(rng, &w)
}

/// Driving licence: likelier with age and education, rarer for the very young
/// and for non-western immigrants.
pub(crate) fn draw_licence<R: Rng>(
    rng: &mut R,
    age: f64,
    edu: usize,
    origin: usize,
    d: &District,
) -> bool {
    let x = 0.9 + 0.15 * edu as f64 + 0.05 * (age - 25.0).clamp(-7.0, 20.0) + 0.5 * d.social
        - if origin == IMM_NONWEST { 1.3 } else { 0.0 }
        - if age < 21.0 { 0.8 } else { 0.0 };
    rng.random_bool(sigmoid(x))
}

/// Years of schooling after age 16 implied by each education level.
const SCHOOL_YEARS: [f64; 8] = [0.0, 3.0, 3.5, 5.0, 6.5, 6.0, 8.0, 11.0];

/// Work experience in years, one decimal: a share of the potential experience
/// (age minus schooling), at least the months employed recently. Some who have
/// not worked recently never have (many of the young, some recent immigrants).
pub(crate) fn draw_experience<R: Rng>(
    rng: &mut R,
    age: f64,
    edu: usize,
    recent_immigrant: bool,
    emp: u32,
) -> f64 {
    let never = match (age < 25.0, recent_immigrant) {
        (true, _) => 0.5,
        (false, true) => 0.4,
        _ => 0.1,
    };
    if emp == 0 && rng.random_bool(never) {
        return 0.0;
    }
    let potential = (age - 16.0 - SCHOOL_YEARS[edu]).max(0.0);
    let mut exp = potential * rng.random_range(0.35..0.9);
    if recent_immigrant {
        exp *= 0.5;
    }
    exp = exp.max(emp as f64 / 12.0);
    (exp * 10.0).round() / 10.0
}

/// A few real DISCO-08 unit groups per major group (index = major group).
const DISCO_CODES: [&[u16]; 10] = [
    &[110],
    &[1120, 1211, 1221, 1321, 1411, 1420],
    &[2221, 2310, 2320, 2411, 2512, 2611, 2635],
    &[3112, 3221, 3313, 3343, 3411, 3512],
    &[4110, 4120, 4222, 4311, 4321],
    &[5120, 5131, 5223, 5230, 5311, 5321, 5414],
    &[6111, 6121],
    &[7112, 7115, 7126, 7231, 7411, 7512],
    &[8160, 8183, 8322, 8332, 8341],
    &[9112, 9313, 9321, 9333, 9412, 9621],
];

/// Latest occupation, a DISCO-08 code whose major group fits the education.
/// `None` without experience.
pub(crate) fn draw_disco<R: Rng>(rng: &mut R, edu: usize, exp_years: f64) -> Option<u16> {
    if exp_years <= 0.0 {
        return None;
    }
    // Weights over major groups 1..=9 by education level.
    let w: [f64; 9] = match edu {
        0 => [0.0, 0.0, 0.0, 0.05, 0.25, 0.02, 0.15, 0.15, 0.38],
        1 => [0.0, 0.0, 0.10, 0.25, 0.35, 0.0, 0.0, 0.05, 0.25],
        2 => [0.0, 0.0, 0.10, 0.15, 0.25, 0.02, 0.33, 0.15, 0.0],
        3 => [0.0, 0.15, 0.50, 0.20, 0.0, 0.0, 0.15, 0.0, 0.0],
        4 => [0.05, 0.45, 0.40, 0.10, 0.0, 0.0, 0.0, 0.0, 0.0],
        5 => [0.0, 0.40, 0.35, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0],
        _ => [0.15, 0.75, 0.10, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    };
    let major = pick(rng, &w) + 1;
    let codes = DISCO_CODES[major];
    Some(codes[rng.random_range(0..codes.len())])
}

/// A worker laid off in a downturn's mass lay-offs (manufacturing, construction,
/// transport): core working age, more often a man, mostly skilled or unskilled
/// manual work, 24-36 months of steady employment up to first contact, and
/// nearly always insured (a-kasse), so mostly on dagpenge. Documented in
/// docs/extracts.md ("Konjunkturchok").
pub(crate) struct LaidOff;

impl LaidOff {
    pub const MALE: f64 = 0.70;
    pub const INSURED: f64 = 0.90;

    /// Age in years: 25-29 12 %, 30-44 40 %, 45-54 28 %, 55-62 20 %.
    pub fn age<R: Rng>(rng: &mut R) -> f64 {
        const BANDS: [(f64, f64, f64); 4] = [
            (25.0, 30.0, 0.12),
            (30.0, 45.0, 0.40),
            (45.0, 55.0, 0.28),
            (55.0, 62.0, 0.20),
        ];
        let w: Vec<f64> = BANDS.iter().map(|b| b.2).collect();
        let (lo, hi, _) = BANDS[pick(rng, &w)];
        rng.random_range(lo..hi)
    }

    /// Education weights (grundskole … phd): mostly vocational or none.
    pub fn education<R: Rng>(rng: &mut R) -> usize {
        pick(rng, &[0.25, 0.05, 0.50, 0.08, 0.07, 0.03, 0.02, 0.0])
    }

    /// Months employed of the last 36: 24-36.
    pub fn employment<R: Rng>(rng: &mut R) -> u32 {
        rng.random_range(24..=36)
    }

    /// Occupation: DISCO-08 major groups 7 (craft) and 8 (operators) 35 % each,
    /// 9 (elementary) 15 %, 4 (clerical) 10 %, 3 (technicians) 5 %.
    pub fn disco<R: Rng>(rng: &mut R) -> u16 {
        const MAJORS: [usize; 5] = [3, 4, 7, 8, 9];
        let major = MAJORS[pick(rng, &[0.05, 0.10, 0.35, 0.35, 0.15])];
        let codes = DISCO_CODES[major];
        codes[rng.random_range(0..codes.len())]
    }
}

/// Major groups whose trades are hit by a downturn (DISCO-08 7 and 8): their
/// exit hazard falls further ([`super::hazard::TRADE_SHOCK`]).
pub(crate) fn hit_trade(disco: Option<u16>) -> bool {
    disco.is_some_and(|c| matches!(c / 1000, 7 | 8))
}

/// The 7th CPR digit must encode the century together with YY (DOMAIN.md).
pub(crate) fn century_digit<R: Rng>(rng: &mut R, year: i32) -> u32 {
    let yy = year % 100;
    match year {
        // 4 and 9 cover 2000-2036, 5-8 cover 2000-2057 and 1858-1899.
        2000.. if yy <= 36 => rng.random_range(4..=9),
        2000.. => rng.random_range(5..=8),
        1900.. if yy >= 37 => [0, 1, 2, 3, 4, 9][rng.random_range(0..6)],
        1900.. => rng.random_range(0..=3),
        _ => rng.random_range(5..=8),
    }
}

/// A CPR number `DDMMYY-SSSS` valid for the birth date and sex (last digit odd
/// for men), unique among `taken`. Modulus 11 is deliberately not enforced.
pub(crate) fn make_cpr<R: Rng>(
    rng: &mut R,
    birth: NaiveDate,
    male: bool,
    taken: &mut HashSet<String>,
) -> String {
    loop {
        let d7 = century_digit(rng, birth.year());
        let mid = rng.random_range(0..100u32);
        let last = rng.random_range(0..5u32) * 2 + u32::from(male);
        let cpr = format!(
            "{:02}{:02}{:02}-{}{:02}{}",
            birth.day(),
            birth.month(),
            birth.year() % 100,
            d7,
            mid,
            last
        );
        if taken.insert(cpr.clone()) {
            return cpr;
        }
    }
}

/// Birth date for someone `age` years old (fractional) on `on`.
pub(crate) fn birth_for_age(on: NaiveDate, age: f64) -> NaiveDate {
    let birth = on - days((age * 365.25) as i64);
    debug_assert!(age_at(birth, on) >= 17);
    birth
}
