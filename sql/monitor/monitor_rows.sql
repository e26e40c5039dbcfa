-- One row per scored spell up to the run month: the score as made at the time, the
-- outcome once known, the protected attributes audited for fairness, the status
-- path for survival curves, and the model inputs for drift. Monitoring reads only
-- this; the figures it writes are aggregates.
with params as (
    select run_month, horizon_months from run_params
),

scores as (
    select spell_id, cohort_month, model_version, probability, risk_band
    from model_scores
    where cohort_month <= (select run_month from params)
),

labels as (
    select spell_id, mature, label from feat_labels
),

people as (
    select spell_id, person_id, sex, age, district, target_group, origin
    from feat_features
),

coverage as (
    select max(month) as last_status_month from stg_status
),

-- The first month after the cohort month with a job or education: leaving
-- unemployment, the event of the survival curves.
exits as (
    select
        p.spell_id,
        min(date_diff('month', s0.cohort_month, st.month)) as exit_month
    from people as p
    inner join scores as s0 using (spell_id)
    inner join stg_status as st
        on st.person_id = p.person_id
        and st.month > s0.cohort_month
        and st.month <= s0.cohort_month + to_months((select horizon_months from params))
        and st.status in ('beskaeftiget', 'uddannelse')
    group by p.spell_id
),

final as (
    select
        s.cohort_month,
        s.spell_id,
        s.model_version,
        s.probability,
        s.risk_band,
        coalesce(l.mature, false) as mature,
        l.label,
        p.sex,
        p.age,
        case
            when p.age < 30 then 'under_30'
            when p.age < 45 then '30_44'
            when p.age < 55 then '45_54'
            else '55_plus'
        end as age_band,
        p.district,
        p.target_group,
        p.origin,
        e.exit_month,
        greatest(0, least(
            (select horizon_months from params),
            date_diff('month', s.cohort_month, (select last_status_month from coverage))
        ))::integer as followup_months,
        m.* exclude (spell_id, person_id, cohort_month)
    from scores as s
    inner join people as p using (spell_id)
    left join labels as l using (spell_id)
    left join exits as e using (spell_id)
    left join feat_model_matrix as m using (spell_id)
)

select * from final
order by cohort_month, spell_id
