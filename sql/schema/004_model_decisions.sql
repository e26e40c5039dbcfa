-- Champion/challenger decisions, one per training run: whether the new model
-- replaced the one in use, on which figures, and why (Danish, for the cockpit).
create table model_decisions (
    run_id             varchar not null,
    run_month          date not null,
    challenger_version varchar not null,
    champion_before    varchar,
    promoted           boolean not null,
    champion_after     varchar not null,
    challenger_brier   double not null,
    champion_brier     double,
    tolerance          double not null,
    reason             varchar not null,
    decided_at         timestamp not null
);
