-- The proxy audit (issue #16): how well the model's inputs together predict each
-- protected group (one group against the rest of its dimension), over the
-- monitoring window of mature cohorts, and which single input is the strongest
-- proxy. Recomputed by every run's monitor step.
create table metric_proxy (
    cohort_month    date not null,       -- the newest cohort of the window
    window_from     date not null,
    dimension       varchar not null,    -- sex, origin, district
    grp             varchar not null,
    n               bigint not null,     -- persons in the window
    n_group         bigint not null,     -- of them in the group
    auc             double,              -- logistic regression on every input; null under k
    ci_low          double,
    ci_high         double,
    strongest_input varchar,             -- the input (policy name) that alone separates best
    strongest_label varchar,
    strongest_auc   double,
    computed_in_run varchar not null
);
