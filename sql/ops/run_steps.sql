-- The steps of one run: duration, rows and outcome. Parameter: run id.
select step, status, duration_ms / 1000.0 as duration_s, rows
from pipeline_steps
where run_id = ?
order by position
