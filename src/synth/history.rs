//! The 36 months of register history delivered at first contact. It is drawn so
//! that it agrees with the person's attributes: the months employed are exactly the
//! prior-employment feature the hazard uses, nobody works before age 18 or before
//! immigrating, and the insured who just lost a job were employed up to contact.

use chrono::NaiveDate;
use rand::Rng;

use super::calendar::{age_at, Calendar};
use super::model::{Status, HISTORY_MONTHS};
use super::person::{pick, sigmoid};

/// What the history needs to know about the person.
pub(crate) struct Background {
    pub birth: NaiveDate,
    pub edu: usize,
    pub social: f64,
    pub nonwestern_immigrant: bool,
    /// Month index of immigration, if recent.
    pub immigrated: Option<i32>,
}

/// Months employed in the 36 months before contact. A "recently employed" person
/// (likelier with education, less likely for non-western immigrants and the very
/// young, likelier in a downturn when firms lay off) has 12-36 months, the rest 0-11.
pub(crate) fn draw_prior_employment<R: Rng>(
    rng: &mut R,
    b: &Background,
    age: f64,
    shock: bool,
) -> u32 {
    let x = -0.3 + 0.22 * b.edu as f64 + 0.5 * b.social
        - if b.nonwestern_immigrant { 0.9 } else { 0.0 }
        - if age < 22.0 { 0.8 } else { 0.0 }
        - if age >= 60.0 { 0.3 } else { 0.0 }
        + if shock { 0.3 } else { 0.0 };
    if rng.random_bool(sigmoid(x)) {
        rng.random_range(12..=36)
    } else if rng.random_bool(0.4) {
        0
    } else {
        rng.random_range(1..=11)
    }
}

/// Status for months `first - 36 .. first`, with about `emp` months employed.
/// With `lost_job_now` (a mass lay-off) the employment runs up to first contact.
pub(crate) fn pre_history<R: Rng>(
    rng: &mut R,
    cal: &Calendar,
    b: &Background,
    first: i32,
    emp: u32,
    lost_job_now: bool,
) -> Vec<Status> {
    let from = first - HISTORY_MONTHS;
    let n = HISTORY_MONTHS as usize;
    let adult = |j: usize| age_at(b.birth, cal.first_day(from + j as i32)) >= 18;
    let arrived = |j: usize| b.immigrated.is_none_or(|m| from + j as i32 >= m);
    // Employment is possible from the first month both adult and in the country.
    let lo = (0..n).find(|&j| adult(j) && arrived(j)).unwrap_or(n);
    let emp = (emp as usize).min(n - lo);
    let mut status: Vec<Option<Status>> = vec![None; n];
    for (j, s) in status.iter_mut().enumerate() {
        if !arrived(j) {
            *s = Some(Status::Outside);
        } else if !adult(j) {
            *s = Some(Status::Education);
        }
    }
    if emp > 0 {
        // Someone with a long recent employment usually lost the job just before contact.
        let at_end = emp >= 12 && (lost_job_now || rng.random_bool(0.7));
        let begin = if at_end {
            n - emp
        } else {
            rng.random_range(lo..=n - emp)
        };
        for s in &mut status[begin..begin + emp] {
            *s = Some(Status::Employed);
        }
    }
    fill_gaps(rng, cal, b, from, &mut status);
    status
        .into_iter()
        .map(|s| s.expect("every month filled"))
        .collect()
}

/// Each run of unassigned months gets one status (long runs are split in two),
/// drawn by age: the young are often in education, the others on benefit.
fn fill_gaps<R: Rng>(
    rng: &mut R,
    cal: &Calendar,
    b: &Background,
    from: i32,
    status: &mut [Option<Status>],
) {
    let mut j = 0;
    while j < status.len() {
        if status[j].is_some() {
            j += 1;
            continue;
        }
        let end = (j..status.len())
            .find(|&k| status[k].is_some())
            .unwrap_or(status.len());
        let split = if end - j > 6 && rng.random_bool(0.5) {
            rng.random_range(j + 1..end)
        } else {
            end
        };
        for (a, z) in [(j, split), (split, end)] {
            if a < z {
                let young = age_at(b.birth, cal.first_day(from + a as i32)) < 25;
                let s = gap_status(rng, young);
                status[a..z].iter_mut().for_each(|x| *x = Some(s));
            }
        }
        j = end;
    }
}

fn gap_status<R: Rng>(rng: &mut R, young: bool) -> Status {
    const YOUNG: [(Status, f64); 4] = [
        (Status::Education, 0.45),
        (Status::Benefit, 0.35),
        (Status::Outside, 0.12),
        (Status::Sick, 0.08),
    ];
    const OLDER: [(Status, f64); 4] = [
        (Status::Benefit, 0.55),
        (Status::Outside, 0.20),
        (Status::Sick, 0.15),
        (Status::Education, 0.10),
    ];
    let table = if young { &YOUNG } else { &OLDER };
    let w: Vec<f64> = table.iter().map(|t| t.1).collect();
    table[pick(rng, &w)].0
}
