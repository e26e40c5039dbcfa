-- The cohort of month ?1, to be scored. A citizen with an objection to profiling
-- in force (sql/schema/040_citizen_rights.sql) is not scored.
select m.*
from feat_model_matrix as m
where m.cohort_month = ?::date
    and m.person_id not in (select person_id from citizen_objections_in_force)
order by m.spell_id
