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

-- The batches in force at the run month, as every staging view takes them.
batches as (
    select batch_id, batch_month, loaded_at from batches_in_force
),

-- The last month the status data cover: the latest month of any batch in force
-- (the same as max(month) of stg_status, without ranking).
coverage as (
    select max(r.month) as last_status_month
    from raw_status as r
    inner join batches as b using (batch_id)
),

-- Status of the scored spells' follow-up months only, the latest delivery of each
-- month winning exactly as in stg_status. Ranking just these rows instead of
-- reading the stg_status view (which ranks every status row of every citizen)
-- makes this query three times faster; keep the two rankings alike.
followed as (
    select
        s.spell_id,
        date_diff('month', s.cohort_month, r.month) as month_after,
        r.status,
        row_number() over (partition by s.spell_id, r.month order by b.batch_month desc, b.loaded_at desc) as delivery_rank
    from scores as s
    inner join people as p using (spell_id)
    inner join raw_status as r
        on r.person_id = p.person_id
        and r.month > s.cohort_month
        and r.month <= s.cohort_month + to_months((select horizon_months from params))
    inner join batches as b using (batch_id)
),

-- The first month after the cohort month with a job or education: leaving
-- unemployment, the event of the survival curves.
exits as (
    select spell_id, min(month_after) as exit_month
    from followed
    where delivery_rank = 1 and status in ('beskaeftiget', 'uddannelse')
    group by spell_id
),

-- The last month after the cohort month whose status was observed: a person who
-- moved out, died or dropped out of the registers (`fraflyttet`, `doed`,
-- `ukendt`, or no row) is censored there, not counted as still unemployed to the
-- end of the delivery (Kaplan-Meier with per-person censoring, as lifelines).
observed as (
    select spell_id, max(month_after) as observed_months
    from followed
    where delivery_rank = 1 and status not in ('fraflyttet', 'doed', 'ukendt')
    group by spell_id
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
        age_band(p.age) as age_band,
        p.district,
        p.target_group,
        p.origin,
        e.exit_month,
        greatest(0, least(
            (select horizon_months from params),
            date_diff('month', s.cohort_month, (select last_status_month from coverage))
        ))::integer as followup_months,
        coalesce(o.observed_months, 0)::integer as observed_months,
        m.* exclude (spell_id, person_id, cohort_month)
    from scores as s
    inner join people as p using (spell_id)
    left join labels as l using (spell_id)
    left join exits as e using (spell_id)
    left join observed as o using (spell_id)
    left join feat_model_matrix as m using (spell_id)
)

select * from final
order by cohort_month, spell_id
