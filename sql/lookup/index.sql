-- What the look-up can show, one row per citizen who can be looked up (#14): the
-- citizen's current spell (the newest that is open or ended at most `?` months
-- before the last day of the newest delivery), its 2nd interview and its latest
-- stored score. Every batch in force counts (now, not a run's point in time); the
-- latest delivery of each spell wins. Read into memory by src/lookup/index.rs, so
-- a look-up costs no query; rebuilt after every run.
with batches as (
    select batch_id, batch_month, loaded_at
    from load_batches
    where superseded_by is null
),

reference as (
    select last_day(max(batch_month)) as reference_date from batches
),

spells as (
    select r.spell_id, r.person_id, r.target_group, r.start_date, r.end_date
    from raw_spells as r
    inner join batches as b using (batch_id)
    qualify row_number() over (partition by r.spell_id order by b.batch_month desc, b.loaded_at desc) = 1
),

current_spells as (
    select *
    from spells
    where end_date is null
        or end_date >= ((select reference_date from reference) - to_months(?::integer))::date
    qualify row_number() over (partition by person_id order by start_date desc, spell_id) = 1
),

interviews as (
    select i.spell_id, min(i.interview_date) as second_interview
    from raw_interviews as i
    inner join batches as b using (batch_id)
    where i.seq = 2
    group by i.spell_id
),

scores as (
    select spell_id, model_version, cohort_month, probability, risk_band, leaf_id, scored_in_run
    from model_scores
    qualify row_number() over (partition by spell_id order by cohort_month desc, model_version desc) = 1
),

final as (
    select
        c.person_id,
        c.spell_id,
        c.target_group,
        c.start_date,
        c.end_date,
        i.second_interview,
        s.model_version,
        s.cohort_month,
        s.probability,
        s.risk_band,
        s.leaf_id,
        r.run_month,
        (select reference_date from reference) as reference_date,
        o.effective_date as objected_since
    from current_spells as c
    left join interviews as i using (spell_id)
    left join scores as s using (spell_id)
    left join pipeline_runs as r on r.run_id = s.scored_in_run
    -- An objection to profiling in force (#15): the page says so and shows no score.
    left join citizen_objections_in_force as o on o.person_id = c.person_id
)

select * from final
