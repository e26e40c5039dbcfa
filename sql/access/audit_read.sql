-- Audit rows oldest first, for export and for checking the chain.
-- Parameters: user (null: everyone), the same user again.
select *
from access_audit_rows
where cast(? as varchar) is null or username = cast(? as varchar)
order by seq
