-- The objection in force of one pseudonym ($person), if any.
select effective_date, legal_reason
from citizen_objections_in_force
where person_id = $person
