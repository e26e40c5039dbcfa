-- Every user, for the in-memory cache loaded at start.
select
    username,
    role,
    password_hash,
    enabled,
    strftime(created_at, '%Y-%m-%d %H:%M:%S') as created_at,
    strftime(updated_at, '%Y-%m-%d %H:%M:%S') as updated_at
from access_users
order by username
