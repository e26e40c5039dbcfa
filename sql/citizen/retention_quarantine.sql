-- Refused rows of deliveries for months before the cutoff: their values may hold a
-- masked CPR number and an individual's data, and they are as old as the rows
-- that were loaded beside them.
delete from raw_quarantine
where batch_id in (
    select batch_id from load_batches where batch_month < (select cutoff from retention_cutoff)
)
