-- The batches in force at the run month: one per delivered month up to
-- run_params.run_month (point in time), a corrected re-delivery superseding the
-- month's earlier batch whole (sql/schema/009_batch_supersessions.sql). Every
-- staging view and the monitoring rows read deliveries through this view only.
create or replace view batches_in_force as
with params as (
    select run_month from run_params
),

final as (
    select batch_id, batch_month, loaded_at
    from load_batches
    where
        batch_month <= (select run_month from params)
        and superseded_by is null
)

select * from final;
