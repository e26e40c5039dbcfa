-- Calibration per mature cohort (the pooled window is in mart_quality).
create or replace table mart_calibration as
with cal as (
    select * from metric_calibration where scope = 'kohorte'
),

brier as (
    select scope, cohort_month, value as brier
    from metric_performance where metric = 'brier' and scope = 'kohorte'
),

final as (
    select
        c.scope,
        c.cohort_month,
        c.model_version,
        c.n,
        c.mean_predicted,
        c.observed_rate,
        c.ece,
        c.citl,
        c.citl_ci_low,
        c.citl_ci_high,
        c.slope,
        c.slope_ci_low,
        c.slope_ci_high,
        b.brier
    from cal as c
    left join brier as b using (scope, cohort_month)
)

select * from final
order by scope, cohort_month;
