-- Log-out. Parameter: token hash.
delete from access_sessions where token_hash = ?
