-- Typed spells as known at the run month: among the batches in force (sql/staging/batches_in_force.sql), the latest delivery of each key wins.
create or replace view stg_spells as
with batches as (
    select batch_id, batch_month, loaded_at from batches_in_force
),

ranked as (
    select
        r.*,
        b.batch_month as delivered_month,
        row_number() over (partition by r.spell_id order by b.batch_month desc, b.loaded_at desc) as delivery_rank
    from raw_spells as r
    inner join batches as b using (batch_id)
),

final as (
    select spell_id, person_id, target_group, start_date, end_date, delivered_month
    from ranked
    where delivery_rank = 1
        -- Objected citizens, when citizen.objected_in_aggregates is off (#15).
        and person_id not in (select person_id from citizen_aggregate_exclusions)
)

select * from final;
