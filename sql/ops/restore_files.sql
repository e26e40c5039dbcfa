-- The files a backup carries, read back when it is restored.
select path, bytes
from backup_files
order by path
