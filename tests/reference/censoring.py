"""Reference values for survival with per-person censoring (issue #19).

Run:  python3 tests/reference/censoring.py > tests/reference/censoring.json
Needs: pip install lifelines numpy
Read by: src/monitor/outcomes.rs (test at the bottom), which derives each person's
         survival time from the same status paths as sql/monitor/monitor_rows.sql does
         (MonitorRow::survival_time) and matches lifelines' Kaplan-Meier to 1e-9.

Each person has a status for months 1..12 after the cohort month, as the registers
deliver them: `beskaeftiget`, `ydelse`, `uddannelse`, `syg`, `udenfor`, or a month
that was not observed: `fraflyttet` and `doed` (for good), `ukendt` (a register gap),
or no row at all (the delivery ends: a late cohort's follow-up is incomplete). About
40 % of the persons are censored before month 12 by moving out, dying or dropping out.

lifelines' convention, written out here independently of the Rust: the event is the
first month with a job or education; a person without one is censored at their last
observed month (the last month with a status that is not `fraflyttet`, `doed` or
`ukendt`), 0 if there is none. A person observed again after a gap is at risk
through the gap (the usual simplification).
"""
import json

import lifelines
import numpy as np
from lifelines import KaplanMeierFitter

rng = np.random.default_rng(20261207)
HORIZON = 12
EXIT = {"beskaeftiget", "uddannelse"}
UNOBSERVED = {"fraflyttet", "doed", "ukendt"}


def person():
    """One status path over months 1..12 (None: no row delivered)."""
    leave = int(np.ceil(rng.exponential(10.0)))
    path = []
    for m in range(1, HORIZON + 1):
        path.append("beskaeftiget" if m >= leave else str(rng.choice(["ydelse", "syg", "udenfor"], p=[0.8, 0.1, 0.1])))
    u = rng.random()
    if u < 0.34:
        # Moves out or dies in a month 1..12, every later month says so.
        at = int(rng.integers(1, HORIZON + 1))
        gone = "doed" if rng.random() < 0.1 else "fraflyttet"
        path[at - 1:] = [gone] * (HORIZON - at + 1)
    elif u < 0.40:
        # The delivery ends: no rows after a month 1..11 (incomplete follow-up).
        end = int(rng.integers(0, HORIZON))
        path[end:] = [None] * (HORIZON - end)
    if rng.random() < 0.08:
        # A register gap in one month.
        at = int(rng.integers(0, HORIZON))
        if path[at] is not None and path[at] not in UNOBSERVED:
            path[at] = "ukendt"
    return path


def survival_time(path):
    observed = [m for m, s in enumerate(path, 1) if s is not None and s not in UNOBSERVED]
    last = max(observed, default=0)
    exits = [m for m, s in enumerate(path, 1) if s in EXIT]
    if exits and exits[0] <= last:
        return exits[0], True
    return last, False


paths = [person() for _ in range(400)]
durations, events = zip(*(survival_time(p) for p in paths))
censored_before_horizon = sum(1 for d, e in zip(durations, events) if not e and d < HORIZON)
kmf = KaplanMeierFitter().fit(list(durations), event_observed=list(events))
months = list(range(1, HORIZON + 1))
ci = kmf.confidence_interval_
out = {
    "generated_with": {"lifelines": lifelines.__version__, "numpy": np.__version__},
    "horizon": HORIZON,
    "paths": paths,
    "durations": [int(d) for d in durations],
    "events": [bool(e) for e in events],
    "censored_share": censored_before_horizon / len(paths),
    # The share whose outcome month (12) was not observed: their label is unknown.
    "unknown_outcome_share": sum(1 for p in paths if p[-1] is None or p[-1] in UNOBSERVED) / len(paths),
    "months": months,
    "survival_at_months": [float(v) for v in kmf.survival_function_at_times(months).values],
    "low_at_months": [float(v) for v in ci.iloc[:, 0].reindex(months, method="pad").values],
    "high_at_months": [float(v) for v in ci.iloc[:, 1].reindex(months, method="pad").values],
}
print(json.dumps(out, indent=0, ensure_ascii=False))
