-- How often caseworkers disagree with the model (#14), per cohort month (the month
-- of the 2nd interview the score is about) and the model's risk band, with an 'alle'
-- row per month. Each judged spell counts once, by its latest judgement.
-- lookup_judgements has no column about who judged, so nothing here can be broken
-- down by caseworker, team or office (a test keeps every mart so).
create or replace table mart_judgements as
with latest as (
    select *
    from lookup_judgements
    qualify row_number() over (partition by spell_id order by recorded_at desc, judgement_id desc) = 1
),

ranked as (
    select
        cohort_month,
        model_risk_band,
        agreement,
        case own_assessment when 'lav' then 1 when 'mellem' then 2 when 'hoej' then 3 end as own_rank,
        case model_risk_band when 'lav' then 1 when 'mellem' then 2 when 'hoej' then 3 end as model_rank
    from latest
),

rows_long as (
    select cohort_month, model_risk_band as risk_band, agreement, own_rank, model_rank from ranked
    union all
    select cohort_month, 'alle' as risk_band, agreement, own_rank, model_rank from ranked
),

grouped as (
    select
        cohort_month,
        risk_band,
        count(*) as n,
        count(*) filter (where agreement = 'uenig') as n_disagree,
        count(*) filter (where own_rank > model_rank) as n_higher,
        count(*) filter (where own_rank < model_rank) as n_lower
    from rows_long
    group by cohort_month, risk_band
),

shares as (
    select *, n_disagree::double / n as share_disagree
    from grouped
),

final as (
    select
        cohort_month,
        risk_band,
        case risk_band when 'lav' then 1 when 'mellem' then 2 when 'hoej' then 3 else 4 end as band_order,
        n,
        n_disagree,
        share_disagree,
        (share_disagree + 1.959963984540054 ^ 2 / (2 * n)
         - 1.959963984540054 * sqrt(share_disagree * (1 - share_disagree) / n
             + 1.959963984540054 ^ 2 / (4 * n * n)))
        / (1 + 1.959963984540054 ^ 2 / n) as ci_low,
        (share_disagree + 1.959963984540054 ^ 2 / (2 * n)
         + 1.959963984540054 * sqrt(share_disagree * (1 - share_disagree) / n
             + 1.959963984540054 ^ 2 / (4 * n * n)))
        / (1 + 1.959963984540054 ^ 2 / n) as ci_high,
        n_higher,
        n_lower
    from shares
)

select * from final
order by cohort_month, band_order
