-- The parameters of the run in progress. Staging views read it so that a run for
-- month M only ever sees batches delivered for M or earlier (point in time),
-- even when later batches are already loaded.
create table run_params (
    run_month      date not null,
    horizon_months integer not null
);
