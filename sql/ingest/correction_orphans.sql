-- Rows of later months that a corrected re-delivery of a month would orphan.
-- The correction ($2) replaces the month's batch ($1) whole (src/ingest/ledger.rs),
-- so a citizen or spell it drops is gone for every later month whose rows name
-- it, unless a batch in force for that later month or before delivers it too.
-- Run inside the write transaction, after the new batch is appended and the old
-- one marked superseded; any row here refuses the correction.
-- The raw tables keep no file lines, so rows are counted per later month and
-- file; a dropped spell is named by its id, a citizen never (the pseudonym is
-- an identifier too).
-- Parameters: $1 the replaced batch, $2 the correction, $3 the corrected month.
with

dropped_citizens as (
    select person_id from raw_citizens where batch_id = $1
    except
    select person_id from raw_citizens where batch_id = $2
),

dropped_spells as (
    select spell_id from raw_spells where batch_id = $1
    except
    select spell_id from raw_spells where batch_id = $2
),

batches_in_force as (
    select batch_id, batch_month
    from load_batches
    where superseded_by is null
),

later_batches as (
    select batch_id, batch_month
    from batches_in_force
    where batch_month > $3::date
),

-- Where the dropped citizens and spells are still delivered, by month.
citizens_kept as (
    select c.person_id, b.batch_month
    from raw_citizens as c
    inner join batches_in_force as b using (batch_id)
    where c.person_id in (select d.person_id from dropped_citizens as d)
),

spells_kept as (
    select s.spell_id, b.batch_month
    from raw_spells as s
    inner join batches_in_force as b using (batch_id)
    where s.spell_id in (select d.spell_id from dropped_spells as d)
),

citizen_references as (
    select batch_id, 'ydelsesforloeb.csv' as file, person_id from raw_spells
    union all
    select batch_id, 'samtaler.csv' as file, person_id from raw_interviews
    union all
    select batch_id, 'cv.csv' as file, person_id from raw_cvs
    union all
    select batch_id, 'indsatser.csv' as file, person_id from raw_programmes
    union all
    select batch_id, 'status.csv' as file, person_id from raw_status
),

spell_references as (
    select batch_id, 'samtaler.csv' as file, spell_id from raw_interviews
    union all
    select batch_id, 'indsatser.csv' as file, spell_id from raw_programmes
),

-- A reference holds if its citizen or spell is delivered in its own month or
-- before (the rule the load checks, docs/extracts.md "Referencer").
orphaned_by_citizen as (
    select
        l.batch_month,
        r.file,
        'cpr' as column_name,
        count(*) as orphaned_rows,
        []::varchar[] as examples
    from citizen_references as r
    inner join later_batches as l using (batch_id)
    where
        r.person_id in (select d.person_id from dropped_citizens as d)
        and not exists (
            select 1 from citizens_kept as k
            where k.person_id = r.person_id and k.batch_month <= l.batch_month
        )
    group by l.batch_month, r.file
),

orphaned_by_spell as (
    select
        l.batch_month,
        r.file,
        'forloeb_id' as column_name,
        count(*) as orphaned_rows,
        list_sort(list_distinct(list(r.spell_id)))[1:3] as examples
    from spell_references as r
    inner join later_batches as l using (batch_id)
    where
        r.spell_id in (select d.spell_id from dropped_spells as d)
        and not exists (
            select 1 from spells_kept as k
            where k.spell_id = r.spell_id and k.batch_month <= l.batch_month
        )
    group by l.batch_month, r.file
),

final as (
    select * from orphaned_by_citizen
    union all
    select * from orphaned_by_spell
)

select
    strftime(batch_month, '%Y-%m') as batch_month,
    file,
    column_name,
    orphaned_rows,
    examples
from final
order by batch_month, file, column_name
