-- The scored spells the demo's synthetic caseworkers may judge (src/lookup/simulate.rs):
-- each spell's latest score, with its outcome where it is known (the stand-in for
-- what the model cannot see; docs/extracts.md, "Syntetiske sagsbehandlere").
with scores as (
    select *
    from model_scores
    qualify row_number() over (partition by spell_id order by cohort_month desc, model_version desc) = 1
),

labels as (
    select spell_id, label
    from feat_labels
    where mature and label is not null
),

final as (
    select
        s.spell_id,
        s.person_id,
        s.cohort_month,
        s.model_version,
        s.probability,
        s.risk_band,
        l.label
    from scores as s
    left join labels as l using (spell_id)
)

select * from final
order by spell_id
