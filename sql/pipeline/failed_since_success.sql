-- Failed runs since the last run that succeeded, by month ('MM-YYYY', as the alert
-- names it): the run log's answer to "must somebody look?", read by the monitor
-- step for its run alerts.
select
    strftime(run_month, '%m-%Y') as month,
    count(*) as failures
from pipeline_runs
where
    status = 'failed'
    and started_at > coalesce(
        (select max(started_at) from pipeline_runs where status = 'succeeded'),
        '1900-01-01'::timestamp
    )
group by run_month
order by run_month
