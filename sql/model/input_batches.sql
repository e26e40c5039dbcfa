-- The deliveries a model version was trained on, for its artefact: the batches in
-- force at the run month (the one definition, sql/staging/batches_in_force.sql;
-- the run has set run_params to the month before training).
select batch_id
from batches_in_force
order by batch_month, batch_id
