-- A run ended with an error (the error text stays here; the cockpit shows only the
-- step that failed). Parameters: error, run_id.
update pipeline_runs set finished_at = now(), status = 'failed', error = ? where run_id = ?
