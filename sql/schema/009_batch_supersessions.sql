-- Corrected re-deliveries. A month has one batch in force: deliveries are deltas
-- (what became known in the month), so a corrected folder for a month replaces
-- the month's earlier batch whole. The replaced batch points to its successor;
-- its raw rows stay for audit (what earlier runs and models saw), and staging
-- reads only batches whose superseded_by is null.
alter table load_batches add column superseded_by varchar;

create table batch_supersessions (
    old_batch_id  varchar not null,
    new_batch_id  varchar not null,
    batch_month   date not null,
    superseded_at timestamp not null,
    rows_replaced bigint not null,   -- rows of the old batch that staging no longer reads
    rows_new      bigint not null    -- rows of the new batch
);
