-- Performance of each mature cohort's scores at the policy threshold (flagged =
-- high risk band), always beside the majority-class baseline. Aggregate only.
create or replace table mart_performance as
with perf as (
    select * from metric_performance where scope = 'kohorte'
),

wide as (
    select
        cohort_month,
        any_value(model_version) as model_version,
        max(denominator) filter (where metric = 'accuracy') as n,
        max(numerator) filter (where metric = 'unknown') as n_unknown,
        max(value) filter (where metric = 'accuracy') as accuracy,
        max(ci_low) filter (where metric = 'accuracy') as accuracy_ci_low,
        max(ci_high) filter (where metric = 'accuracy') as accuracy_ci_high,
        max(value) filter (where metric = 'majority_accuracy') as majority_accuracy,
        max(value) filter (where metric = 'balanced_accuracy') as balanced_accuracy,
        max(value) filter (where metric = 'auc') as auc,
        max(ci_low) filter (where metric = 'auc') as auc_ci_low,
        max(ci_high) filter (where metric = 'auc') as auc_ci_high,
        max(value) filter (where metric = 'brier') as brier,
        max(ci_low) filter (where metric = 'brier') as brier_ci_low,
        max(ci_high) filter (where metric = 'brier') as brier_ci_high,
        max(denominator) filter (where metric = 'recall') as n_positive,
        max(value) filter (where metric = 'recall') as recall,
        max(denominator) filter (where metric = 'fpr') as n_negative,
        max(value) filter (where metric = 'fpr') as fpr,
        max(denominator) filter (where metric = 'precision') as n_flagged,
        max(value) filter (where metric = 'precision') as precision
    from perf
    group by cohort_month
),

final as (
    select * from wide
)

select * from final
order by cohort_month;
