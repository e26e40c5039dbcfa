-- Drift of each cohort's model inputs and predicted risk against the training
-- reference of the model that scored it (PSI and Jensen-Shannon distance), for
-- the latest twelve cohorts (the heat map on the page "Drift og model").
create or replace table mart_drift as
with drift as (
    select * from metric_drift
    where cohort_month >= (select max(cohort_month) from metric_drift) - interval 11 month
),

final as (
    select cohort_month, model_version, feature, feature_label, n, psi, js_distance, level
    from drift
)

select * from final
order by cohort_month, feature;
