-- The feature rows of one pseudonym ($person): what the model read about her in the
-- latest run (rebuilt by every run from the raw rows). Part of the insight export.
select 'feat_cohort' as tabel, null::date as leveret, to_json(r)::varchar as raekke
from feat_cohort as r where r.person_id = $person
union all
select 'feat_features', null::date, to_json(r)::varchar
from feat_features as r where r.person_id = $person
union all
select 'feat_labels', null::date, to_json(r)::varchar
from feat_labels as r where r.person_id = $person
union all
select 'feat_model_matrix', null::date, to_json(r)::varchar
from feat_model_matrix as r where r.person_id = $person
order by tabel, raekke
