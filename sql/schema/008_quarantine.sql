-- Rows refused from a batch that was loaded (their share was under the limit):
-- where they were, which value and why. CPR numbers are masked (010190-****).
create table raw_quarantine (
    batch_id    varchar not null,
    file        varchar not null,
    line        bigint not null,
    column_name varchar not null,
    value       varchar not null,
    reason      varchar not null
);
alter table load_batches add column rows_quarantined bigint default 0;
