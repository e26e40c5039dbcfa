-- The status in force at the run month (sql/staging/stg_status.sql), computed once
-- per run. The view ranks every status row of every citizen to find the latest
-- delivery of each (person, month); the labels, the features and the effect panel
-- read it five times in a run, and each read ranked everything again (2.8-3.3 s of
-- a national-scale run each, 0.13 s against this table: issue #24). A temporary
-- table: it lives in the run's connection (spilling, encrypted, beyond the memory
-- budget), never in the store file, and is rebuilt by the next run.
create or replace temp table feat_status as
select person_id, month, status, delivered_month
from stg_status;
