-- Every stored session, read when the server starts (times in UTC).
select token_hash, username, role, csrf,
       strftime(created_at, '%Y-%m-%d %H:%M:%S.%f'),
       strftime(last_seen_at, '%Y-%m-%d %H:%M:%S.%f')
from access_sessions
