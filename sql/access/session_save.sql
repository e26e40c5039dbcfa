-- A new session. Parameters: token hash, user, role, form token, created, last seen (UTC).
insert into access_sessions (token_hash, username, role, csrf, created_at, last_seen_at)
values (?, ?, ?, ?, cast(? as timestamp), cast(? as timestamp))
