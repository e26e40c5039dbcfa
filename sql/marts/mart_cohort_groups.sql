-- Cohort outcome figures for the cockpit's filters: per cohort month, the total
-- ('alle') and one breakdown at a time by target group, age band and district.
-- Aggregate only: counts and one sum, never a rate. Rates, means and intervals are
-- computed by the disclosure control from the perturbed counts.
--
-- Every count carries a cell key `<count>_ckey` for cell-key perturbation
-- (crates/disclosure/src/ckey.rs). Each spell has record keys: bytes 0..3 of
-- sha256(pseudonym || '|' || spell_id). For a count over the subset F of a row's
-- records R: key = (sum of byte 0 over F + sum of byte 1 over R minus F) mod 256, so
-- the same persons get the same key and any change to R gives every count a new one.
-- The sum of predicted probabilities uses bytes 2 and 3 the same way.
create or replace table mart_cohort_groups as
with cohort as (
    select spell_id, person_id, cohort_month, target_group from feat_cohort
),

people as (
    select spell_id, age, district from feat_features
),

-- One score per spell (the cohort is scored in its own month's run).
scores as (
    select spell_id, probability, risk_band
    from model_scores
    qualify row_number() over (partition by spell_id order by scored_in_run desc, model_version desc) = 1
),

labels as (
    select spell_id, mature, label from feat_labels
),

records as (
    select
        c.cohort_month,
        c.target_group,
        age_band(p.age) as age_band,
        coalesce(p.district, 'ukendt') as district,
        s.probability,
        s.risk_band = 'hoej' as high,
        coalesce(l.mature, false) as mature,
        l.label,
        sha256(c.person_id || '|' || c.spell_id) as h
    from cohort as c
    left join people as p using (spell_id)
    left join scores as s using (spell_id)
    left join labels as l using (spell_id)
),

keyed as (
    select
        * exclude (h),
        ('0x' || substr(h, 1, 2))::integer as rk0,
        ('0x' || substr(h, 3, 2))::integer as rk1,
        ('0x' || substr(h, 5, 2))::integer as rk2,
        ('0x' || substr(h, 7, 2))::integer as rk3
    from records
),

breakdowns as (
    select * from (values ('alle'), ('maalgruppe'), ('aldersgruppe'), ('distrikt')) as d (dimension)
),

long as (
    select
        k.*,
        b.dimension,
        case b.dimension
            when 'alle' then 'alle'
            when 'maalgruppe' then k.target_group
            when 'aldersgruppe' then k.age_band
            else k.district
        end as grp
    from keyed as k
    cross join breakdowns as b
),

final as (
    select
        cohort_month,
        dimension,
        grp,
        bool_and(mature) as mature,
        count(*) as n,
        (sum(rk0) % 256)::integer as n_ckey,
        count(probability) as n_scored,
        (sum(case when probability is not null then rk0 else rk1 end) % 256)::integer as n_scored_ckey,
        count(*) filter (where high) as n_high,
        (sum(case when high then rk0 else rk1 end) % 256)::integer as n_high_ckey,
        sum(probability) as sum_predicted,
        (sum(case when probability is not null then rk2 else rk3 end) % 256)::integer as sum_predicted_ckey,
        count(label) as n_labelled,
        (sum(case when label is not null then rk0 else rk1 end) % 256)::integer as n_labelled_ckey,
        count(*) filter (where label = 1) as n_unemployed,
        (sum(case when label = 1 then rk0 else rk1 end) % 256)::integer as n_unemployed_ckey
    from long
    group by cohort_month, dimension, grp
)

select * from final
order by cohort_month, dimension, grp;
