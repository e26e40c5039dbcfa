-- The kept inflow and caseload replace the ones recomputed from what is left, in
-- month order as the mart was built.
create or replace table mart_inflow as
with recomputed as (
    select * from mart_inflow
    where month not in (select month from retained_mart_inflow)
),

final as (
    select * from recomputed
    union all by name
    select * from retained_mart_inflow
)

select * from final
order by month;
