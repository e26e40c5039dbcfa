-- Monitoring: what each model version's scores were worth, cohort by cohort, and
-- what could be estimated before the outcomes arrived. Written by the `monitor`
-- step. Formulas and their reference implementations: docs/metrics.md.
--
-- `scope` says which rows a figure is computed over:
--   'kohorte'  the cohort of `cohort_month` (spells whose 2nd interview fell then),
--   'vindue'   the latest mature cohorts pooled (pipelines/monthly.toml
--              monitoring.window_cohorts), `cohort_month` being the newest of them.

-- The training reference of each model version, frozen when it is trained, so
-- drift is always measured against what that model learned from.
create table model_reference (
    version   varchar not null,
    feature   varchar not null,          -- a model input, or '_risk' (predicted risk)
    n         bigint not null,
    binning   varchar not null,          -- json: metrics::drift binning with reference shares
    primary key (version, feature)
);

-- Share of each risk band, and the observed rate in it once mature.
create table metric_risk_bands (
    scope          varchar not null,
    cohort_month   date not null,
    model_version  varchar not null,
    risk_band      varchar not null,     -- lav, mellem, hoej
    n              bigint not null,
    share          double not null,      -- of the scored spells in the cohort or window
    mean_predicted double not null,
    n_labelled     bigint not null,
    observed_rate  double,
    observed_ci_low  double,
    observed_ci_high double,
    computed_in_run varchar not null
);

-- Kaplan-Meier: share still unemployed (no month employed or in education yet)
-- 1..horizon months after the cohort month, by risk band; censored where the
-- status data end.
create table metric_survival (
    scope         varchar not null,
    cohort_month  date not null,
    model_version varchar not null,
    risk_band     varchar not null,      -- lav, mellem, hoej or 'alle'
    month_after   integer not null,
    n_at_risk     bigint not null,
    n_events      bigint not null,
    n_censored    bigint not null,
    survival      double not null,
    ci_low        double,
    ci_high       double,
    computed_in_run varchar not null
);

-- Performance at the policy threshold (flagged = risk band 'hoej'), once mature.
-- Long format: one row per metric; counts carry numerator/denominator so every
-- figure can pass disclosure control.
create table metric_performance (
    scope         varchar not null,
    cohort_month  date not null,
    model_version varchar not null,
    threshold     double not null,
    metric        varchar not null,
    value         double,
    ci_low        double,
    ci_high       double,
    numerator     bigint,
    denominator   bigint,
    computed_in_run varchar not null
);

-- Calibration summaries per cohort/window.
create table metric_calibration (
    scope         varchar not null,
    cohort_month  date not null,
    model_version varchar not null,
    n             bigint not null,
    mean_predicted double not null,
    observed_rate double not null,
    ece           double,
    citl          double,                -- observed rate minus mean predicted
    citl_ci_low   double,
    citl_ci_high  double,
    intercept     double,                -- logistic recalibration intercept (offset logit p)
    slope         double,                -- logistic recalibration slope on logit p
    slope_ci_low  double,
    slope_ci_high double,
    computed_in_run varchar not null
);

-- Reliability diagram bins (scikit-learn calibration_curve; empty bins dropped).
create table metric_calibration_bins (
    scope          varchar not null,
    cohort_month   date not null,
    model_version  varchar not null,
    strategy       varchar not null,     -- uniform, quantile
    bin            integer not null,
    bin_low        double not null,
    bin_high       double not null,
    n              bigint not null,
    mean_predicted double not null,
    observed_rate  double not null,
    ci_low         double not null,
    ci_high        double not null,
    computed_in_run varchar not null
);

-- Confidence-based performance estimation (NannyML CBPE): made once, in the run
-- that scored the cohort, and never recomputed; the realised value is filled in
-- beside it when the cohort matures, so the estimates themselves can be judged.
create table metric_cbpe (
    cohort_month     date not null,
    model_version    varchar not null,
    metric           varchar not null,
    estimated        double,
    estimated_in_run varchar not null,
    realised         double,
    realised_in_run  varchar,
    primary key (cohort_month, model_version, metric)
);

-- Drift of each cohort against the training reference of the version that scored it.
create table metric_drift (
    cohort_month  date not null,
    model_version varchar not null,
    feature       varchar not null,      -- a model input, '_risk' or '_base_rate'
    feature_label varchar not null,      -- Danish, from model/features.toml
    n             bigint not null,
    psi           double,
    js_distance   double,
    level         varchar not null,      -- ok, advarsel, alarm
    computed_in_run varchar not null
);

-- Fairness by protected group over the window of mature cohorts.
create table metric_fairness (
    cohort_month    date not null,       -- the newest cohort of the window
    window_from     date not null,
    model_version   varchar not null,    -- 'flere' when the window spans versions
    dimension       varchar not null,    -- sex, age_band, district, target_group, origin, sex_age_band
    grp             varchar not null,
    metric          varchar not null,    -- selection_rate, fpr, fnr, precision, citl
    n               bigint not null,
    numerator       double,
    denominator     bigint,
    value           double,
    ci_low          double,
    ci_high         double,
    reference_group varchar not null,
    ratio           double,
    p_value         double,
    p_adjusted      double,
    ratio_outside   boolean not null,
    significant     boolean not null,
    flagged         boolean not null,
    suppress        boolean not null,    -- fewer persons than the disclosure threshold
    computed_in_run varchar not null
);

-- Alerts for the cockpit: one row per condition, kept open while it holds.
create table alerts (
    alert_key        varchar primary key, -- kind:subject
    kind             varchar not null,    -- drift, kalibrering, retfaerdighed, datakvalitet, koersel
    severity         varchar not null,    -- info, advarsel, alarm
    subject          varchar not null,
    message          varchar not null,    -- Danish, aggregate only
    value            double,
    first_seen_month date not null,
    last_seen_month  date not null,
    first_seen_at    timestamp not null,
    last_seen_at     timestamp not null,
    status           varchar not null     -- aaben, lukket
);
