-- Champion/challenger decisions up to the run month, each with the challenger's
-- validation figures next to its two baselines (the base rate and a logistic
-- regression) and the benchmark ensemble (never used to score) on the same
-- validation cohorts, the price of explainability (tree minus benchmark, with its
-- interval), the cohorts and spells the comparison with the champion rests on,
-- the policy threshold the accuracies are at, and the reason in Danish.
create or replace table mart_model_changes as
with params as (
    select run_month from run_params
),

decisions as (
    select * from model_decisions
    where run_month <= (select run_month from params)
),

versions as (
    select
        version,
        n_train,
        train_from,
        train_to,
        val_from,
        val_to,
        n_val,
        -- Read with a pattern, not json_extract: the bundled DuckDB has no json
        -- extension and would try to download it.
        nullif(regexp_extract(params, '"max_depth"\s*:\s*(\d+)', 1), '')::integer as max_depth,
        nullif(regexp_extract(params, '"min_samples_leaf"\s*:\s*(\d+)', 1), '')::integer as min_samples_leaf
    from model_versions
),

validation as (
    select
        version,
        max(brier) filter (where method = 'tree') as tree_brier,
        max(accuracy) filter (where method = 'tree') as accuracy,
        max(accuracy_ci_low) filter (where method = 'tree') as accuracy_ci_low,
        max(accuracy_ci_high) filter (where method = 'tree') as accuracy_ci_high,
        max(auc) filter (where method = 'tree') as auc,
        max(auc_ci_low) filter (where method = 'tree') as auc_ci_low,
        max(auc_ci_high) filter (where method = 'tree') as auc_ci_high,
        max(brier_ci_low) filter (where method = 'tree') as brier_ci_low,
        max(brier_ci_high) filter (where method = 'tree') as brier_ci_high,
        max(accuracy) filter (where method = 'base_rate') as baseline_accuracy,
        max(brier) filter (where method = 'base_rate') as baseline_brier,
        max(brier) filter (where method = 'logistic_regression') as logistic_brier,
        max(auc) filter (where method = 'logistic_regression') as logistic_auc,
        max(brier) filter (where method = 'benchmark') as benchmark_brier,
        max(brier_ci_low) filter (where method = 'benchmark') as benchmark_brier_ci_low,
        max(brier_ci_high) filter (where method = 'benchmark') as benchmark_brier_ci_high,
        max(auc) filter (where method = 'benchmark') as benchmark_auc,
        max(auc_ci_low) filter (where method = 'benchmark') as benchmark_auc_ci_low,
        max(auc_ci_high) filter (where method = 'benchmark') as benchmark_auc_ci_high,
        max(calibration_gap) filter (where method = 'tree') as calibration_gap,
        max(calibration_gap) filter (where method = 'benchmark') as benchmark_calibration_gap,
        max(threshold) filter (where method = 'tree') as threshold
    from model_validation
    group by version
),

price as (
    select
        version,
        brier_difference as price_brier,
        brier_ci_low as price_brier_ci_low,
        brier_ci_high as price_brier_ci_high,
        auc_difference as price_auc,
        auc_ci_low as price_auc_ci_low,
        auc_ci_high as price_auc_ci_high
    from model_explainability_price
    where method = 'benchmark'
),

final as (
    select
        d.run_month,
        d.challenger_version,
        d.champion_before,
        d.promoted,
        d.champion_after,
        d.tolerance,
        v.train_from,
        v.train_to,
        v.val_from,
        v.val_to,
        v.max_depth,
        v.min_samples_leaf,
        v.n_train,
        v.n_val,
        d.challenger_brier,
        d.champion_brier,
        d.beats_base_rate,
        d.base_rate_brier,
        d.gate_difference,
        d.gate_ci_low,
        d.gate_ci_high,
        d.reason,
        a.tree_brier,
        a.accuracy,
        a.accuracy_ci_low,
        a.accuracy_ci_high,
        a.auc,
        a.auc_ci_low,
        a.auc_ci_high,
        a.brier_ci_low,
        a.brier_ci_high,
        a.baseline_accuracy,
        a.baseline_brier,
        a.logistic_brier,
        a.logistic_auc,
        a.benchmark_brier,
        a.benchmark_brier_ci_low,
        a.benchmark_brier_ci_high,
        a.benchmark_auc,
        a.benchmark_auc_ci_low,
        a.benchmark_auc_ci_high,
        a.calibration_gap,
        a.benchmark_calibration_gap,
        a.threshold,
        p.price_brier,
        p.price_brier_ci_low,
        p.price_brier_ci_high,
        p.price_auc,
        p.price_auc_ci_low,
        p.price_auc_ci_high,
        d.compared_cohorts,
        d.compared_spells,
        d.compared_difference,
        d.compared_ci_low,
        d.compared_ci_high
    from decisions as d
    left join versions as v on v.version = d.challenger_version
    left join validation as a on a.version = d.challenger_version
    left join price as p on p.version = d.challenger_version
)

select * from final
order by run_month;
