-- The run log of a period (AI Act Art. 12): every run started in [from, to] with
-- its steps, one row per step (a run that failed before its first step has one row
-- with no step). Parameters: from date, to date.
with runs as (
    select run_id, run_month, trigger, started_at, finished_at, status, error
    from pipeline_runs
    where started_at::date between ?::date and ?::date
),

steps as (
    select run_id, step, position, started_at as step_started_at, duration_ms, rows, status as step_status, detail
    from pipeline_steps
),

final as (
    select
        r.run_id,
        strftime(r.run_month, '%Y-%m') as run_month,
        r.trigger,
        strftime(r.started_at, '%Y-%m-%d %H:%M:%S') as started_at,
        strftime(r.finished_at, '%Y-%m-%d %H:%M:%S') as finished_at,
        r.status,
        r.error,
        s.position,
        s.step,
        s.step_status,
        s.duration_ms,
        s.rows,
        s.detail
    from runs as r
    left join steps as s using (run_id)
)

select * from final
order by started_at, run_id, position
