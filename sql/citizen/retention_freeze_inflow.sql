-- As retention_freeze_cohorts.sql, for the monthly inflow and caseload.
create table if not exists retained_mart_inflow as
select * from mart_inflow where false;

insert into retained_mart_inflow by name
select *
from mart_inflow
where month < (select cutoff from retention_cutoff)
    and month not in (select month from retained_mart_inflow);
