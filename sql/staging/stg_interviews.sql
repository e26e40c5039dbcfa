-- Typed interviews as known at the run month: among the batches in force (sql/staging/batches_in_force.sql), the latest delivery of each key wins.
create or replace view stg_interviews as
with batches as (
    select batch_id, batch_month, loaded_at from batches_in_force
),

ranked as (
    select
        r.*,
        b.batch_month as delivered_month,
        row_number() over (partition by r.interview_id order by b.batch_month desc, b.loaded_at desc) as delivery_rank
    from raw_interviews as r
    inner join batches as b using (batch_id)
),

final as (
    select interview_id, spell_id, person_id, interview_date, seq, team, delivered_month
    from ranked
    where delivery_rank = 1
)

select * from final;
