-- Access control (#7): local users and the append-only audit log. Both live in the
-- encrypted store like everything else; sessions are kept in memory only.
-- Written only by src/access (through its own connection); the cockpit's mart
-- reader never names these tables.

create table access_users (
    username      varchar primary key,   -- lowercase a-z 0-9 . _ - @
    role          varchar not null,      -- ledelse, sagsbehandler, dataenhed, udvalg, admin
    password_hash varchar,               -- argon2id PHC string; null: single sign-on only
    enabled       boolean not null,
    created_at    timestamp not null,    -- UTC
    updated_at    timestamp not null
);

-- One row per request and per administrative action from the command line. Rows are
-- only ever inserted. Each row's hash covers the previous row's hash and its own
-- fields (src/access/audit.rs), so a changed or deleted row breaks the chain.
create table access_audit (
    seq       bigint primary key,        -- 1, 2, 3, ... without gaps
    logged_at timestamp not null,        -- UTC, microseconds
    username  varchar,                   -- null: not logged in
    role      varchar,
    client    varchar,                   -- client address (behind a trusted proxy: the forwarded one)
    method    varchar not null,
    route     varchar,                   -- the route table's pattern; null: no route
    path      varchar not null,
    query     varchar,                   -- filters and other query parameters
    action    varchar not null,          -- visning, eksport, administration, login, logout, kørsel, statisk, sundhed
    outcome   varchar not null,          -- tilladt, afvist, ikke fundet, fejl
    status    integer not null,          -- HTTP status (0 for the command line)
    detail    varchar,
    prev_hash varchar not null,
    hash      varchar not null
);
