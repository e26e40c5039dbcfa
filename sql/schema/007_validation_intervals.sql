-- Bootstrap 95 % intervals (seeded, 1000 resamples) of the validation Brier score and AUC.
alter table model_validation add column brier_ci_low double;
alter table model_validation add column brier_ci_high double;
alter table model_validation add column auc_ci_low double;
alter table model_validation add column auc_ci_high double;
