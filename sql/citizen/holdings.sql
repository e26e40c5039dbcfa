-- Everything the store holds about one pseudonym ($person), one row per stored row:
-- the table, the month of the delivery it came in (raw tables), and the row itself
-- as JSON. The insight export (src/citizen/insight.rs) writes these as JSON and CSV;
-- the tables are those of sql/citizen/delete_doomed.sql that exist in every store
-- (the feature tables are read separately: they exist from the first run on).
with spells as (
    select distinct spell_id from raw_spells where person_id = $person
),

delivered as (
    select batch_id, batch_month from load_batches
),

final as (
    select 'raw_citizens' as tabel, d.batch_month as leveret, to_json(r)::varchar as raekke
    from raw_citizens as r left join delivered as d using (batch_id)
    where r.person_id = $person
    union all
    select 'raw_spells', d.batch_month, to_json(r)::varchar
    from raw_spells as r left join delivered as d using (batch_id)
    where r.person_id = $person
    union all
    select 'raw_interviews', d.batch_month, to_json(r)::varchar
    from raw_interviews as r left join delivered as d using (batch_id)
    where r.person_id = $person
    union all
    select 'raw_cvs', d.batch_month, to_json(r)::varchar
    from raw_cvs as r left join delivered as d using (batch_id)
    where r.person_id = $person
    union all
    select 'raw_programmes', d.batch_month, to_json(r)::varchar
    from raw_programmes as r left join delivered as d using (batch_id)
    where r.person_id = $person
    union all
    select 'raw_status', d.batch_month, to_json(r)::varchar
    from raw_status as r left join delivered as d using (batch_id)
    where r.person_id = $person
    union all
    select 'model_scores', null::date, to_json(r)::varchar
    from model_scores as r
    where r.person_id = $person
    union all
    select 'model_validation_rows', null::date, to_json(r)::varchar
    from model_validation_rows as r
    where r.spell_id in (select spell_id from spells)
    union all
    select 'lookup_judgements', null::date, to_json(r)::varchar
    from lookup_judgements as r
    where r.person_id = $person
    union all
    select 'citizen_objections', null::date, to_json(r)::varchar
    from citizen_objections as r
    where r.person_id = $person
)

select tabel, leveret, raekke
from final
order by tabel, leveret nulls last, raekke
