-- Every text column of every table in the store (views read these tables): the
-- columns the CPR scan (`store::cpr_shaped_values`) searches.
select c.table_name, c.column_name
from information_schema.columns c
join information_schema.tables t
  on t.table_schema = c.table_schema and t.table_name = c.table_name
where c.table_schema = 'main'
  and t.table_type = 'BASE TABLE'
  and c.data_type in ('VARCHAR', 'JSON')
order by c.table_name, c.ordinal_position
