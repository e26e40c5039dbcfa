-- Predicted vs observed per cohort, for the cockpit. Aggregate only. The observed
-- rate is over the spells whose outcome is known (n_labelled); n_unknown spells of a
-- mature cohort have none (moved out, died, missing in the registers). Beside it the
-- Kaplan-Meier estimate of the share still without a job or education at the
-- horizon, each person censored at their last observed month: what the censoring
-- does is seen by comparing the two.
create or replace table mart_cohorts as
with metrics as (
    select * from metric_cohorts
),

params as (
    select horizon_months from run_params
),

survival as (
    select cohort_month, survival as survival_horizon, ci_low as survival_ci_low, ci_high as survival_ci_high
    from metric_survival
    where scope = 'kohorte'
        and risk_band = 'alle'
        and month_after = (select horizon_months from params)
),

final as (
    select
        cohort_month,
        n,
        n_scored,
        mean_predicted,
        share_high_risk,
        mature,
        n_labelled,
        n_unknown,
        observed_rate,
        observed_ci_low,
        observed_ci_high,
        case when mature then s.survival_horizon end as survival_horizon,
        case when mature then s.survival_ci_low end as survival_ci_low,
        case when mature then s.survival_ci_high end as survival_ci_high,
        brier,
        model_version
    from metrics
    left join survival as s using (cohort_month)
)

select * from final
order by cohort_month;
