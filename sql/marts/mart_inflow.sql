-- Monthly inflow and caseload, for the cockpit. Aggregate only.
create or replace table mart_inflow as
with params as (
    select run_month from run_params
),

spells as (
    select spell_id, start_date, end_date from stg_spells
),

months as (
    select range::date as month
    from range(
        (select date_trunc('month', min(start_date)) from spells),
        (select run_month from params) + interval 1 month,
        interval 1 month
    )
),

inflow as (
    select date_trunc('month', start_date)::date as month, count(*) as new_spells
    from spells
    group by 1
),

caseload as (
    select m.month, count(s.spell_id) as caseload
    from months as m
    left join spells as s
        on s.start_date <= last_day(m.month)
        and (s.end_date is null or s.end_date > last_day(m.month))
    group by m.month
),

cohorts as (
    select cohort_month as month, count(*) as second_interviews
    from feat_cohort
    group by 1
),

final as (
    select
        m.month,
        coalesce(i.new_spells, 0) as new_spells,
        coalesce(c.caseload, 0) as caseload,
        coalesce(k.second_interviews, 0) as second_interviews
    from months as m
    left join inflow as i using (month)
    left join caseload as c using (month)
    left join cohorts as k using (month)
)

select * from final
order by month;
