-- The newest month a delivery in force covers: the look-up's "today", since the
-- store knows nothing newer (a closed spell's window counts from its last day).
select last_day(max(batch_month)) as reference_date
from load_batches
where superseded_by is null
