-- The tables of the store a backup copies and counts. Parameter: the store's alias.
select table_name
from duckdb_tables()
where database_name = ? and schema_name = 'main' and not temporary
order by table_name
