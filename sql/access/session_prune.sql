-- Sessions past a time-out. Parameters: idle cut-off, absolute cut-off (UTC).
delete from access_sessions
where last_seen_at < cast(? as timestamp) or created_at < cast(? as timestamp)
