-- The audit log as the admin page, its export and the chain check read it: every
-- column, the time as text with microseconds (the hash covers that text).
create view access_audit_rows as
select
    seq,
    strftime(logged_at, '%Y-%m-%d %H:%M:%S.%f') as logged_at,
    username,
    role,
    client,
    method,
    route,
    path,
    query,
    action,
    outcome,
    status,
    detail,
    prev_hash,
    hash
from access_audit;
