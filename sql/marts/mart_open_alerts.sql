-- The alerts open now, for the cockpit: the month's stored alerts (mart_alerts) and,
-- read live from the run log, one alarm per month whose runs have failed since the
-- last run that succeeded. A failed run rolls its own marts back, so only a view can
-- say that it failed; the stored 'koersel' alerts (what a later run's monitoring
-- found, kept for the committee report) are replaced by the live rows here.
-- A view, read at request time (like mart_runs); the cockpit's pages are rendered
-- again after every run, failed or not.
create or replace view mart_open_alerts as
with stored as (
    select severity, kind, subject, message, first_seen_month, last_seen_month, severity_rank
    from mart_alerts
    where kind <> 'koersel'
),

last_success as (
    select max(started_at) as at from pipeline_runs where status = 'succeeded'
),

failed as (
    select r.run_month, count(*) as failures
    from pipeline_runs as r
    cross join last_success as s
    where r.status = 'failed' and (s.at is null or r.started_at > s.at)
    group by r.run_month
),

live as (
    select
        'alarm' as severity,
        'koersel' as kind,
        strftime(run_month, '%m-%Y') as subject,
        'Kørslen for ' || strftime(run_month, '%m-%Y') || ' er fejlet '
            || failures || ' gang(e) siden sidste gennemførte kørsel; årsagen står på siden Kørsler.'
            as message,
        run_month as first_seen_month,
        run_month as last_seen_month,
        0 as severity_rank
    from failed
),

alerts as (
    select * from live
    union all
    select * from stored
),

-- The cockpit page where each kind of alert is explained (a dashboard's slug), so
-- Overblik links every open alert to its details.
final as (
    select
        *,
        case kind
            when 'drift' then 'drift'
            when 'kalibrering' then 'kalibrering'
            when 'retfaerdighed' then 'retfaerdighed'
            when 'ukendt_udfald' then 'kohorter'
            when 'datakvalitet' then 'koersler'
            when 'koersel' then 'koersler'
        end as page
    from alerts
)

select * from final
order by severity_rank, last_seen_month desc, kind, subject;
