-- Labelled rows of mature cohorts from ?1 to ?2 (first days of months), for training
-- (src/model/) and, for the same months, as a version's drift reference
-- (src/monitor/rows.rs): drift compares each new cohort with these rows.
select m.*, l.label
from feat_model_matrix as m
inner join feat_labels as l using (spell_id)
where l.mature
    and l.label is not null
    and m.cohort_month between ?::date and ?::date
    -- A citizen who objected to profiling is not learnt from (#15).
    and m.person_id not in (select person_id from citizen_objections_in_force)
order by m.cohort_month, m.spell_id
