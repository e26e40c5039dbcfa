-- Audit rows after a number, oldest first: what a check from a checkpoint reads.
-- Parameter: the checkpoint's number (0: from the first row).
select *
from access_audit_rows
where seq > cast(? as bigint)
order by seq
