-- The months at which a spell could start a programme (issue #17): for each
-- scored spell of the latest mature cohorts (parameter 1: how many), each month t
-- from its cohort month (the month of the 2nd interview) on for parameter 2
-- months, while the spell is still open and no programme is running when t
-- begins (or at the 2nd interview, in the cohort month itself). `programme_type`
-- is the programme started in t, if any (the first, if several). Outcomes: still
-- unemployed horizon months after the cohort month (the model's label), and two
-- months after t (the lock-in phase, while most programmes still run).
with params as (
    select run_month, horizon_months from run_params
),

status_coverage as (
    select max(month) as last_status_month from feat_status
),

mature_cohorts as (
    select distinct cohort_month
    from feat_labels
    where mature
    order by cohort_month desc
    limit ?
),

-- The band each spell got when it was scored (the first score counts).
scored as (
    select spell_id, person_id, cohort_month, risk_band
    from model_scores
    where cohort_month in (select cohort_month from mature_cohorts)
    qualify row_number() over (partition by spell_id order by scored_in_run, model_version) = 1
),

labels as (
    select spell_id, label from feat_labels where mature
),

features as (
    select spell_id, target_group, age, education, months_employed_36, driving_licence
    from feat_features
),

cohort as (
    select spell_id, reference_date from feat_cohort
),

spells as (
    select spell_id, end_date from stg_spells
),

programmes as (
    select spell_id, programme_type, start_date, end_date
    from stg_programmes
),

months as (
    select
        s.spell_id,
        s.person_id,
        s.risk_band,
        s.cohort_month,
        r.k as months_since_cohort,
        (s.cohort_month + to_months(r.k))::date as month,
        greatest((s.cohort_month + to_months(r.k))::date, c.reference_date) as at_date
    from scored as s
    inner join cohort as c using (spell_id)
    cross join range(0, ?) as r(k)
),

at_risk as (
    select m.*
    from months as m
    inner join spells as sp using (spell_id)
    where
        (sp.end_date is null or sp.end_date >= m.at_date)
        and not exists (
            select 1 from programmes as p
            where p.spell_id = m.spell_id and p.start_date < m.at_date and p.end_date > m.at_date
        )
),

started as (
    select
        m.spell_id,
        m.month,
        min_by(p.programme_type, p.start_date) as programme_type,
        min(p.start_date) as start_date
    from at_risk as m
    inner join programmes as p
        on p.spell_id = m.spell_id
        and p.start_date >= m.at_date
        and p.start_date < (m.month + interval 1 month)::date
    group by m.spell_id, m.month
),

earlier as (
    select m.spell_id, m.month, count(p.spell_id) as earlier_programmes
    from at_risk as m
    inner join programmes as p
        on p.spell_id = m.spell_id and p.start_date < m.at_date
    group by m.spell_id, m.month
),

lockin as (
    select
        m.spell_id,
        m.month,
        case when st.status in ('beskaeftiget', 'uddannelse') then 0 else 1 end as unemployed_lockin
    from at_risk as m
    inner join feat_status as st
        on st.person_id = m.person_id
        and st.month = (m.month + to_months(2))::date
    where (m.month + to_months(2))::date <= (select last_status_month from status_coverage)
),

final as (
    select
        m.spell_id,
        m.person_id,
        m.cohort_month,
        m.month,
        m.months_since_cohort,
        m.risk_band,
        f.target_group,
        f.age,
        f.education,
        f.months_employed_36,
        f.driving_licence,
        month(m.month) as calendar_month,
        coalesce(e.earlier_programmes, 0) as earlier_programmes,
        s.programme_type,
        s.start_date,
        l.label as unemployed_12,
        lk.unemployed_lockin
    from at_risk as m
    inner join labels as l using (spell_id)
    inner join features as f using (spell_id)
    left join started as s using (spell_id, month)
    left join earlier as e using (spell_id, month)
    left join lockin as lk using (spell_id, month)
)

select * from final
order by person_id, spell_id, month;
