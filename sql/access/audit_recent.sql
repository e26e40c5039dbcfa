-- The newest audit rows, newest first, for the admin page.
-- Parameters: user (null: everyone), the same user again, how many.
select *
from access_audit_rows
where cast(? as varchar) is null or username = cast(? as varchar)
order by seq desc
limit ?
