//! The truth the programme-effect estimates are checked against (issue #17), and
//! a world with selection on something the product cannot see.
//!
//! For every programme start in the simulated world, the same person's spell is
//! simulated on from the start date twice: with the programme (as it happened:
//! kind, start, planned end) and without it (no start then; later starts follow
//! the ordinary assignment rule). Both arms read the same random streams: one
//! stream per 30-day period for the exit draw, another for later programme
//! starts, one per month for life after the exit, so the two arms differ only
//! by the programme. Each start is simulated `replicates` times and averaged,
//! so the truth is the person's expected outcome with and without the start,
//! given everything up to it. Averaged over the starts in a cell (programme,
//! risk band) it is the cell's true average effect on the treated.
//!
//! Approximations, documented in docs/extracts.md: the period of the start
//! counts only its days from the start on (the person was still on benefit when
//! the programme started); a return to benefit after an exit is simulated as a
//! new spell without programmes, in the same target group, month by month.

use std::path::Path;

use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::calendar::{age_at, birthday, days};
use super::hazard::{probability, HazardInput};
use super::life::{context, simulate_with};
use super::model::{Person, Programme, Spell, Status};
use super::output::{spell_numbers, write_all};
use super::person::hit_trade;
use super::rules::{draw_destination, next_month, Next};
use super::selection::Selection;
use super::spell::{maybe_programme, programme_effect, Ctx};
use super::{validate, SynthConfig, SynthError, SynthSummary};
use chrono::Datelike;

/// Writes the deliveries of a world generated with `selection` (as `generate`).
pub fn generate_with(
    cfg: &SynthConfig,
    selection: Selection,
    out: &Path,
) -> Result<SynthSummary, SynthError> {
    validate(cfg)?;
    write_all(&simulate_with(cfg, selection), out)
}

/// One programme start with the expected outcomes with and without it.
#[derive(Debug, Clone, PartialEq)]
pub struct TreatedTruth {
    /// The spell's identifier in the deliveries (`F0000123`).
    pub spell_id: String,
    /// Programme type code (`extracts::PROGRAMME_TYPES`).
    pub programme_type: &'static str,
    pub start: NaiveDate,
    /// Month of the spell's 2nd interview (the cohort month).
    pub cohort_month: NaiveDate,
    /// Probability of being unemployed (neither employed nor in education) 12
    /// months after the 2nd interview's month, with and without the start.
    pub unemployed_12: (f64, f64),
    /// The same two months after the start's month (the lock-in phase).
    pub unemployed_lockin: (f64, f64),
}

/// Months after the start's month at which the lock-in outcome is read.
pub const LOCKIN_MONTHS: i32 = 2;
/// Months after the cohort month at which the main outcome is read.
pub const OUTCOME_MONTHS: i32 = 12;

/// The truth for every programme start of the world of `cfg` with `selection`.
pub fn effect_truth(cfg: &SynthConfig, selection: Selection, replicates: u32) -> Vec<TreatedTruth> {
    let world = simulate_with(cfg, selection);
    let ctx = context(cfg);
    let numbers = spell_numbers(&world.people);
    let mut out = Vec::new();
    for (pi, p) in world.people.iter().enumerate() {
        for (si, sp) in p.spells.iter().enumerate() {
            let Some(&second) = sp.interviews.get(1) else {
                continue;
            };
            for (j, pr) in sp.programmes.iter().enumerate() {
                let unit = Unit {
                    ctx: &ctx,
                    p,
                    sp,
                    second,
                    prior: &sp.programmes[..j],
                    programme: pr,
                };
                let seed = cfg.seed ^ ((pi as u64) << 24) ^ ((si as u64) << 8) ^ j as u64;
                let (mut y12, mut ylock) = ((0.0, 0.0), (0.0, 0.0));
                for r in 0..replicates {
                    let base = seed
                        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                        .wrapping_add(r as u64);
                    let (a12, alock) = unit.outcomes(true, base);
                    let (b12, block) = unit.outcomes(false, base);
                    y12 = (y12.0 + a12, y12.1 + b12);
                    ylock = (ylock.0 + alock, ylock.1 + block);
                }
                let n = f64::from(replicates.max(1));
                out.push(TreatedTruth {
                    spell_id: format!("F{:07}", numbers[pi][si]),
                    programme_type: pr.kind.code(),
                    start: pr.start,
                    cohort_month: month_start(second),
                    unemployed_12: (y12.0 / n, y12.1 / n),
                    unemployed_lockin: (ylock.0 / n, ylock.1 / n),
                });
            }
        }
    }
    out
}

fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).expect("day 1 exists")
}

/// One programme start and what its spell knew up to it.
struct Unit<'a> {
    ctx: &'a Ctx,
    p: &'a Person,
    sp: &'a Spell,
    second: NaiveDate,
    prior: &'a [Programme],
    programme: &'a Programme,
}

fn stream(base: u64, n: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(base);
    rng.set_stream(n);
    rng
}

impl Unit<'_> {
    /// (unemployed 12 months after the cohort month, unemployed in the lock-in
    /// month) in one replicate of one arm, as 0 or 1.
    fn outcomes(&self, treated: bool, base: u64) -> (f64, f64) {
        let cal = &self.ctx.cal;
        let outcome_m = cal.index_of(self.second) + OUTCOME_MONTHS;
        let lockin_m = cal.index_of(self.programme.start) + LOCKIN_MONTHS;
        let last = outcome_m.max(lockin_m);
        let exit = self.exit(treated, base, cal.last_day(last));
        let status = self.status_path(exit, base, last);
        let unemployed = |m: i32| {
            let s = status(m);
            f64::from(u8::from(!matches!(s, Status::Employed | Status::Education)))
        };
        (unemployed(outcome_m), unemployed(lockin_m))
    }

    /// What the hazard needs of the spell at period `k`.
    fn hazard(&self, k: u32, progs: &[Programme]) -> f64 {
        let p = self.p;
        let p0 = self.sp.start + days(30 * k as i64);
        let mid = p0 + days(15);
        // The registration CV of the spell holds what was known at its start.
        let cv = p.cvs.iter().find(|c| c.date >= self.sp.start);
        let (licence, disco) = cv.map_or((p.licence, p.disco), |c| (c.licence, c.disco));
        let m0 = self.ctx.cal.index_of(self.sp.start);
        probability(&HazardInput {
            group: self.sp.group,
            age: age_at(p.birth, mid),
            edu: p.edu,
            emp_months: p.employed_before(m0),
            licence,
            period: k,
            calendar_month: mid.month(),
            district: p.district,
            programme: programme_effect(progs, mid, self.sp.group, p.edu),
            shock: self.ctx.shock_at(mid),
            trade_shock: self.ctx.shock_at(mid) && hit_trade(disco),
            biased: self.ctx.biased == Some(p.district),
            motivation: p.motivation,
        })
    }

    /// The spell's exit (date, destination) from the programme's start date on,
    /// or `None` if it is still open after `until`.
    fn exit(&self, treated: bool, base: u64, until: NaiveDate) -> Option<(NaiveDate, Status)> {
        let from = self.programme.start;
        let k0 = ((from - self.sp.start).num_days() / 30) as u32;
        let mut progs = self.prior.to_vec();
        if treated {
            progs.push(self.programme.clone());
        }
        let pension = birthday(self.p.birth, 67);
        for k in k0.. {
            let p0 = self.sp.start + days(30 * k as i64);
            if p0 > until {
                return None;
            }
            if k > k0 {
                let mut rng = stream(base, 2 * k as u64);
                let m = self.p.motivation;
                maybe_programme(&mut rng, self.sp.group, p0, self.second, &mut progs, m);
            }
            if pension < p0 + days(30) {
                return Some((pension.max(p0), Status::Outside));
            }
            let mut rng = stream(base, 2 * k as u64 + 1);
            let mut prob = self.hazard(k, &progs);
            // In the start's own period only the days from the start on remain.
            let lo = if k == k0 { (from - p0).num_days() } else { 0 };
            prob *= (30 - lo) as f64 / 30.0;
            let u: f64 = rng.random();
            let date = p0 + days(rng.random_range(lo..=29));
            let age = age_at(self.p.birth, p0 + days(15));
            let dest = draw_destination(&mut rng, self.sp.group, age);
            if u < prob {
                return Some((date, dest));
            }
        }
        unreachable!("the loop returns once `until` is passed")
    }

    /// Monthly status from the exit on: the exit month holds the destination,
    /// later months follow the after-exit rule; a return is a new spell without
    /// programmes whose exit is drawn month by month.
    fn status_path(
        &self,
        exit: Option<(NaiveDate, Status)>,
        base: u64,
        last: i32,
    ) -> impl Fn(i32) -> Status {
        let cal = self.ctx.cal;
        let mut path: Vec<(i32, Status)> = Vec::new();
        if let Some((date, dest)) = exit {
            let exit_m = cal.index_of(date);
            path.push((exit_m, dest));
            let (mut s, mut since, mut spell_k) = (dest, 0, None::<u32>);
            for m in exit_m + 1..=last {
                let mut rng = stream(base, 10_000 + m as u64);
                let shock = self.ctx.shock_at(cal.first_day(m));
                if let Some(k) = spell_k {
                    let prob = self.hazard_return(k, cal.first_day(m));
                    if rng.random_bool(prob) {
                        let age = age_at(self.p.birth, cal.first_day(m));
                        s = draw_destination(&mut rng, self.sp.group, age);
                        spell_k = None;
                        since = 0;
                    } else {
                        spell_k = Some(k + 1);
                    }
                } else {
                    since += 1;
                    match next_month(&mut rng, s, since, shock) {
                        Next::Return => {
                            s = Status::Benefit;
                            spell_k = Some(0);
                        }
                        Next::Stay(next) => s = next,
                    }
                }
                path.push((m, s));
            }
        }
        move |m: i32| {
            path.iter()
                .rev()
                .find(|(pm, _)| *pm <= m)
                .map_or(Status::Benefit, |(_, s)| *s)
        }
    }

    /// The exit probability in month `k` of a return spell starting around `d`.
    fn hazard_return(&self, k: u32, d: NaiveDate) -> f64 {
        let p = self.p;
        let cv = p.cvs.iter().find(|c| c.date >= self.sp.start);
        let (licence, disco) = cv.map_or((p.licence, p.disco), |c| (c.licence, c.disco));
        let m = self.ctx.cal.index_of(d);
        probability(&HazardInput {
            group: self.sp.group,
            age: age_at(p.birth, d),
            edu: p.edu,
            emp_months: p.employed_before(m.min(self.ctx.cal.index_of(self.sp.start))),
            licence,
            period: k,
            calendar_month: d.month(),
            district: p.district,
            programme: 0.0,
            shock: self.ctx.shock_at(d),
            trade_shock: self.ctx.shock_at(d) && hit_trade(disco),
            biased: self.ctx.biased == Some(p.district),
            motivation: p.motivation,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::readback::small;

    #[test]
    fn the_truth_shows_the_planted_lock_in_and_post_programme_effects() {
        let t = effect_truth(&small(5), Selection::Observed, 20);
        assert!(t.len() > 200, "{} starts", t.len());
        let mean = |f: &dyn Fn(&TreatedTruth) -> f64, kind: &str| {
            let v: Vec<f64> = t
                .iter()
                .filter(|u| u.programme_type == kind)
                .map(f)
                .collect();
            v.iter().sum::<f64>() / v.len().max(1) as f64
        };
        let lock = |u: &TreatedTruth| u.unemployed_lockin.0 - u.unemployed_lockin.1;
        let post = |u: &TreatedTruth| u.unemployed_12.0 - u.unemployed_12.1;
        // Lock-in keeps people unemployed while the programme runs...
        assert!(mean(&lock, "loentilskud_offentlig") > 0.02);
        // ...and 12 months after the 2nd interview a practice placement (lock-in
        // -0.4, then +0.3 or more for half a year) beats nytteindsats (lock-in -0.3,
        // nothing after), whose durations are drawn alike. Long programmes such as
        // wage subsidy are still locking in or just out then, so their net effect
        // at 12 months is near zero.
        let (praktik, nytte) = (
            mean(&post, "virksomhedspraktik"),
            mean(&post, "nytteindsats"),
        );
        assert!(praktik < nytte - 0.01, "praktik {praktik}, nytte {nytte}");
    }

    #[test]
    fn without_hidden_selection_nobody_has_a_motivation_and_the_world_is_unchanged() {
        let cfg = small(3);
        let a = crate::synth::life::simulate(&cfg);
        let b = simulate_with(&cfg, Selection::Observed);
        assert!(a.people.iter().all(|p| p.motivation == 0.0));
        assert_eq!(a.people.len(), b.people.len());
        let h = simulate_with(&cfg, Selection::Hidden);
        assert!(h.people.iter().any(|p| p.motivation != 0.0));
    }
}
