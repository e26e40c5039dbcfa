-- Share still unemployed month by month after the 2nd interview, by risk band,
-- for the pooled window of mature cohorts (Kaplan-Meier), each with its 95 %
-- interval. Month 0 (everyone still unemployed at the 2nd interview) starts the
-- curves, with the band's size as its count.
create or replace table mart_survival as
with curves as (
    select * from metric_survival where scope = 'vindue'
),

start as (
    select
        0 as month_after,
        cohort_month,
        risk_band,
        n_at_risk,
        1.0 as survival,
        1.0 as ci_low,
        1.0 as ci_high
    from curves
    where month_after = 1
),

points as (
    select month_after, cohort_month, risk_band, n_at_risk, survival, ci_low, ci_high from start
    union all
    select month_after, cohort_month, risk_band, n_at_risk, survival, ci_low, ci_high from curves
),

final as (
    select
        month_after,
        max(cohort_month) as cohort_month,
        max(n_at_risk) filter (where risk_band = 'lav') as n_lav,
        max(survival) filter (where risk_band = 'lav') as survival_lav,
        max(ci_low) filter (where risk_band = 'lav') as survival_lav_ci_low,
        max(ci_high) filter (where risk_band = 'lav') as survival_lav_ci_high,
        max(n_at_risk) filter (where risk_band = 'mellem') as n_mellem,
        max(survival) filter (where risk_band = 'mellem') as survival_mellem,
        max(ci_low) filter (where risk_band = 'mellem') as survival_mellem_ci_low,
        max(ci_high) filter (where risk_band = 'mellem') as survival_mellem_ci_high,
        max(n_at_risk) filter (where risk_band = 'hoej') as n_hoej,
        max(survival) filter (where risk_band = 'hoej') as survival_hoej,
        max(ci_low) filter (where risk_band = 'hoej') as survival_hoej_ci_low,
        max(ci_high) filter (where risk_band = 'hoej') as survival_hoej_ci_high,
        max(n_at_risk) filter (where risk_band = 'alle') as n_alle,
        max(survival) filter (where risk_band = 'alle') as survival_alle,
        max(ci_low) filter (where risk_band = 'alle') as survival_alle_ci_low,
        max(ci_high) filter (where risk_band = 'alle') as survival_alle_ci_high
    from points
    group by month_after
)

select * from final
order by month_after;
