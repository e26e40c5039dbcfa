-- What the retention deletes (src/retention/): the spells that ended before the
-- cutoff (`retention_cutoff`, the run month minus citizen.retention_months), as
-- the latest delivery of each spell says (a delivery in force before one that was
-- replaced), and the persons who have no other spell left. The caller deletes
-- them with sql/citizen/delete_doomed.sql.
create or replace temp table doomed_spells as
with latest as (
    select r.spell_id, r.end_date
    from raw_spells as r
    inner join load_batches as b using (batch_id)
    qualify row_number() over (
        partition by r.spell_id
        order by (b.superseded_by is null) desc, b.batch_month desc, b.loaded_at desc
    ) = 1
),

final as (
    select spell_id
    from latest
    where end_date < (select cutoff from retention_cutoff)
)

select * from final;

create or replace temp table doomed_persons as
with persons as (
    select person_id from raw_citizens
    union select person_id from raw_spells
    union select person_id from raw_cvs
    union select person_id from raw_status
    union select person_id from raw_interviews
    union select person_id from raw_programmes
    union select person_id from model_scores
    union select person_id from lookup_judgements
    union select person_id from citizen_objections
),

living as (
    select distinct person_id
    from raw_spells
    where spell_id not in (select spell_id from doomed_spells)
),

final as (
    select person_id
    from persons
    where person_id not in (select person_id from living)
)

select * from final;
