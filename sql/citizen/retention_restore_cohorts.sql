-- The kept per-cohort figures replace the ones recomputed from what is left.
delete from metric_cohorts
where cohort_month in (select cohort_month from retained_metric_cohorts);

insert into metric_cohorts by name
select * from retained_metric_cohorts;
