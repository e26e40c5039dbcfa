-- The monthly runs for the page "Kørsler": when each ran (Danish time), how it was
-- started, whether it succeeded, how long it took, rows read by the ingest step and
-- the first step that failed and the reason in plain Danish; the latest 24 runs, newest
-- first. The error text itself stays in pipeline_runs for the data unit: it may name
-- files, values and internals, so the page gives its kind and the run's id to look it
-- up by. Counts are rows, not persons.
-- A view, not a table: the marts step runs inside a run, which is then still
-- "running" and whose steps are recorded after it; a failed run rolls its marts
-- back. Read at request time, the page always shows every run as it ended.
create or replace view mart_runs as
with runs as (
    select * from pipeline_runs
),

steps as (
    select
        run_id,
        max(rows) filter (where step = 'ingest') as rows_ingested,
        min_by(step, position) filter (where status = 'failed') as failed_step
    from pipeline_steps
    group by run_id
),

-- Timestamps are stored in UTC; Danish time is UTC+2 from the last Sunday of March
-- to the last Sunday of October (both at 01:00 UTC), UTC+1 otherwise. Computed here
-- because the store has no time-zone database.
dst as (
    select
        run_id,
        started_at,
        finished_at,
        make_date(year(started_at), 3, 31) - to_days(dayofweek(make_date(year(started_at), 3, 31))) as march,
        make_date(year(started_at), 10, 31) - to_days(dayofweek(make_date(year(started_at), 10, 31))) as october
    from runs
),

local as (
    select
        run_id,
        started_at + case
            when started_at >= march + interval 1 hour and started_at < october + interval 1 hour
            then interval 2 hour else interval 1 hour
        end as started_local
    from dst
),

final as (
    select
        r.run_month,
        strftime(l.started_local, '%d-%m-%Y kl. %H:%M') as started,
        l.started_local::date as started_on,
        r.trigger,
        r.status,
        round(epoch_ms(r.finished_at) - epoch_ms(r.started_at)) / 1000.0 as duration_s,
        s.rows_ingested,
        -- A run without a delivery failed in ingest before any step was recorded.
        coalesce(
            s.failed_step,
            case when r.status = 'failed' and starts_with(r.error, 'ingen levering') then 'ingest' end
        ) as failed_step,
        case
            when r.status <> 'failed' then null
            when starts_with(r.error, 'afbrudt')
                then 'Processen stoppede under kørslen (nedlukning eller nedbrud); kør måneden igen.'
            when starts_with(r.error, 'ingen levering')
                then 'Der var ingen levering for måneden i indbakken.'
            when s.failed_step = 'ingest'
                then 'Leverancen blev afvist; fil, linje, kolonne og årsag står i serverens log under kørsel ' || r.run_id || '.'
            else 'Trinnet fejlede; årsagen står i serverens log under kørsel ' || r.run_id || '.'
        end as reason,
        row_number() over (order by r.started_at desc) as recency
    from runs as r
    inner join local as l using (run_id)
    left join steps as s using (run_id)
)

select * from final
where recency <= 24
order by recency;
