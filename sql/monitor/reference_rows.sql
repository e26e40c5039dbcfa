-- The training rows of a model version: labelled spells of mature cohorts from ?1
-- to ?2, as sql/model/training_set.sql selects them. Drift compares each new
-- cohort with these.
select m.*, l.label
from feat_model_matrix as m
inner join feat_labels as l using (spell_id)
where l.mature
    and l.label is not null
    and m.cohort_month between ?::date and ?::date
order by m.cohort_month, m.spell_id
