-- The headline figures of the overview page: one row. The alert counts are
-- counts of alerts, not of persons, read live from mart_open_alerts so a failed run
-- counts at once; hence a view (cheap: one row of small marts).
create or replace view mart_kpi as
with latest as (
    select * from mart_inflow order by month desc limit 1
),

latest_mature as (
    select * from mart_cohorts
    where mature and n_scored > 0
    order by cohort_month desc
    limit 1
),

open_alerts as (
    select
        count(*) as open_alerts,
        count(*) filter (where severity = 'alarm') as open_alarms
    from mart_open_alerts
),

final as (
    select
        l.month as latest_month,
        l.new_spells as inflow_latest,
        l.caseload as caseload_latest,
        m.cohort_month as latest_mature_cohort,
        m.n as latest_mature_n,
        m.n_scored as latest_mature_n_scored,
        m.observed_rate as latest_mature_observed,
        m.observed_ci_low as latest_mature_ci_low,
        m.observed_ci_high as latest_mature_ci_high,
        m.mean_predicted as latest_mature_predicted,
        m.brier as latest_mature_brier,
        m.model_version,
        a.open_alerts,
        a.open_alarms
    from latest as l
    left join latest_mature as m on true
    cross join open_alerts as a
)

select * from final;
