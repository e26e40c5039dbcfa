-- A session was used. Parameters: last seen (UTC), token hash.
update access_sessions set last_seen_at = cast(? as timestamp) where token_hash = ?
