-- Programmes (indsatser) by risk band, for the pooled window of mature cohorts (the
-- same window as fairness and calibration): how many in each band started each kind
-- of programme between the 2nd interview and the outcome month, and the share still
-- unemployed at the horizon among those who did and did not. Associations only: who
-- gets a programme is not random, so no row says what a programme does.
create or replace table mart_programmes as
with params as (
    select run_month, horizon_months from run_params
),

window_bounds as (
    select min(window_from) as window_from, max(cohort_month) as window_to from metric_fairness
),

scored as (
    select s.spell_id, s.cohort_month, s.risk_band
    from model_scores as s
    where s.cohort_month between (select window_from from window_bounds) and (select window_to from window_bounds)
),

cohort as (
    select spell_id, reference_date, cohort_month from feat_cohort
),

labels as (
    select spell_id, label from feat_labels where mature
),

-- Programmes started from the 2nd interview up to the month of the outcome.
started as (
    select distinct p.spell_id, p.programme_type
    from stg_programmes as p
    inner join cohort as c using (spell_id)
    where
        p.start_date >= c.reference_date
        and p.start_date < (c.cohort_month + to_months((select horizon_months from params)))::date
),

persons as (
    select
        s.spell_id,
        s.risk_band,
        l.label,
        exists (select 1 from started as st where st.spell_id = s.spell_id) as any_programme
    from scored as s
    left join labels as l using (spell_id)
),

by_type as (
    select p.risk_band, st.programme_type, p.label
    from persons as p
    inner join started as st using (spell_id)
),

rows_long as (
    select risk_band, programme_type, label from by_type
    union all
    select risk_band, 'alle' as programme_type, label from persons where any_programme
    union all
    select risk_band, 'ingen' as programme_type, label from persons where not any_programme
),

band_sizes as (
    select risk_band, count(*) as n_band from persons group by risk_band
),

grouped as (
    select
        risk_band,
        programme_type,
        count(*) as n,
        count(label) as n_labelled,
        avg(label) as still_unemployed
    from rows_long
    group by risk_band, programme_type
),

final as (
    select
        (select window_from from window_bounds) as window_from,
        (select window_to from window_bounds) as window_to,
        g.risk_band,
        case g.risk_band when 'lav' then 1 when 'mellem' then 2 when 'hoej' then 3 else 4 end as band_order,
        g.programme_type,
        g.n,
        g.n::double / b.n_band as share_of_band,
        g.n_labelled,
        g.still_unemployed,
        case when g.n_labelled > 0 then
            (g.still_unemployed + 1.959963984540054 ^ 2 / (2 * g.n_labelled)
             - 1.959963984540054 * sqrt(g.still_unemployed * (1 - g.still_unemployed) / g.n_labelled
                 + 1.959963984540054 ^ 2 / (4 * g.n_labelled * g.n_labelled)))
            / (1 + 1.959963984540054 ^ 2 / g.n_labelled)
        end as ci_low,
        case when g.n_labelled > 0 then
            (g.still_unemployed + 1.959963984540054 ^ 2 / (2 * g.n_labelled)
             + 1.959963984540054 * sqrt(g.still_unemployed * (1 - g.still_unemployed) / g.n_labelled
                 + 1.959963984540054 ^ 2 / (4 * g.n_labelled * g.n_labelled)))
            / (1 + 1.959963984540054 ^ 2 / g.n_labelled)
        end as ci_high
    from grouped as g
    inner join band_sizes as b using (risk_band)
)

select * from final
order by band_order, programme_type;
