-- The month a run processes and the outcome horizon, read by the staging views
-- (batches_in_force: point in time) and the labels. One row: the caller deletes
-- the previous run's first, in the same transaction.
insert into run_params (run_month, horizon_months)
values (?::date, ?)
