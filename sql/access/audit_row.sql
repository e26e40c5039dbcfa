-- One audit row by its number. Parameter: the number.
select *
from access_audit_rows
where seq = cast(? as bigint)
