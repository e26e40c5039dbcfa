-- The last row about the server itself (started, stopped, found stopped without a
-- clean stop), to tell at start whether the previous server stopped cleanly.
select *
from access_audit_rows
where action = 'drift'
order by seq desc
limit 1
