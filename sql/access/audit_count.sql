-- How many rows the audit log has, and its highest number.
select count(*) as n, coalesce(max(seq), 0) as last_seq
from access_audit
