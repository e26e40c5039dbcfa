-- The rows to erase for one citizen (src/citizen/erasure.rs): her pseudonym and
-- every spell of hers, as the temporary tables sql/citizen/delete_doomed.sql reads.
create or replace temp table doomed_persons (person_id varchar not null);
create or replace temp table doomed_spells (spell_id varchar not null);
