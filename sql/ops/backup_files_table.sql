-- In the backup database only: the data dir's other files (report archive, model
-- artefacts, inbox receipts), encrypted with the rest, and every table's row count
-- at the moment of the copy, which the restore checks.
create table backup.backup_files (
    path  varchar not null,   -- relative to the data dir, '/' between names
    bytes blob not null
);
create table backup.backup_counts (
    table_name varchar not null,
    row_count  bigint not null
);
