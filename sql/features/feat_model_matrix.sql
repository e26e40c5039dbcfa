-- The numeric matrix the model reads: one row per cohort spell, categorical
-- features encoded as 0/1 flags or ordinal levels. Which columns the model may
-- use is decided by model/features.toml, not here.
create or replace table feat_model_matrix as
with features as (
    select * from feat_features
),

final as (
    select
        spell_id,
        person_id,
        cohort_month,
        age::double as age,
        (target_group = 'dagpenge')::integer::double as tg_dagpenge,
        (target_group = 'kontanthjaelp_jobparat')::integer::double as tg_kontanthjaelp_jobparat,
        (target_group = 'kontanthjaelp_aktivitetsparat')::integer::double as tg_kontanthjaelp_aktivitetsparat,
        (target_group = 'uddannelseshjaelp')::integer::double as tg_uddannelseshjaelp,
        (target_group = 'integrationsydelse')::integer::double as tg_integrationsydelse,
        (case education
            when 'grundskole' then 0 when 'gymnasial' then 1 when 'erhvervsfaglig' then 2
            when 'kvu' then 3 when 'mvu' then 4 when 'bachelor' then 5 when 'lvu' then 6
            when 'phd' then 7 else -1
        end)::double as education_level,
        experience_years::double as experience_years,
        disco_major::double as disco_major,
        driving_licence::integer::double as driving_licence,
        months_employed_36::double as months_employed_36,
        months_benefit_36::double as months_benefit_36,
        earlier_spells::double as earlier_spells,
        days_to_second_interview::double as days_to_second_interview
    from features
)

select * from final
order by cohort_month, spell_id;
