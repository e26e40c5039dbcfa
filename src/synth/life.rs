//! The world simulation: monthly inflow of new citizens, and each citizen's whole
//! life within the horizon (spells, exits, life after exit, returns), simulated
//! at creation with the citizen's own random stream.

use std::collections::HashSet;

use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Poisson};

use super::calendar::{age_at, birthday, days, Calendar};
use super::history::{draw_prior_employment, pre_history, Background};
use super::model::{Person, Status, DISTRICTS, IMM_NONWEST};
use super::person::{
    birth_for_age, draw_age, draw_disco, draw_district, draw_education, draw_experience,
    draw_immigration, draw_licence, draw_origin, make_cpr, LaidOff,
};
use super::rules::{draw_insured, next_month, target_group, Eligibility, Next};
use super::selection::{draw_motivation, Selection};
use super::spell::{cv_rows, run_spell, Ctx};
use super::{SynthConfig, BIASED_DISTRICT};

/// Spells per inhabitant per month (new citizens and returns together).
pub(crate) const INFLOW_RATE: f64 = 0.0035;
/// Inflow multiplier by calendar month (mean 1): peaks in January and summer.
pub(crate) const SEASON: [f64; 12] = [
    1.25, 0.95, 0.95, 0.90, 0.90, 1.05, 1.20, 1.15, 0.95, 0.90, 0.85, 0.95,
];
/// Inflow multiplier from the shock month on: the extra inflow is workers laid
/// off in bulk (see [`LAYOFF_SHARE`]).
pub(crate) const SHOCK_INFLOW: f64 = 1.6;
/// From the shock month on, the share of new citizens who come from a mass
/// lay-off: `1 - 1/SHOCK_INFLOW`, so the ordinary inflow keeps its size and the
/// lay-offs are the extra.
pub(crate) const LAYOFF_SHARE: f64 = 1.0 - 1.0 / SHOCK_INFLOW;

pub(crate) struct World {
    pub cal: Calendar,
    pub people: Vec<Person>,
}

pub(crate) fn simulate(cfg: &SynthConfig) -> World {
    simulate_with(cfg, Selection::Observed)
}

/// The calendar and scenario switches of a configuration.
pub(crate) fn context(cfg: &SynthConfig) -> Ctx {
    let cal = Calendar::new(cfg.start, (cfg.years * 12) as i32);
    let biased = DISTRICTS
        .iter()
        .position(|d| d.name == BIASED_DISTRICT)
        .filter(|_| cfg.biased_district);
    Ctx {
        cal,
        shock: cfg.shock_month,
        biased,
    }
}

/// The world; with hidden selection every citizen also draws a motivation (after
/// the attributes, so nothing else changes) that the product never sees.
pub(crate) fn simulate_with(cfg: &SynthConfig, selection: Selection) -> World {
    let ctx = context(cfg);
    let cal = ctx.cal;
    let mut main = ChaCha8Rng::seed_from_u64(cfg.seed);
    let mut returns = vec![0u32; cal.months as usize];
    let mut taken = HashSet::new();
    let mut people = Vec::new();
    for m in 0..cal.months {
        // Returns were scheduled by earlier citizens; new citizens fill up the
        // expected total, but never fewer than a quarter of it.
        let target = inflow_target(cfg, &ctx, m);
        let lambda = (target - returns[m as usize] as f64).max(0.25 * target);
        let n = Poisson::new(lambda)
            .expect("positive inflow")
            .sample(&mut main) as usize;
        for _ in 0..n {
            // Each citizen has an independent stream, so a citizen's life does not
            // depend on how many random numbers earlier citizens consumed.
            let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
            rng.set_stream(people.len() as u64 + 1);
            let (mut person, start) = new_person(&mut rng, &ctx, m, &mut taken);
            if selection == Selection::Hidden {
                person.motivation = draw_motivation(&mut rng);
            }
            live(&mut rng, &ctx, &mut person, start, &mut returns);
            people.push(person);
        }
    }
    World { cal, people }
}

fn inflow_target(cfg: &SynthConfig, ctx: &Ctx, m: i32) -> f64 {
    let first = ctx.cal.first_day(m);
    let season = SEASON[chrono::Datelike::month0(&first) as usize];
    let shock = if ctx.shock_at(first) {
        SHOCK_INFLOW
    } else {
        1.0
    };
    cfg.population as f64 * INFLOW_RATE * season * shock
}

/// A citizen at first contact, with the 36 months of register history before it,
/// and the date their first spell starts (in month `m`). From the shock month on,
/// [`LAYOFF_SHARE`] of them come from a mass lay-off ([`LaidOff`]). Without a
/// shock no extra random number is drawn, so the output stays the same.
fn new_person<R: Rng>(
    rng: &mut R,
    ctx: &Ctx,
    m: i32,
    taken: &mut HashSet<String>,
) -> (Person, NaiveDate) {
    let start = ctx.cal.random_day(m, rng);
    let shock = ctx.shock_at(start);
    let laid_off = shock && rng.random_bool(LAYOFF_SHARE);
    let district = draw_district(rng);
    let d = &DISTRICTS[district];
    let mut age = if laid_off {
        LaidOff::age(rng)
    } else {
        draw_age(rng)
    };
    let origin = draw_origin(rng, d, &mut age);
    let male = rng.random_bool(if laid_off { LaidOff::MALE } else { 0.53 });
    let birth = birth_for_age(start, age);
    let immigrated = draw_immigration(rng, origin).map(|ago| m - ago);
    let edu = if laid_off {
        LaidOff::education(rng)
    } else {
        draw_education(rng, age, origin, d)
    };
    let licence = draw_licence(rng, age, edu, origin, d);
    let bg = Background {
        birth,
        edu,
        social: d.social,
        nonwestern_immigrant: origin == IMM_NONWEST,
        immigrated,
    };
    let wanted = if laid_off {
        LaidOff::employment(rng)
    } else {
        draw_prior_employment(rng, &bg, age, shock)
    };
    let status = pre_history(rng, &ctx.cal, &bg, m, wanted, laid_off);
    let emp = status.iter().filter(|s| **s == Status::Employed).count() as u32;
    let exp_years = draw_experience(rng, age, edu, immigrated.is_some(), emp);
    let disco = if laid_off {
        Some(LaidOff::disco(rng))
    } else {
        draw_disco(rng, edu, exp_years)
    };
    let insured = if laid_off {
        rng.random_bool(LaidOff::INSURED)
    } else {
        draw_insured(rng, edu, emp, shock)
    };
    let postal = d.postal[rng.random_range(0..d.postal.len())];
    let cpr = make_cpr(rng, birth, male, taken);
    let person = Person {
        cpr,
        birth,
        district,
        postal,
        origin,
        edu,
        exp_years,
        disco,
        licence,
        insured,
        immigrated,
        first_month: m,
        status,
        spells: Vec::new(),
        cvs: Vec::new(),
        motivation: 0.0,
    };
    (person, start)
}

/// Spell after spell until the horizon ends; fills `status` to the horizon.
fn live<R: Rng>(rng: &mut R, ctx: &Ctx, p: &mut Person, mut start: NaiveDate, returns: &mut [u32]) {
    loop {
        let m0 = ctx.cal.index_of(start);
        debug_assert_eq!(p.status.len() as i32, m0 - p.status_from());
        let emp = p.employed_before(m0);
        let age = age_at(p.birth, start);
        let elig = Eligibility {
            age,
            edu: p.edu,
            emp_months: emp,
            insured: p.insured,
            origin: p.origin,
            months_in_country: p.immigrated.map(|im| m0 - im),
        };
        let group = target_group(rng, &elig);
        refresh_experience(rng, &ctx.cal, p, m0);
        let out = run_spell(rng, ctx, p, start, group, emp);
        cv_rows(rng, p, &out.spell, ctx.cal.horizon_end());
        let end_month = out
            .spell
            .end
            .map_or(ctx.cal.months - 1, |e| ctx.cal.index_of(e));
        p.status.extend((m0..=end_month).map(|_| Status::Benefit));
        p.spells.push(out.spell);
        let Some(dest) = out.destination else { return };
        *p.status.last_mut().expect("spell month pushed") = dest;
        match after_exit(rng, ctx, p, end_month, dest) {
            Some(m) => {
                returns[m as usize] += 1;
                start = ctx.cal.random_day(m, rng);
            }
            None => return,
        }
    }
}

/// Before a repeat spell, work since the last CV adds to the experience, and a
/// first job gives an occupation.
fn refresh_experience<R: Rng>(rng: &mut R, cal: &Calendar, p: &mut Person, m0: i32) {
    let Some(last) = p.cvs.last() else { return };
    let from = (cal.index_of(last.date) + 1 - p.status_from()).max(0) as usize;
    let to = (m0 - p.status_from()) as usize;
    let worked = p.status[from.min(to)..to]
        .iter()
        .filter(|s| **s == Status::Employed)
        .count();
    p.exp_years = ((p.exp_years + worked as f64 / 12.0) * 10.0).round() / 10.0;
    if p.disco.is_none() {
        p.disco = draw_disco(rng, p.edu, p.exp_years);
    }
}

/// Monthly life after an exit in `exit_month`: returns the month of a new spell,
/// or `None` if none starts within the horizon. Nobody returns within 4 months of
/// the pension age; from 67 everyone is outside the labour force.
fn after_exit<R: Rng>(
    rng: &mut R,
    ctx: &Ctx,
    p: &mut Person,
    exit_month: i32,
    dest: Status,
) -> Option<i32> {
    let pension = birthday(p.birth, 67);
    let mut s = dest;
    for m in exit_month + 1..ctx.cal.months {
        let first = ctx.cal.first_day(m);
        let near_pension = pension - days(120) <= ctx.cal.last_day(m);
        match next_month(rng, s, m - exit_month, ctx.shock_at(first)) {
            Next::Return if !near_pension => return Some(m),
            Next::Return => {}
            Next::Stay(next) => s = next,
        }
        if pension <= ctx.cal.last_day(m) {
            s = Status::Outside;
        }
        p.status.push(s);
    }
    None
}
