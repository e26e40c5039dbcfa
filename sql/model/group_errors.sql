-- Error rates of one version's validation predictions by protected group (sex and
-- age band), at the policy threshold (scoring.high_from) the model card, the cockpit,
-- the report and the caseworker look-up all use. Parameters: version, threshold.
-- The card orders the rows by their Danish labels.
with rows as (
    select v.probability, v.label, f.sex, f.age
    from model_validation_rows as v
    inner join feat_features as f using (spell_id)
    where v.version = ?
),

labelled as (
    select
        sex,
        age_band(age) as age_band,
        probability,
        label,
        (probability >= ?::double)::integer as flagged
    from rows
),

-- Codes, not labels: the card names them from the vocabulary (sql/vocabulary.toml).
by_group as (
    select 'sex' as dimension, sex as grp, * exclude (sex, age_band) from labelled
    union all
    select 'age_band' as dimension, age_band as grp, * exclude (sex, age_band) from labelled
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
