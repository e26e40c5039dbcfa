-- Share still unemployed month by month after the 2nd interview, by risk band,
-- for the pooled window of mature cohorts (Kaplan-Meier).
create or replace table mart_survival as
with curves as (
    select * from metric_survival where scope = 'vindue'
),

final as (
    select
        month_after,
        max(cohort_month) as cohort_month,
        max(n_at_risk) filter (where risk_band = 'lav') as n_lav,
        max(survival) filter (where risk_band = 'lav') as survival_lav,
        max(n_at_risk) filter (where risk_band = 'mellem') as n_mellem,
        max(survival) filter (where risk_band = 'mellem') as survival_mellem,
        max(n_at_risk) filter (where risk_band = 'hoej') as n_hoej,
        max(survival) filter (where risk_band = 'hoej') as survival_hoej,
        max(n_at_risk) filter (where risk_band = 'alle') as n_alle,
        max(survival) filter (where risk_band = 'alle') as survival_alle,
        max(ci_low) filter (where risk_band = 'alle') as survival_alle_ci_low,
        max(ci_high) filter (where risk_band = 'alle') as survival_alle_ci_high
    from curves
    group by month_after
)

select * from final
order by month_after;
