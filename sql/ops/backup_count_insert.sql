-- One table's row count. Parameters: table name, rows.
insert into backup.backup_counts (table_name, row_count) values (?, ?)
