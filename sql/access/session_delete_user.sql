-- Every session of a user (disabled, new role, new password). Parameter: user.
delete from access_sessions where username = ?
