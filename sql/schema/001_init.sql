-- Initial schema. Applied migrations are never edited; add a new numbered file instead.

-- One row per delivered batch (a month's folder of extract files).
create table load_batches (
    batch_id      varchar primary key,   -- sha256 over the files' checksums
    batch_month   date not null,         -- the month the delivery covers
    source_dir    varchar not null,
    file_checksums varchar not null,     -- json: file -> sha256
    rows_loaded   bigint not null,
    loaded_at     timestamp not null,
    duration_ms   bigint not null
);

-- Raw tables keep every delivered row with its batch; staging picks the latest.
-- person_id is the keyed HMAC pseudonym of the CPR number, never the number.
create table raw_citizens (
    batch_id varchar not null, person_id varchar not null, birth_date date not null,
    sex varchar not null, postal_code varchar not null, district varchar not null,
    origin varchar not null
);
create table raw_spells (
    batch_id varchar not null, spell_id varchar not null, person_id varchar not null,
    target_group varchar not null, start_date date not null, end_date date
);
create table raw_interviews (
    batch_id varchar not null, interview_id varchar not null, spell_id varchar not null,
    person_id varchar not null, interview_date date not null, seq integer not null,
    team varchar not null
);
create table raw_cvs (
    batch_id varchar not null, person_id varchar not null, registered_date date not null,
    education varchar not null, experience_years double not null, disco varchar,
    driving_licence boolean not null
);
create table raw_programmes (
    batch_id varchar not null, programme_id varchar not null, spell_id varchar not null,
    person_id varchar not null, programme_type varchar not null, start_date date not null,
    end_date date not null
);
create table raw_status (
    batch_id varchar not null, person_id varchar not null, month date not null,
    status varchar not null
);

-- Pipeline runs and their steps.
create table pipeline_runs (
    run_id      varchar primary key,
    run_month   date not null,
    trigger     varchar not null,        -- cli, backfill, schedule
    started_at  timestamp not null,
    finished_at timestamp,
    status      varchar not null,        -- running, succeeded, failed
    error       varchar
);
create table pipeline_steps (
    run_id      varchar not null,
    step        varchar not null,
    position    integer not null,
    started_at  timestamp not null,
    duration_ms bigint not null,
    rows        bigint not null,
    status      varchar not null,
    detail      varchar
);

-- Model registry: one row per trained version.
create table model_versions (
    version         varchar primary key,
    trained_in_run  varchar not null,
    run_month       date not null,
    train_from      date not null,
    train_to        date not null,
    n_train         bigint not null,
    base_rate       double not null,
    params          varchar not null,    -- json
    features        varchar not null,    -- json list of feature names
    tree            varchar not null,    -- json: smartcore tree nodes
    val_from        date,
    val_to          date,
    n_val           bigint,
    val_brier       double,
    val_brier_baseline double,
    created_at      timestamp not null
);
-- The leaves of each version: rule path and observed training rate.
create table model_leaves (
    version   varchar not null,
    leaf_id   integer not null,
    rule      varchar not null,          -- Danish rule text
    n         bigint not null,
    n_pos     bigint not null,
    probability double not null,         -- smoothed leaf rate used as the score
    ci_low    double not null,
    ci_high   double not null
);
-- Scores of each cohort, as made at the time (never recomputed later).
create table model_scores (
    spell_id      varchar not null,
    person_id     varchar not null,
    cohort_month  date not null,
    model_version varchar not null,
    probability   double not null,
    risk_band     varchar not null,
    leaf_id       integer not null,
    scored_in_run varchar not null,
    primary key (spell_id, model_version)
);

-- Per-cohort evaluation, recomputed by every run (observed rates arrive late).
create table metric_cohorts (
    cohort_month    date primary key,
    n               bigint not null,
    n_scored        bigint not null,
    model_version   varchar,
    mean_predicted  double,
    share_high_risk double,
    mature          boolean not null,
    n_labelled      bigint not null,
    observed_rate   double,
    observed_ci_low double,
    observed_ci_high double,
    brier           double,
    computed_in_run varchar not null
);
