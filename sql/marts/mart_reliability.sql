-- The reliability diagram of the pooled window: per bin of predicted risk, the
-- mean predicted and the observed rate with its interval.
create or replace table mart_reliability as
with bins as (
    select * from metric_calibration_bins where scope = 'vindue'
),

final as (
    select
        strategy,
        bin,
        cohort_month,
        model_version,
        bin_low,
        bin_high,
        n,
        mean_predicted,
        observed_rate,
        ci_low,
        ci_high
    from bins
)

select * from final
order by strategy, bin;
