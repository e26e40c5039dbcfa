-- The pseudonyms of the persons the retention just deleted, so that the load's
-- reference check still knows them (sql/schema/040_citizen_rights.sql).
insert into retention_expired_persons (person_id, expired_on)
select d.person_id, (select cutoff from retention_cutoff)
from doomed_persons as d
where d.person_id not in (select person_id from retention_expired_persons)
