//! When a scheduled run is due. The cron job (and the catch-up at start) asks
//! [`on_tick`] or [`catch_up`] with the time *now* and what the store knows, so the
//! decision is a function of a clock the tests control: a tick runs the month once,
//! a second tick, a restart or a catch-up for the same month never runs it again,
//! and a tick missed while the server was down is caught up at the next start if the
//! month's delivery is there.

use chrono::{DateTime, NaiveDate, Utc};
use croner::parser::{CronParser, Seconds};
use croner::Cron;

use crate::config::ScheduleConfig;

use super::target_month;

/// The schedule's cron expression, parsed as the scheduler parses it (seconds
/// first, required), in the schedule's time zone.
#[derive(Debug, Clone)]
pub struct Plan {
    cron: Cron,
    cfg: ScheduleConfig,
}

/// What the store knows about a month, as the decision needs it.
pub trait Runs {
    /// The latest month with a successful run, if any; an error if the store
    /// cannot tell (then nothing is run).
    fn latest_succeeded(&self) -> Result<Option<NaiveDate>, String>;
    /// Whether the month's delivery is there to run on (files in the inbox, or
    /// loaded by `jobcockpit ingest` and not yet run).
    fn delivery_present(&self, month: NaiveDate) -> bool;
    /// Runs the pipeline for the month (blocking).
    fn run(&self, month: NaiveDate, trigger: &str);
}

/// What a tick or a catch-up did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The month was run.
    Ran(NaiveDate),
    /// The month (or a later one) already has a successful run.
    AlreadyRun(NaiveDate),
    /// No tick has passed yet, so nothing can have been missed.
    NoTickYet,
    /// The last tick's month has no delivery: nothing to catch up.
    NoDelivery(NaiveDate),
    /// The store could not say what has run, so nothing was run.
    Unknown(String),
}

/// The trigger written in the run log for a run made by a tick / a catch-up.
pub const TICK_TRIGGER: &str = "schedule";
pub const CATCH_UP_TRIGGER: &str = "schedule:indhentet";

impl Plan {
    /// Parses the schedule's cron expression; a wrong one is an error at start-up.
    pub fn new(cfg: &ScheduleConfig) -> Result<Plan, croner::errors::CronError> {
        let cron = CronParser::builder()
            .seconds(Seconds::Required)
            .build()
            .parse(&cfg.cron)?;
        Ok(Plan {
            cron,
            cfg: cfg.clone(),
        })
    }

    /// The latest tick at or before `now`, on the schedule's clock.
    pub fn last_tick(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = now.with_timezone(&self.cfg.timezone);
        self.cron
            .find_previous_occurrence(&local, true)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    /// The ticks in `(after, until]`, in order.
    pub fn ticks_between(&self, after: DateTime<Utc>, until: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        let start = after.with_timezone(&self.cfg.timezone);
        self.cron
            .iter_after(start)
            .map(|t| t.with_timezone(&Utc))
            .take_while(|t| *t <= until)
            .collect()
    }

    /// The month a tick at `at` processes.
    pub fn month_of(&self, at: DateTime<Utc>) -> NaiveDate {
        target_month(&self.cfg, at)
    }
}

/// A month already run (or overtaken by a later month's run) is never run again
/// by the schedule; the data unit can still force a run.
fn already_run(runs: &dyn Runs, month: NaiveDate) -> Result<bool, Decision> {
    match runs.latest_succeeded() {
        Ok(latest) => Ok(latest.is_some_and(|latest| latest >= month)),
        Err(e) => Err(Decision::Unknown(e)),
    }
}

/// A tick at `now`: runs the month it names unless that month has run. A run
/// without a delivery is still made, so the missing delivery shows as a failed run.
pub fn on_tick(plan: &Plan, now: DateTime<Utc>, runs: &dyn Runs) -> Decision {
    let month = plan.month_of(now);
    match already_run(runs, month) {
        Ok(true) => return Decision::AlreadyRun(month),
        Ok(false) => {}
        Err(unknown) => return unknown,
    }
    runs.run(month, TICK_TRIGGER);
    Decision::Ran(month)
}

/// At start: if the latest tick before `now` was missed (its month has no
/// successful run) and the month's delivery is there, runs it now. Only the latest
/// tick's month is caught up: older months are a backfill's job.
pub fn catch_up(plan: &Plan, now: DateTime<Utc>, runs: &dyn Runs) -> Decision {
    let Some(tick) = plan.last_tick(now) else {
        return Decision::NoTickYet;
    };
    let month = plan.month_of(tick);
    match already_run(runs, month) {
        Ok(true) => return Decision::AlreadyRun(month),
        Ok(false) => {}
        Err(unknown) => return unknown,
    }
    if !runs.delivery_present(month) {
        return Decision::NoDelivery(month);
    }
    runs.run(month, CATCH_UP_TRIGGER);
    Decision::Ran(month)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use std::cell::RefCell;
    use std::collections::BTreeSet;

    /// A store stand-in: deliveries that arrived, and the runs made (a run with a
    /// delivery succeeds, one without fails, as the pipeline does).
    #[derive(Default)]
    struct FakeStore {
        delivered: BTreeSet<NaiveDate>,
        succeeded: RefCell<BTreeSet<NaiveDate>>,
        runs: RefCell<Vec<(NaiveDate, String)>>,
        broken: bool,
    }

    impl Runs for FakeStore {
        fn latest_succeeded(&self) -> Result<Option<NaiveDate>, String> {
            if self.broken {
                return Err("databasen svarer ikke".into());
            }
            Ok(self.succeeded.borrow().iter().next_back().copied())
        }
        fn delivery_present(&self, month: NaiveDate) -> bool {
            self.delivered.contains(&month)
        }
        fn run(&self, month: NaiveDate, trigger: &str) {
            self.runs.borrow_mut().push((month, trigger.to_string()));
            if self.delivered.contains(&month) {
                self.succeeded.borrow_mut().insert(month);
            }
        }
    }

    fn plan() -> Plan {
        let cfg =
            crate::config::PipelineConfig::load(std::path::Path::new("pipelines/monthly.toml"))
                .unwrap()
                .schedule;
        Plan::new(&cfg).unwrap()
    }

    fn month(y: i32, m: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, 1).unwrap()
    }

    fn cph(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        chrono_tz::Europe::Copenhagen
            .with_ymd_and_hms(y, mo, d, h, mi, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    /// A server running from `from` to `until` on a controlled clock that moves a
    /// quarter of an hour at a time: every tick the cron expression names in a step
    /// is fired, as the scheduler would, with the clock at the tick.
    fn serve(
        plan: &Plan,
        store: &FakeStore,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Vec<Decision> {
        let mut decisions = vec![catch_up(plan, from, store)];
        let mut clock = from;
        while clock < until {
            let next = (clock + Duration::minutes(15)).min(until);
            for tick in plan.ticks_between(clock, next) {
                decisions.push(on_tick(plan, tick, store));
            }
            clock = next;
        }
        decisions
    }

    #[test]
    fn the_shipped_plan_ticks_at_six_on_the_fifth_in_copenhagen_winter_and_summer() {
        let p = plan();
        let ticks = p.ticks_between(cph(2026, 1, 1, 0, 0), cph(2026, 8, 1, 0, 0));
        let local: Vec<String> = ticks
            .iter()
            .map(|t| {
                t.with_timezone(&chrono_tz::Europe::Copenhagen)
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .collect();
        assert_eq!(
            local,
            [
                "2026-01-05 06:00",
                "2026-02-05 06:00",
                "2026-03-05 06:00",
                "2026-04-05 06:00",
                "2026-05-05 06:00",
                "2026-06-05 06:00",
                "2026-07-05 06:00"
            ]
        );
        // 06:00 in Copenhagen is 05:00 UTC in winter and 04:00 UTC in summer.
        assert_eq!(ticks[0], Utc.with_ymd_and_hms(2026, 1, 5, 5, 0, 0).unwrap());
        assert_eq!(ticks[6], Utc.with_ymd_and_hms(2026, 7, 5, 4, 0, 0).unwrap());
        assert_eq!(
            p.last_tick(cph(2026, 3, 5, 5, 59)),
            Some(cph(2026, 2, 5, 6, 0))
        );
        assert_eq!(
            p.last_tick(cph(2026, 3, 5, 6, 0)),
            Some(cph(2026, 3, 5, 6, 0))
        );
    }

    #[test]
    fn a_tick_runs_its_month_once_and_a_second_tick_or_restart_never_again() {
        let p = plan();
        let store = FakeStore {
            delivered: [month(2026, 1), month(2026, 2)].into(),
            ..Default::default()
        };
        // Three months of a server that never stops: the ticks of 5 Feb, 5 Mar and
        // 5 Apr run January, February and March (no delivery: a failed run).
        let d = serve(&p, &store, cph(2026, 2, 1, 0, 0), cph(2026, 4, 30, 0, 0));
        // At start, December's tick (5 Jan) had no delivery: nothing is caught up.
        assert_eq!(d[0], Decision::NoDelivery(month(2025, 12)));
        assert_eq!(
            *store.runs.borrow(),
            [
                (month(2026, 1), TICK_TRIGGER.to_string()),
                (month(2026, 2), TICK_TRIGGER.to_string()),
                (month(2026, 3), TICK_TRIGGER.to_string()),
            ]
        );
        // The same tick fired a second time (two schedulers, a clock set back),
        // and a restart right after it: February is not run again.
        assert_eq!(
            on_tick(&p, cph(2026, 3, 5, 6, 0), &store),
            Decision::AlreadyRun(month(2026, 2))
        );
        assert_eq!(
            catch_up(&p, cph(2026, 3, 5, 7, 0), &store),
            Decision::AlreadyRun(month(2026, 2))
        );
        assert_eq!(store.runs.borrow().len(), 3);
    }

    #[test]
    fn a_tick_missed_while_the_server_was_down_is_caught_up_once_at_start() {
        let p = plan();
        let store = FakeStore {
            delivered: [month(2026, 1), month(2026, 2)].into(),
            ..Default::default()
        };
        // Up through January's tick, down from 1 to 10 March (February's tick on the
        // 5th is missed), up again after.
        serve(&p, &store, cph(2026, 2, 1, 0, 0), cph(2026, 3, 1, 0, 0));
        assert_eq!(store.runs.borrow().len(), 1);
        let d = serve(&p, &store, cph(2026, 3, 10, 9, 0), cph(2026, 3, 20, 0, 0));
        assert_eq!(d, [Decision::Ran(month(2026, 2))]);
        assert_eq!(
            store.runs.borrow()[1],
            (month(2026, 2), CATCH_UP_TRIGGER.to_string())
        );
        // A second restart the same day catches nothing up.
        let d = serve(&p, &store, cph(2026, 3, 10, 12, 0), cph(2026, 3, 10, 13, 0));
        assert_eq!(d, [Decision::AlreadyRun(month(2026, 2))]);
        assert_eq!(store.runs.borrow().len(), 2);
    }

    #[test]
    fn a_missed_tick_without_a_delivery_is_not_caught_up_and_no_tick_yet_is_nothing() {
        let p = plan();
        let store = FakeStore::default();
        assert_eq!(
            catch_up(&p, cph(2026, 3, 10, 9, 0), &store),
            Decision::NoDelivery(month(2026, 2))
        );
        assert!(
            store.runs.borrow().is_empty(),
            "no failed run recorded at start"
        );
        // A plan that has never ticked (30 February) has nothing to catch up.
        let cfg = ScheduleConfig {
            cron: "0 0 6 30 2 *".into(),
            timezone: chrono_tz::Europe::Copenhagen,
            month_offset: -1,
        };
        let never = Plan::new(&cfg).unwrap();
        assert_eq!(
            catch_up(&never, cph(2026, 3, 10, 9, 0), &store),
            Decision::NoTickYet
        );
    }

    #[test]
    fn a_store_that_cannot_say_what_has_run_runs_nothing() {
        let p = plan();
        let store = FakeStore {
            delivered: [month(2026, 2)].into(),
            broken: true,
            ..Default::default()
        };
        assert!(matches!(
            on_tick(&p, cph(2026, 3, 5, 6, 0), &store),
            Decision::Unknown(_)
        ));
        assert!(matches!(
            catch_up(&p, cph(2026, 3, 9, 6, 0), &store),
            Decision::Unknown(_)
        ));
        assert!(store.runs.borrow().is_empty());
    }
}
