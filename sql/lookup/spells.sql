-- The benefit spells of one citizen as the latest deliveries know them (#14's
-- look-up; the one parameter is the citizen's pseudonym). Unlike the staging views
-- this is "now", not a run's point in time: every batch in force, the latest
-- delivery of each spell wins. Filtered on the pseudonym before anything else, so a
-- look-up reads one citizen's rows, not the table.
with batches as (
    select batch_id, batch_month, loaded_at
    from load_batches
    where superseded_by is null
),

mine as (
    select r.spell_id, r.target_group, r.start_date, r.end_date, b.batch_month, b.loaded_at
    from raw_spells as r
    inner join batches as b using (batch_id)
    where r.person_id = ?
),

latest as (
    select *
    from mine
    qualify row_number() over (partition by spell_id order by batch_month desc, loaded_at desc) = 1
),

interviews as (
    select i.spell_id, min(i.interview_date) as second_interview
    from raw_interviews as i
    inner join batches as b using (batch_id)
    where i.person_id = ? and i.seq = 2
    group by i.spell_id
),

final as (
    select
        l.spell_id,
        l.target_group,
        l.start_date,
        l.end_date,
        i.second_interview
    from latest as l
    left join interviews as i using (spell_id)
)

select * from final
order by start_date desc, spell_id
