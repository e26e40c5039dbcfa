-- Every delivery up to the run month: rows loaded and set aside in quarantine,
-- and corrected re-deliveries (which batch replaced which). The counts are rows of
-- delivered files, not persons; batch ids are checksums of the files.
create or replace table mart_data_quality as
with params as (
    select run_month from run_params
),

batches as (
    select * from load_batches
    where batch_month <= (select run_month from params)
),

replaced as (
    select new_batch_id, old_batch_id, rows_replaced
    from batch_supersessions
),

final as (
    select
        b.batch_month,
        b.batch_id,
        b.superseded_by is null as in_force,
        b.superseded_by,
        r.old_batch_id as replaces,
        b.rows_loaded,
        coalesce(b.rows_quarantined, 0) as rows_quarantined,
        r.rows_replaced,
        b.loaded_at::date as loaded_on
    from batches as b
    left join replaced as r on r.new_batch_id = b.batch_id
)

select * from final
order by batch_month, loaded_on, batch_id;
