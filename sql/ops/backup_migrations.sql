-- The migrations applied to the store, for the backup's manifest.
select name
from store.schema_migrations
order by name
