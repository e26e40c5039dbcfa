//! Censoring: the outcomes a real job centre never learns. After the world is
//! simulated, an observation process is laid over it: a citizen may move out of
//! the municipality or die (every later month's status is then `fraflyttet` or
//! `doed`, and the job centre sees nothing more of them), and a single month may
//! be missing in the registers (`ukendt`). The simulated lives themselves are
//! not changed before the move, so the causal structure stays as documented;
//! only what is delivered is cut.
//!
//! The rates are set from one number, the share of 2nd-interview spells whose
//! outcome 12 months later is not observed (`SynthConfig::censored_percent`,
//! default [`DEFAULT_CENSORED_PERCENT`]), see docs/extracts.md "Censurering".
//! It has its own random streams, so the lives drawn before it are the same
//! with and without censoring.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::calendar::Calendar;
use super::life::World;
use super::model::{Person, Status};

/// The default share (per cent) of 2nd-interview spells whose 12-month outcome
/// is unknown: realistic registers lose a tenth of a year's cohort or more.
pub const DEFAULT_CENSORED_PERCENT: u8 = 10;

/// The largest share the generator accepts.
pub const MAX_CENSORED_PERCENT: u8 = 80;

/// Of the unknown outcomes, the share from a single missing register month;
/// the rest from leaving the municipality's registers for good.
const GAP_PART: f64 = 0.25;

/// Of those who leave for good, the share who die rather than move out.
const DEATH_SHARE: f64 = 0.10;

/// The months between a cohort month and its outcome month.
const HORIZON: i32 = 12;

/// Mixed into the seed so these streams differ from the life streams.
const STREAM_SALT: u64 = 0x6365_6e73_6f72_6564; // "censored"

/// Monthly probabilities that give a share `s` of unknown 12-month outcomes:
/// a spell's outcome is unknown when its person leaves in the 12 months after
/// the cohort month (`1 - (1 - leave)^12`) or the outcome month is a gap.
#[derive(Debug, Clone, Copy)]
struct Rates {
    leave: f64,
    gap: f64,
}

impl Rates {
    fn for_share(s: f64) -> Rates {
        let gap = GAP_PART * s;
        let by_leaving = ((s - gap) / (1.0 - gap)).clamp(0.0, 0.99);
        Rates {
            leave: 1.0 - (1.0 - by_leaving).powf(1.0 / f64::from(HORIZON)),
            gap,
        }
    }
}

/// Applies the observation process to every citizen (nothing at 0 %).
pub(crate) fn censor(world: &mut World, seed: u64, percent: u8) {
    if percent == 0 {
        return;
    }
    let rates = Rates::for_share(f64::from(percent.min(MAX_CENSORED_PERCENT)) / 100.0);
    let cal = world.cal;
    for (i, p) in world.people.iter_mut().enumerate() {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ STREAM_SALT);
        rng.set_stream(i as u64 + 1);
        censor_person(&mut rng, &cal, p, rates);
    }
}

fn censor_person<R: Rng>(rng: &mut R, cal: &Calendar, p: &mut Person, rates: Rates) {
    // From the month after first contact: the first delivery is always whole.
    for m in (p.first_month + 1)..cal.months {
        let i = (m - p.status_from()) as usize;
        if i >= p.status.len() {
            break;
        }
        if rng.random_bool(rates.leave) {
            let status = if rng.random_bool(DEATH_SHARE) {
                Status::Dead
            } else {
                Status::MovedOut
            };
            let day = cal.random_day(m, rng);
            leave(p, i, status, day);
            return;
        }
        if rng.random_bool(rates.gap) {
            p.status[i] = Status::Unknown;
        }
    }
}

/// The citizen leaves on `day` (status index `i`): every later status says so,
/// an open spell ends that day, and nothing dated from that day on is delivered.
fn leave(p: &mut Person, i: usize, status: Status, day: chrono::NaiveDate) {
    for s in &mut p.status[i..] {
        *s = status;
    }
    p.spells.retain(|s| s.start < day);
    for s in &mut p.spells {
        if s.end.is_none_or(|e| e > day) {
            s.end = Some(day);
        }
        s.interviews.retain(|d| *d < day);
        s.programmes.retain(|pr| pr.start < day);
    }
    p.cvs.retain(|cv| cv.date < day);
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::synth::readback::{cases_and_unknown, generated, small};
    use crate::synth::SynthConfig;

    /// Measured in the files: the share of 2nd-interview spells whose 12-month
    /// outcome is unknown is the asked share (default 10 %, and 40 %).
    #[test]
    fn the_files_have_the_documented_share_of_unknown_outcomes() {
        for (percent, tolerance) in [(DEFAULT_CENSORED_PERCENT, 0.03), (40, 0.04)] {
            let (dir, _) = generated(&SynthConfig {
                censored_percent: percent,
                ..small(42)
            });
            let (known, unknown) = cases_and_unknown(dir.path());
            let share = unknown as f64 / (known.len() + unknown) as f64;
            let asked = f64::from(percent) / 100.0;
            assert!((share - asked).abs() < tolerance, "{percent} %: {share}");
        }
        let (dir, _) = generated(&SynthConfig {
            censored_percent: 0,
            ..small(42)
        });
        assert_eq!(cases_and_unknown(dir.path()).1, 0);
    }

    #[test]
    fn the_rates_give_the_asked_share_of_unknown_outcomes() {
        for s in [0.1, 0.4] {
            let r = Rates::for_share(s);
            let unknown = 1.0 - (1.0 - r.leave).powi(HORIZON) * (1.0 - r.gap);
            assert!((unknown - s).abs() < 1e-12, "{s}: {unknown}");
        }
    }
}
