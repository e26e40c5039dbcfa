-- Rows set aside in quarantine per delivery, file and column, up to the run month.
-- Only counts: the refused values and their line numbers stay in raw_quarantine
-- for the data unit, and the reasons are not grouped on because they quote values.
create or replace table mart_quarantine as
with params as (
    select run_month from run_params
),

batches as (
    select batch_id, batch_month, superseded_by is null as in_force
    from load_batches
    where batch_month <= (select run_month from params)
),

final as (
    select
        b.batch_month,
        q.batch_id,
        b.in_force,
        q.file,
        q.column_name,
        count(*) as rows_quarantined
    from raw_quarantine as q
    inner join batches as b using (batch_id)
    group by all
)

select * from final
order by batch_month, batch_id, file, column_name;
