-- A run starts: recorded before its first step, so a crash leaves it 'running'
-- (App::open closes it as interrupted). Parameters: run_id, run_month, trigger.
insert into pipeline_runs (run_id, run_month, trigger, started_at, finished_at, status, error)
values (?, ?::date, ?, now(), null, 'running', null)
