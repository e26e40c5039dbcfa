-- A run ended without error. Parameter: run_id.
update pipeline_runs set finished_at = now(), status = 'succeeded' where run_id = ?
