-- The steps of the latest run beside their usual duration (median over the latest
-- twelve runs), for the page "Kørsler". Rows are rows written or read by the step,
-- not persons; the step's note (which batch, how many cohorts) is kept as it is.
-- A view for the same reason as mart_runs: a run's steps are recorded after it.
create or replace view mart_run_steps as
with runs as (
    select run_id, row_number() over (order by started_at desc) as recency
    from pipeline_runs
),

steps as (
    select s.*, r.recency
    from pipeline_steps as s
    inner join runs as r using (run_id)
    where r.recency <= 12
),

usual as (
    select step, median(duration_ms) / 1000.0 as usual_s, count(*) as runs_counted
    from steps
    group by step
),

latest as (
    select * from steps where recency = 1
),

final as (
    select
        l.position,
        l.step,
        l.status,
        l.duration_ms / 1000.0 as duration_s,
        u.usual_s,
        u.runs_counted,
        l.rows,
        nullif(l.detail, '') as detail
    from latest as l
    inner join usual as u using (step)
)

select * from final
order by position;
