-- The caseworker's own judgement of one citizen (#14), recorded on the look-up page
-- (/borger) beside the model's score. Append-only: a later judgement of the same
-- spell is a new row; nothing is updated or deleted (src/lookup/ only inserts).
--
-- Deliberately no column for who made the judgement (user, team, office): the
-- oversight marts compare caseworkers as a profession with the model, never one
-- caseworker with another. Who looked a citizen up is in the audit log
-- (access_audit), which no mart reads. A test fails if any mart gains such a column.
create table lookup_judgements (
    judgement_id      varchar primary key,   -- random, so rows carry no order of their own
    recorded_at       timestamp not null,    -- UTC
    person_id         varchar not null,      -- the keyed pseudonym, never the CPR number
    spell_id          varchar not null,
    cohort_month      date not null,         -- the cohort the score belongs to
    model_version     varchar not null,
    model_probability double not null,       -- the stored score she saw
    model_risk_band   varchar not null,      -- lav, mellem, hoej
    own_assessment    varchar not null,      -- lav, mellem, hoej (her judgement)
    own_probability   double not null,       -- the middle of her band's range, for Brier scores
    band_high_from    double not null,       -- the high band's lower bound when judged (the policy threshold)
    agreement         varchar not null,      -- enig, uenig
    reason            varchar not null,      -- sql/vocabulary.toml, judgement_reason
    note              varchar,               -- optional, at most 300 characters, no CPR-shaped text
    purpose           varchar not null,      -- the look-up's purpose
    source            varchar not null       -- cockpit, fagsystem, or demo (simulated caseworkers)
);
