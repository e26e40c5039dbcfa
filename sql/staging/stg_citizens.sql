-- Typed citizens as known at the run month: among the batches in force (sql/staging/batches_in_force.sql), the latest delivery of each key wins.
create or replace view stg_citizens as
with batches as (
    select batch_id, batch_month, loaded_at from batches_in_force
),

ranked as (
    select
        r.*,
        b.batch_month as delivered_month,
        row_number() over (partition by r.person_id order by b.batch_month desc, b.loaded_at desc) as delivery_rank
    from raw_citizens as r
    inner join batches as b using (batch_id)
),

final as (
    select person_id, birth_date, sex, postal_code, district, origin, delivered_month
    from ranked
    where delivery_rank = 1
)

select * from final;
