-- Everything the store holds about one pseudonym ($1), table by table: each
-- statement returns the month of the delivery a row came in (`leveret`, raw tables)
-- and the row itself. The insight export (src/citizen/insight.rs) writes them as
-- JSON and CSV. The tables are those of sql/citizen/delete_doomed.sql; every
-- `-- table:` line starts one statement. A table that does not exist yet (the
-- feature tables before the first run) is skipped.

-- table: raw_citizens
select b.batch_month as leveret, r.*
from raw_citizens as r left join load_batches as b using (batch_id)
where r.person_id = $1
order by leveret, r.batch_id;

-- table: raw_spells
select b.batch_month as leveret, r.*
from raw_spells as r left join load_batches as b using (batch_id)
where r.person_id = $1
order by leveret, r.spell_id;

-- table: raw_interviews
select b.batch_month as leveret, r.*
from raw_interviews as r left join load_batches as b using (batch_id)
where r.person_id = $1
order by leveret, r.interview_id;

-- table: raw_cvs
select b.batch_month as leveret, r.*
from raw_cvs as r left join load_batches as b using (batch_id)
where r.person_id = $1
order by leveret, r.registered_date;

-- table: raw_programmes
select b.batch_month as leveret, r.*
from raw_programmes as r left join load_batches as b using (batch_id)
where r.person_id = $1
order by leveret, r.programme_id;

-- table: raw_status
select b.batch_month as leveret, r.*
from raw_status as r left join load_batches as b using (batch_id)
where r.person_id = $1
order by leveret, r.month;

-- table: model_scores
select null::date as leveret, r.*
from model_scores as r
where r.person_id = $1
order by r.cohort_month, r.model_version;

-- table: model_validation_rows
select null::date as leveret, r.*
from model_validation_rows as r
where r.spell_id in (select spell_id from raw_spells where person_id = $1)
order by r.version, r.spell_id;

-- table: lookup_judgements
select null::date as leveret, r.*
from lookup_judgements as r
where r.person_id = $1
order by r.recorded_at;

-- table: citizen_objections
select null::date as leveret, r.*
from citizen_objections as r
where r.person_id = $1
order by r.recorded_at;

-- table: retention_expired_persons
select null::date as leveret, r.*
from retention_expired_persons as r
where r.person_id = $1;

-- table: feat_cohort
select null::date as leveret, r.*
from feat_cohort as r
where r.person_id = $1
order by r.spell_id;

-- table: feat_features
select null::date as leveret, r.*
from feat_features as r
where r.person_id = $1
order by r.spell_id;

-- table: feat_labels
select null::date as leveret, r.*
from feat_labels as r
where r.spell_id in (select spell_id from raw_spells where person_id = $1)
order by r.spell_id;

-- table: feat_model_matrix
select null::date as leveret, r.*
from feat_model_matrix as r
where r.person_id = $1
order by r.spell_id;
