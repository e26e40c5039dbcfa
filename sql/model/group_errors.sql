-- Error rates of one version's validation predictions by protected group (sex and
-- age band), at the 0.5 threshold the model card describes. Parameter: version.
with rows as (
    select v.probability, v.label, f.sex, f.age
    from model_validation_rows as v
    inner join feat_features as f using (spell_id)
    where v.version = ?
),

labelled as (
    select
        case sex when 'K' then 'Kvinder' else 'Mænd' end as sex_group,
        case
            when age < 30 then 'Under 30 år'
            when age < 45 then '30-44 år'
            when age < 55 then '45-54 år'
            else '55 år og derover'
        end as age_group,
        probability,
        label,
        (probability >= 0.5)::integer as flagged
    from rows
),

by_group as (
    select 'Køn' as dimension, sex_group as grp, * exclude (sex_group, age_group) from labelled
    union all
    select 'Alder' as dimension, age_group as grp, * exclude (sex_group, age_group) from labelled
),

final as (
    select
        dimension,
        grp,
        count(*) as n,
        avg(label) as observed_rate,
        avg(probability) as mean_predicted,
        sum(flagged * (1 - label)) / nullif(sum(1 - label), 0) as false_positive_rate,
        sum((1 - flagged) * label) / nullif(sum(label), 0) as false_negative_rate
    from by_group
    group by dimension, grp
)

select * from final
order by dimension, grp
