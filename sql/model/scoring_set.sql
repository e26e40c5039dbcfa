-- The cohort of month ?1, to be scored.
select m.*
from feat_model_matrix as m
where m.cohort_month = ?::date
order by m.spell_id
