-- Fairness by protected group over the window of mature cohorts: each rate with
-- its interval, its ratio to the reference group, and whether it is flagged.
create or replace table mart_fairness as
with fair as (
    select * from metric_fairness
),

final as (
    select
        dimension,
        grp,
        metric,
        window_from,
        cohort_month,
        n,
        denominator,
        value,
        ci_low,
        ci_high,
        reference_group,
        ratio,
        p_adjusted,
        flagged
    from fair
)

select * from final
order by dimension, grp, metric;
