-- Operations (#22): sessions kept in the store so a restart (an update, a crash)
-- does not log everyone out. Only the SHA-256 of the cookie token is stored, never
-- the token, so a copy of the store cannot be used to take over a session. Written
-- by src/access (its own connection); expired rows are deleted at each log-in.
create table access_sessions (
    token_hash   varchar primary key,  -- hex SHA-256 of the cookie token
    username     varchar not null,
    role         varchar not null,     -- the role at log-in; a changed role ends the session
    csrf         varchar not null,     -- the session's form token
    created_at   timestamp not null,   -- UTC; the absolute time-out counts from here
    last_seen_at timestamp not null    -- UTC; written at most once a minute per session
);
