-- The newest run, for /readyz and /metrics: its month, outcome, trigger, start
-- (seconds since 1970, UTC) and duration in seconds (null while it runs).
select
    run_id,
    strftime(run_month, '%Y-%m') as run_month,
    status,
    trigger,
    epoch(started_at)::double as started_epoch,
    (epoch(finished_at) - epoch(started_at))::double as duration_s,
    error
from pipeline_runs
order by started_at desc
limit 1
