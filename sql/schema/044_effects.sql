-- Programme effects (issue #17), written by the `effects` step and recomputed by
-- every run. Formulas: crates/metrics/src/effects, docs/metrics.md "Effekter".

-- One row per programme type, outcome and group: the AIPW effect on the treated
-- of starting the programme in a month against not starting one then, the naive
-- difference beside it, overlap and sensitivity figures, or why it is suppressed.
create table effect_estimates (
    programme_type   varchar not null,
    outcome          varchar not null,     -- ledig_12 (12 months after the 2nd interview), ledig_laast (2 months after the start)
    grouping         varchar not null,     -- risikogruppe, maalgruppe or alle
    group_value      varchar not null,     -- a risk band, a target group, or alle
    window_from      date not null,
    window_to        date not null,
    n_treated        bigint not null,      -- person-months that started the programme
    n_control        bigint not null,      -- person-months at risk that started none
    persons_treated  bigint not null,
    treated_rate     double,
    naive            double,
    naive_ci_low     double,
    naive_ci_high    double,
    effect           double,               -- null when suppressed
    effect_ci_low    double,
    effect_ci_high   double,
    effect_se        double,
    ess_control      double,
    trimmed_share    double,
    ps_treated_median double,
    ps_control_median double,
    e_value          double,
    e_value_ci       double,
    suppressed_reason varchar,
    computed_in_run  varchar not null
);

-- The starts each estimate rests on (pseudonymous spell ids; never shown in the
-- cockpit), so a run's estimates can be traced and checked against a known truth.
create table effect_treated (
    spell_id        varchar not null,
    month           date not null,
    start_date      date not null,
    programme_type  varchar not null,
    risk_band       varchar not null,
    target_group    varchar not null,
    computed_in_run varchar not null
);
