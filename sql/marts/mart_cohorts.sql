-- Predicted vs observed per cohort, for the cockpit. Aggregate only.
create or replace table mart_cohorts as
with metrics as (
    select * from metric_cohorts
),

final as (
    select
        cohort_month,
        n,
        n_scored,
        mean_predicted,
        share_high_risk,
        mature,
        observed_rate,
        observed_ci_low,
        observed_ci_high,
        brier,
        model_version
    from metrics
)

select * from final
order by cohort_month;
