-- Unknown outcomes (#19): how many spells of a mature cohort have no observed
-- outcome (moved out, died, missing in the registers), beside every figure
-- computed over the ones that have; and the promotion gate against guessing.
alter table metric_cohorts add column n_unknown bigint;
alter table metric_risk_bands add column n_unknown bigint;
alter table metric_calibration add column n_unknown bigint;

-- A challenger no better than guessing is never put in use; without an earlier
-- champion the month then has no model at all.
alter table model_decisions alter column champion_after drop not null;
alter table model_decisions add column base_rate_brier double;
alter table model_decisions add column gate_difference double;
alter table model_decisions add column gate_ci_low double;
alter table model_decisions add column gate_ci_high double;
alter table model_decisions add column beats_base_rate boolean;

-- A driving licence the case system does not know is delivered as `ukendt` and
-- stored as null (the features treat it as not known to exist).
alter table raw_cvs alter column driving_licence drop not null;
