-- The citizen's rights (#15): objection to profiling, erasure, and the setting that
-- decides whether an objected citizen still counts in the job centre's aggregates.
-- Written only by src/citizen/ (objections, erasures) and src/retention/ (the policy).

-- Objection to profiling (GDPR art. 21) and its lifting, as events: a new row per
-- mark or lift, nothing updated. The latest event of a pseudonym decides.
create table citizen_objections (
    event_id       varchar primary key,   -- random
    person_id      varchar not null,      -- the keyed pseudonym, never the CPR number
    event          varchar not null,      -- indsigelse, ophaevet
    effective_date date not null,         -- the date the mark or the lifting takes effect
    legal_reason   varchar not null,      -- sql/vocabulary.toml, objection_reason
    recorded_at    timestamp not null     -- UTC
);

-- Who has an objection in force: her latest event is a mark.
create view citizen_objections_in_force as
select person_id, effective_date, legal_reason, recorded_at
from citizen_objections
qualify row_number() over (partition by person_id order by recorded_at desc, event_id) = 1
    and event = 'indsigelse';

-- One row, written by every run before anything reads staging: whether objected
-- citizens count in inflow and outcome counts ([citizen] objected_in_aggregates).
create table citizen_policy (
    objected_in_aggregates boolean not null
);

-- The objected citizens staging leaves out: none while they count in aggregates.
create view citizen_aggregate_exclusions as
select o.person_id
from citizen_objections_in_force as o
where not coalesce((select bool_and(objected_in_aggregates) from citizen_policy), true);

-- Persons whose rows the retention deleted (src/retention/): the pseudonym only, no
-- attribute. Deliveries name a citizen once (borgere.csv) and then refer to her in
-- later months (status.csv); the load's reference check counts these as known, so
-- a later row about her loads (and the next run's retention deletes it again)
-- instead of rejecting the whole delivery.
create table retention_expired_persons (
    person_id  varchar primary key,
    expired_on date not null               -- the cutoff of the run that deleted her rows
);

-- Erasures of one citizen (GDPR art. 17): when, on which basis and how many rows,
-- deliberately without the pseudonym, so the record of the erasure is not itself a
-- record of the person.
create table citizen_erasures (
    erased_at    timestamp not null,      -- UTC
    legal_basis  varchar not null,        -- sql/vocabulary.toml, erasure_basis
    rows_deleted bigint not null,
    per_table    varchar not null         -- json: table -> rows deleted
);
