-- Point-in-time features: each row uses only what was known on the day of the
-- 2nd interview (reference_date). Status months count only if strictly before
-- the cohort month; CVs only if registered on or before the reference date;
-- earlier spells only if they started before this spell.
create or replace table feat_features as
with cohort as (
    select * from feat_cohort
),

citizens as (
    select person_id, birth_date, sex, district, origin
    from stg_citizens
),

cv_ranked as (
    select
        c.spell_id,
        v.education,
        v.experience_years,
        v.disco,
        v.driving_licence,
        row_number() over (partition by c.spell_id order by v.registered_date desc) as cv_rank
    from cohort as c
    inner join stg_cvs as v
        on v.person_id = c.person_id and v.registered_date <= c.reference_date
),

cv as (
    select * from cv_ranked where cv_rank = 1
),

history as (
    select
        c.spell_id,
        count(*) filter (where s.status = 'beskaeftiget') as months_employed_36,
        count(*) filter (where s.status = 'ydelse') as months_benefit_36,
        count(*) filter (where s.status = 'uddannelse') as months_education_36
    from cohort as c
    inner join feat_status as s
        on s.person_id = c.person_id
        and s.month >= c.cohort_month - interval 36 month
        and s.month < c.cohort_month
    group by c.spell_id
),

earlier as (
    select c.spell_id, count(s.spell_id) as earlier_spells
    from cohort as c
    inner join stg_spells as s
        on s.person_id = c.person_id and s.start_date < c.spell_start
    group by c.spell_id
),

final as (
    select
        c.spell_id,
        c.person_id,
        c.cohort_month,
        c.reference_date,
        c.target_group,
        date_diff('year', p.birth_date, c.reference_date)
            - case when strftime(c.reference_date, '%m%d') < strftime(p.birth_date, '%m%d') then 1 else 0 end
            as age,
        p.sex,
        p.district,
        p.origin,
        coalesce(cv.education, 'ukendt') as education,
        coalesce(cv.experience_years, 0) as experience_years,
        -- DISCO-08 major group 0 is the armed forces (`0310`), so "no occupation" is -1.
        case when cv.disco is null then -1 else cast(substr(cv.disco, 1, 1) as integer) end as disco_major,
        -- A licence delivered as `ukendt` is not known to exist: the flag is off.
        coalesce(cv.driving_licence, false) as driving_licence,
        cv.spell_id is not null as has_cv,
        coalesce(h.months_employed_36, 0) as months_employed_36,
        coalesce(h.months_benefit_36, 0) as months_benefit_36,
        coalesce(h.months_education_36, 0) as months_education_36,
        coalesce(e.earlier_spells, 0) as earlier_spells,
        date_diff('day', c.spell_start, c.reference_date) as days_to_second_interview,
        month(c.reference_date) as calendar_month
    from cohort as c
    inner join citizens as p using (person_id)
    left join cv using (spell_id)
    left join history as h using (spell_id)
    left join earlier as e using (spell_id)
)

select * from final
order by cohort_month, spell_id;
