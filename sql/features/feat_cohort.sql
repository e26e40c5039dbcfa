-- The cohorts: a benefit spell enters the cohort of the month of its 2nd interview.
-- The 2nd interview's date is the reference date: every feature must be known by then.
create or replace table feat_cohort as
with params as (
    select run_month, last_day(run_month) as run_month_end from run_params
),

-- One 2nd interview per spell: a case system that delivers two rows numbered 2
-- must not put the spell in the cohort twice; the earliest counts.
second_interviews as (
    select spell_id, person_id, interview_date
    from stg_interviews
    where seq = 2
    qualify row_number() over (partition by spell_id order by interview_date, interview_id) = 1
),

spells as (
    select spell_id, target_group, start_date
    from stg_spells
),

final as (
    select
        i.spell_id,
        i.person_id,
        i.interview_date as reference_date,
        date_trunc('month', i.interview_date)::date as cohort_month,
        s.target_group,
        s.start_date as spell_start
    from second_interviews as i
    inner join spells as s using (spell_id)
    where i.interview_date <= (select run_month_end from params)
)

select * from final
order by cohort_month, spell_id;
