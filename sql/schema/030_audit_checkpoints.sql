-- Operations (#22): verified checkpoints of the audit log's hash chain, so the admin
-- page checks only the rows written since the last one instead of the whole chain.
-- Written by src/access (its own connection) after a check that found the chain
-- intact; never part of the chain itself.
create table access_audit_checkpoints (
    seq         bigint not null,      -- the last row the check covered
    hash        varchar not null,     -- that row's hash
    rows        bigint not null,      -- rows in the chain up to and including seq
    full_check  boolean not null,     -- true: every row from the first was recomputed
    verified_at timestamp not null    -- UTC
);
