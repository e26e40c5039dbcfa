-- Validation figures of each model version next to its baselines, on the same
-- validation cohorts: the tree, the base rate (majority-class guess for
-- accuracy) and a logistic regression on the same features.
create table model_validation (
    version          varchar not null,
    method           varchar not null,   -- tree, base_rate, logistic_regression
    n                bigint not null,
    brier            double,
    auc              double,
    log_loss         double,
    accuracy         double not null,
    accuracy_ci_low  double not null,
    accuracy_ci_high double not null,
    primary key (version, method)
);
