//! One benefit spell, simulated in 30-day periods from its start: interviews,
//! programmes and the monthly exit draw.

use chrono::{Datelike, NaiveDate};
use rand::Rng;

use super::calendar::{age_at, birthday, days, Calendar};
use super::hazard::{lock_in, post_effect, probability, HazardInput, POST_DAYS};
use super::model::{Cv, Group, Person, Programme, Spell, Status, DISTRICTS, YOUTH_TEAM};
use super::person::hit_trade;
use super::rules::{draw_destination, draw_duration, draw_kind, programme_rate};
use super::selection::selected_rate;

/// Calendar and scenario switches shared by all spells.
pub(crate) struct Ctx {
    pub cal: Calendar,
    /// First day of the downturn, if any.
    pub shock: Option<NaiveDate>,
    /// District whose hazard is biased downwards, if any.
    pub biased: Option<usize>,
}

impl Ctx {
    pub fn shock_at(&self, d: NaiveDate) -> bool {
        self.shock.is_some_and(|s| d >= s)
    }
}

/// A simulated spell and, if it ended within the horizon, where the person went.
pub(crate) struct Outcome {
    pub spell: Spell,
    pub destination: Option<Status>,
}

pub(crate) fn run_spell<R: Rng>(
    rng: &mut R,
    ctx: &Ctx,
    p: &Person,
    start: NaiveDate,
    group: Group,
    emp: u32,
) -> Outcome {
    let horizon = ctx.cal.horizon_end();
    let first = start + days(rng.random_range(3..=28));
    let second = start + days(rng.random_range(30..=90));
    let mut programmes = Vec::new();
    let exit = simulate_exit(
        rng,
        ctx,
        p,
        start,
        group,
        emp,
        first,
        second,
        &mut programmes,
    );
    // Nothing of the spell happens on or after the exit, or after the horizon.
    let stop = exit.map_or(horizon + days(1), |e| e.0);
    programmes.retain(|pr| pr.start < stop && pr.start <= horizon);
    let team = if group == Group::Uddannelseshjaelp {
        YOUTH_TEAM
    } else {
        DISTRICTS[p.district].team
    };
    let spell = Spell {
        start,
        end: exit.map(|e| e.0),
        group,
        team,
        interviews: interview_dates(rng, first, second, stop.min(horizon + days(1))),
        programmes,
    };
    Outcome {
        spell,
        destination: exit.map(|e| e.1),
    }
}

/// Runs the 30-day periods until the person leaves (date and destination) or the
/// horizon ends (`None`). Programmes are started along the way.
#[allow(clippy::too_many_arguments)]
fn simulate_exit<R: Rng>(
    rng: &mut R,
    ctx: &Ctx,
    p: &Person,
    start: NaiveDate,
    group: Group,
    emp: u32,
    first: NaiveDate,
    second: NaiveDate,
    programmes: &mut Vec<Programme>,
) -> Option<(NaiveDate, Status)> {
    let horizon = ctx.cal.horizon_end();
    let pension = birthday(p.birth, 67);
    for k in 0u32.. {
        let p0 = start + days(30 * k as i64);
        if p0 > horizon {
            return None;
        }
        maybe_programme(rng, group, p0, second, programmes, p.motivation);
        if pension < p0 + days(30) {
            // Folkepension: the spell ends at 67 and the person is outside for good.
            return (pension <= horizon).then_some((pension.max(p0), Status::Outside));
        }
        let mid = p0 + days(15);
        let x = HazardInput {
            group,
            age: age_at(p.birth, mid),
            edu: p.edu,
            emp_months: emp,
            licence: p.licence,
            period: k,
            calendar_month: mid.month(),
            district: p.district,
            programme: programme_effect(programmes, mid, group, p.edu),
            shock: ctx.shock_at(mid),
            trade_shock: ctx.shock_at(mid) && hit_trade(p.disco),
            biased: ctx.biased == Some(p.district),
            motivation: p.motivation,
        };
        if rng.random_bool(probability(&x)) {
            // In the first period the exit comes after the 1st interview.
            let lo = if k == 0 {
                (first - start).num_days() + 1
            } else {
                0
            };
            let date = p0 + days(rng.random_range(lo..=29));
            let dest = draw_destination(rng, group, x.age);
            return (date <= horizon).then_some((date, dest));
        }
    }
    unreachable!("the loop returns once the horizon is passed")
}

/// After the 2nd interview, a person without a running programme may start one
/// (at most three per spell). Under hidden selection caseworkers pick the more
/// motivated: the start odds grow with the motivation the product cannot see.
pub(crate) fn maybe_programme<R: Rng>(
    rng: &mut R,
    group: Group,
    p0: NaiveDate,
    second: NaiveDate,
    progs: &mut Vec<Programme>,
    motivation: f64,
) {
    let running = progs.iter().any(|pr| pr.end > p0);
    let rate = if motivation == 0.0 {
        programme_rate(group)
    } else {
        selected_rate(programme_rate(group), motivation)
    };
    if p0 <= second || running || progs.len() >= 3 || !rng.random_bool(rate) {
        return;
    }
    let kind = draw_kind(rng, group);
    let start = p0 + days(rng.random_range(0..=20));
    let end = start + days(draw_duration(rng, kind));
    progs.push(Programme { kind, start, end });
}

/// Lock-in while a programme runs at `mid`, plus the largest post-programme
/// effect of a programme that ended within the last 182 days.
pub(crate) fn programme_effect(
    progs: &[Programme],
    mid: NaiveDate,
    group: Group,
    edu: usize,
) -> f64 {
    let mut lock = 0.0;
    let mut post: f64 = 0.0;
    for pr in progs {
        if pr.start <= mid && mid < pr.end {
            lock += lock_in(pr.kind);
        } else if pr.end <= mid && mid < pr.end + days(POST_DAYS) {
            post = post.max(post_effect(pr.kind, group, edu));
        }
    }
    lock + post
}

/// 1st interview within 4 weeks, 2nd 1-3 months after the start, then about
/// every 3 months; only dates before `stop`.
fn interview_dates<R: Rng>(
    rng: &mut R,
    first: NaiveDate,
    second: NaiveDate,
    stop: NaiveDate,
) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    if first < stop {
        out.push(first);
    }
    let mut d = second;
    while d < stop {
        out.push(d);
        d += days(rng.random_range(80..=100));
    }
    out
}

/// CV rows for a spell: a registration within 3 weeks of the start (before the
/// 2nd interview) and occasional updates while the spell lasts. Updates may add a
/// driving licence; the hazard keeps using the value at the spell start.
pub(crate) fn cv_rows<R: Rng>(rng: &mut R, p: &mut Person, spell: &Spell, horizon: NaiveDate) {
    let stop = spell.end.unwrap_or(horizon).min(horizon);
    let push = |p: &mut Person, date: NaiveDate| {
        if date <= stop && !p.cvs.iter().any(|c| c.date == date) {
            let cv = Cv {
                date,
                edu: p.edu,
                exp_years: p.exp_years,
                disco: p.disco,
                licence: p.licence,
            };
            p.cvs.push(cv);
        }
    };
    // Registered even by those who leave within days (clamped to the exit).
    push(p, (spell.start + days(rng.random_range(0..=21))).min(stop));
    let mut d = spell.start + days(30);
    while d <= stop {
        if rng.random_bool(0.04) {
            if !p.licence && rng.random_bool(0.15) {
                p.licence = true;
            }
            push(p, d + days(rng.random_range(0..=29)));
        }
        d += days(30);
    }
}
