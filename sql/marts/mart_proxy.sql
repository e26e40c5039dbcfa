-- The proxy audit (issue #16): for each protected group, how well the model's
-- inputs together predict membership (AUC with its 95 % interval) and the
-- strongest single input. 0.5 = the inputs say nothing about the group.
create or replace table mart_proxy as
with proxy as (
    select * from metric_proxy
),

final as (
    select
        dimension,
        grp,
        window_from,
        cohort_month,
        n,
        n_group,
        auc,
        ci_low,
        ci_high,
        strongest_label,
        strongest_auc
    from proxy
)

select * from final
order by dimension, grp;
