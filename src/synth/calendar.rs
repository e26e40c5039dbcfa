//! Month arithmetic. The simulation counts months as `i32` indices relative to the
//! first delivered month (index 0); the 36-month register history before a
//! citizen's first contact uses negative indices.

use chrono::{Datelike, Duration, Months, NaiveDate};
use rand::Rng;

/// The delivery horizon: `months` consecutive months from `start`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Calendar {
    pub start: NaiveDate,
    pub months: i32,
}

impl Calendar {
    pub fn new(start: NaiveDate, months: i32) -> Self {
        Calendar { start, months }
    }

    /// First day of month `m` (may be negative).
    pub fn first_day(&self, m: i32) -> NaiveDate {
        let shifted = if m >= 0 {
            self.start.checked_add_months(Months::new(m as u32))
        } else {
            self.start.checked_sub_months(Months::new(m.unsigned_abs()))
        };
        shifted.expect("month index within chrono's range")
    }

    /// Last day of month `m`.
    pub fn last_day(&self, m: i32) -> NaiveDate {
        self.first_day(m + 1) - Duration::days(1)
    }

    /// Month index of a date.
    pub fn index_of(&self, d: NaiveDate) -> i32 {
        (d.year() - self.start.year()) * 12 + d.month() as i32 - self.start.month() as i32
    }

    /// Last day of the last delivered month: nothing may happen after it
    /// (except a programme's planned end).
    pub fn horizon_end(&self) -> NaiveDate {
        self.last_day(self.months - 1)
    }

    /// A uniformly drawn day of month `m`.
    pub fn random_day<R: Rng>(&self, m: i32, rng: &mut R) -> NaiveDate {
        let first = self.first_day(m);
        let days = (self.last_day(m) - first).num_days();
        first + Duration::days(rng.random_range(0..=days))
    }
}

/// Whole years of age on `date` for someone born on `birth`.
pub(crate) fn age_at(birth: NaiveDate, date: NaiveDate) -> i32 {
    let mut age = date.year() - birth.year();
    if (date.month(), date.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// The date someone born on `birth` turns `years` (29 February maps to 1 March).
pub(crate) fn birthday(birth: NaiveDate, years: i32) -> NaiveDate {
    let y = birth.year() + years;
    NaiveDate::from_ymd_opt(y, birth.month(), birth.day())
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(y, 3, 1).expect("valid date"))
}

pub(crate) fn days(n: i64) -> Duration {
    Duration::days(n)
}
