-- When the newest successful run finished (seconds since 1970, UTC).
select max(epoch(finished_at))::double as finished_epoch
from pipeline_runs
where status = 'succeeded'
