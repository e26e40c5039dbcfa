-- The headline quality figures of the pooled window of mature cohorts: one row.
-- Accuracy always stands beside what guessing the majority class would give.
create or replace table mart_quality as
with perf as (
    select * from metric_performance where scope = 'vindue'
),

cal as (
    select * from metric_calibration where scope = 'vindue'
),

window_bounds as (
    select min(window_from) as window_from from metric_fairness
),

wide as (
    select
        any_value(cohort_month) as window_to,
        any_value(model_version) as model_version,
        max(denominator) filter (where metric = 'accuracy') as n,
        max(value) filter (where metric = 'accuracy') as accuracy,
        max(ci_low) filter (where metric = 'accuracy') as accuracy_ci_low,
        max(ci_high) filter (where metric = 'accuracy') as accuracy_ci_high,
        max(value) filter (where metric = 'majority_accuracy') as majority_accuracy,
        max(ci_low) filter (where metric = 'majority_accuracy') as majority_ci_low,
        max(ci_high) filter (where metric = 'majority_accuracy') as majority_ci_high,
        max(value) filter (where metric = 'auc') as auc,
        max(ci_low) filter (where metric = 'auc') as auc_ci_low,
        max(ci_high) filter (where metric = 'auc') as auc_ci_high,
        max(value) filter (where metric = 'brier') as brier,
        max(ci_low) filter (where metric = 'brier') as brier_ci_low,
        max(ci_high) filter (where metric = 'brier') as brier_ci_high,
        max(denominator) filter (where metric = 'recall') as n_positive,
        max(value) filter (where metric = 'recall') as recall,
        max(ci_low) filter (where metric = 'recall') as recall_ci_low,
        max(ci_high) filter (where metric = 'recall') as recall_ci_high,
        max(denominator) filter (where metric = 'fpr') as n_negative,
        max(value) filter (where metric = 'fpr') as fpr,
        max(ci_low) filter (where metric = 'fpr') as fpr_ci_low,
        max(ci_high) filter (where metric = 'fpr') as fpr_ci_high,
        max(denominator) filter (where metric = 'npv') as n_not_flagged,
        max(value) filter (where metric = 'npv') as npv,
        max(ci_low) filter (where metric = 'npv') as npv_ci_low,
        max(ci_high) filter (where metric = 'npv') as npv_ci_high
    from perf
),

final as (
    select
        (select window_from from window_bounds) as window_from,
        w.*,
        c.ece,
        c.citl,
        c.citl_ci_low,
        c.citl_ci_high,
        c.slope,
        c.slope_ci_low,
        c.slope_ci_high
    from wide as w
    left join cal as c on true
)

select * from final;
