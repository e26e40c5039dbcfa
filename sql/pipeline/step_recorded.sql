-- One step of a run, in order. Parameters: run_id, step, position, duration_ms,
-- rows, status, detail.
insert into pipeline_steps (run_id, step, position, started_at, duration_ms, rows, status, detail)
values (?, ?, ?, now(), ?, ?, ?, ?)
