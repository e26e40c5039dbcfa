-- Pipeline runs by outcome, for /metrics.
select status, count(*) as n
from pipeline_runs
group by status
order by status
