-- The row counts a backup recorded, compared table by table when it is restored.
select table_name, row_count
from backup_counts
order by table_name
