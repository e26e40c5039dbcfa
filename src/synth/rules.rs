//! The non-hazard rules of the world: which target group a spell gets, which
//! programmes are offered, where people go when they leave benefit, and how life
//! goes on after that (including returning to a new spell).

use rand::Rng;

use super::model::{Group, Kind, Status, GYMNASIAL, IMM_NONWEST};
use super::person::{pick, sigmoid};

/// What target-group assignment needs to know at the spell start.
pub(crate) struct Eligibility {
    pub age: i32,
    pub edu: usize,
    pub emp_months: u32,
    pub insured: bool,
    pub origin: usize,
    /// Months since immigration, if the person immigrated recently.
    pub months_in_country: Option<i32>,
}

/// Legal target group, in priority order: recent non-western immigrants are on
/// integrationsydelse; under-30s without vocational education and not insured on
/// uddannelseshjælp; the insured with 12 months of work on dagpenge; the rest on
/// kontanthjælp, aktivitetsparat likelier with low education and little work.
pub(crate) fn target_group<R: Rng>(rng: &mut R, e: &Eligibility) -> Group {
    let recent = e.months_in_country.is_some_and(|m| m <= 60);
    if e.origin == IMM_NONWEST && recent && rng.random_bool(0.85) {
        return Group::Integrationsydelse;
    }
    if e.age < 30 && e.edu <= GYMNASIAL && !e.insured {
        return Group::Uddannelseshjaelp;
    }
    if e.insured && e.emp_months >= 12 {
        return Group::Dagpenge;
    }
    let x = -0.35 * e.edu as f64 - 2.5 * e.emp_months as f64 / 36.0 + 0.02 * (e.age - 35) as f64;
    if rng.random_bool(sigmoid(x)) {
        Group::Aktivitetsparat
    } else {
        Group::Jobparat
    }
}

/// A-kasse membership: likelier with education and employment history, and in a
/// downturn (people who just lost a job are insured more often).
pub(crate) fn draw_insured<R: Rng>(rng: &mut R, edu: usize, emp_months: u32, shock: bool) -> bool {
    let x =
        -0.6 + 0.3 * edu as f64 + 3.0 * emp_months as f64 / 36.0 + if shock { 0.2 } else { 0.0 };
    rng.random_bool(sigmoid(x))
}

/// Monthly probability that a spell without a running programme starts one
/// (only after the 2nd interview).
pub(crate) fn programme_rate(group: Group) -> f64 {
    [0.10, 0.14, 0.14, 0.16, 0.20][group as usize]
}

/// Programme type by target group, weights in `PROGRAMME_TYPES` order.
pub(crate) fn draw_kind<R: Rng>(rng: &mut R, group: Group) -> Kind {
    const KINDS: [Kind; 7] = [
        Kind::Vejledning,
        Kind::Praktik,
        Kind::LoentilskudPrivat,
        Kind::LoentilskudOffentlig,
        Kind::Nytte,
        Kind::Mentor,
        Kind::Jobrotation,
    ];
    let w: [f64; 7] = match group {
        Group::Dagpenge => [0.40, 0.15, 0.20, 0.10, 0.0, 0.0, 0.15],
        Group::Jobparat => [0.20, 0.35, 0.15, 0.10, 0.20, 0.0, 0.0],
        Group::Aktivitetsparat => [0.15, 0.35, 0.0, 0.05, 0.05, 0.40, 0.0],
        Group::Uddannelseshjaelp => [0.40, 0.30, 0.0, 0.0, 0.10, 0.20, 0.0],
        Group::Integrationsydelse => [0.30, 0.45, 0.10, 0.0, 0.0, 0.15, 0.0],
    };
    KINDS[pick(rng, &w)]
}

/// Planned duration in days.
pub(crate) fn draw_duration<R: Rng>(rng: &mut R, kind: Kind) -> i64 {
    match kind {
        Kind::Vejledning => rng.random_range(28..=84),
        Kind::Praktik | Kind::Nytte => rng.random_range(28..=91),
        _ => rng.random_range(90..=180),
    }
}

/// Where someone goes on leaving benefit: mostly work; the young often to
/// education; aktivitetsparat often to sickness or outside; the old outside.
pub(crate) fn draw_destination<R: Rng>(rng: &mut R, group: Group, age: i32) -> Status {
    // Weights for Employed, Education, Sick, Outside.
    let mut w = [0.84, 0.04, 0.06, 0.06];
    if group == Group::Uddannelseshjaelp {
        w[1] += 0.35;
    } else if age < 30 {
        w[1] += 0.20;
    }
    if group == Group::Integrationsydelse {
        w[1] += 0.08;
    }
    if group == Group::Aktivitetsparat {
        w[2] = 0.16;
        w[3] = 0.12;
    }
    if age >= 60 {
        w[3] += 0.10;
    }
    [
        Status::Employed,
        Status::Education,
        Status::Sick,
        Status::Outside,
    ][pick(rng, &w)]
}

/// One month after an exit: either a new spell starts or the status may change.
pub(crate) enum Next {
    Return,
    Stay(Status),
}

/// Monthly transition after leaving benefit. The chance of a new spell is
/// highest soon after the exit (fragile jobs) and for those who left to sickness
/// (sickness benefit runs out). In a downturn the employed return 1.5 times as often.
pub(crate) fn next_month<R: Rng>(
    rng: &mut R,
    s: Status,
    months_since_exit: i32,
    shock: bool,
) -> Next {
    let (ret, moves): (f64, &[(Status, f64)]) = match s {
        Status::Employed => {
            let base = match months_since_exit {
                ..=6 => 0.015,
                7..=24 => 0.006,
                _ => 0.0025,
            };
            (
                base * if shock { 1.5 } else { 1.0 },
                &[(Status::Sick, 0.002), (Status::Education, 0.001)],
            )
        }
        Status::Education => (0.005, &[(Status::Employed, 0.03)]),
        Status::Sick => (0.04, &[(Status::Employed, 0.04), (Status::Outside, 0.005)]),
        Status::Outside => (0.004, &[(Status::Employed, 0.01)]),
        Status::Benefit => (1.0, &[]),
        // Censoring is laid over the lives afterwards (`censoring`); a life
        // never moves into these states itself.
        Status::MovedOut | Status::Dead | Status::Unknown => (0.0, &[]),
    };
    let mut u = rng.random::<f64>();
    if u < ret {
        return Next::Return;
    }
    u -= ret;
    for (to, p) in moves {
        if u < *p {
            return Next::Stay(*to);
        }
        u -= p;
    }
    Next::Stay(s)
}
