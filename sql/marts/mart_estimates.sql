-- Performance estimated when each cohort was scored (NannyML's CBPE), and the
-- realised value once the cohort matured: how good were the estimates?
create or replace table mart_estimates as
with cbpe as (
    select * from metric_cbpe
),

sizes as (
    select cohort_month, count(*) as n from model_scores group by cohort_month
),

final as (
    select
        c.cohort_month,
        c.model_version,
        s.n,
        max(c.estimated) filter (where c.metric = 'accuracy') as accuracy_estimated,
        max(c.realised) filter (where c.metric = 'accuracy') as accuracy_realised,
        max(c.estimated) filter (where c.metric = 'auc') as auc_estimated,
        max(c.realised) filter (where c.metric = 'auc') as auc_realised,
        max(c.estimated) filter (where c.metric = 'recall') as recall_estimated,
        max(c.realised) filter (where c.metric = 'recall') as recall_realised
    from cbpe as c
    inner join sizes as s using (cohort_month)
    group by c.cohort_month, c.model_version, s.n
)

select * from final
order by cohort_month;
