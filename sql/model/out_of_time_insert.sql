-- A champion's Brier score on one cohort matured after its training window, as
-- judged by the run of recorded_month, by column name.
insert into model_out_of_time (version, cohort_month, n, brier, recorded_month)
values ($version, $cohort_month::date, $n, $brier, $recorded_month::date)
