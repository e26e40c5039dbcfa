-- Issue #18, model honesty. The champion/challenger comparison on the cohorts
-- neither model has seen (how many cohorts and spells it rests on, the paired
-- bootstrap interval of challenger minus champion Brier); the champion's
-- out-of-time record as cohorts mature; the price of explainability (the tree
-- against the benchmark ensemble and the logistic regression); and the one policy
-- threshold each version's accuracies are at, with its calibration in the large.
alter table model_decisions add column compared_cohorts integer;
alter table model_decisions add column compared_spells integer;
alter table model_decisions add column compared_difference double;
alter table model_decisions add column compared_ci_low double;
alter table model_decisions add column compared_ci_high double;

alter table model_validation add column threshold double;
alter table model_validation add column calibration_gap double;

-- Per version and cohort matured after its training window: the version's Brier
-- score there, recorded by the run that judged it (the latest run wins).
create table model_out_of_time (
    version         varchar not null,
    cohort_month    date not null,
    n               bigint not null,
    brier           double not null,
    recorded_month  date not null,
    primary key (version, cohort_month)
);

-- Tree minus method on the same validation rows (Brier: positive means the tree
-- is worse; AUC: negative means it ranks worse), paired bootstrap 95 % intervals.
create table model_explainability_price (
    version           varchar not null,
    method            varchar not null,   -- benchmark, logistic_regression
    n                 bigint not null,
    brier_difference  double not null,
    brier_ci_low      double not null,
    brier_ci_high     double not null,
    auc_difference    double,
    auc_ci_low        double,
    auc_ci_high       double,
    primary key (version, method)
);
