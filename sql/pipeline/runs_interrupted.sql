-- One process owns the store, so at start-up a run still marked as running was cut
-- off (a crash or a kill).
update pipeline_runs set status = 'failed', finished_at = now(),
    error = 'afbrudt: processen stoppede under kørslen'
where status = 'running'
