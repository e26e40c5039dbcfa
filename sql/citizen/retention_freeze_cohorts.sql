-- Before individual rows are deleted, the per-cohort figures of the months before
-- the cutoff are kept as the previous run computed them (from every row): later
-- runs restore them instead of recomputing them from what is left.
create table if not exists retained_metric_cohorts as
select * from metric_cohorts where false;

insert into retained_metric_cohorts by name
select *
from metric_cohorts
where cohort_month < (select cutoff from retention_cutoff)
    and cohort_month not in (select cohort_month from retained_metric_cohorts);
