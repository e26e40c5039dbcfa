-- Who was right more often (#14): on the same judged spells whose outcome is known,
-- the model, the caseworkers and the two combined (the mean of the model's
-- probability and the middle of the caseworker's band), each with its accuracy at
-- the policy threshold (the high band's bound, kept with each judgement) and its
-- Brier score, with 95 % intervals (Wilson; normal on the squared errors). Each
-- judged spell counts once, by its latest judgement. Pooled over every mature
-- cohort with judgements; nothing per caseworker, team or office (there is no
-- such column to group by).
create or replace table mart_judgement_accuracy as
with latest as (
    select *
    from lookup_judgements
    qualify row_number() over (partition by spell_id order by recorded_at desc, judgement_id desc) = 1
),

judged as (
    select
        j.cohort_month,
        j.model_probability,
        j.own_probability,
        j.band_high_from,
        l.label
    from latest as j
    inner join feat_labels as l using (spell_id)
    where l.mature and l.label is not null
),

rows_long as (
    select 'model' as judge, 1 as judge_order, model_probability as p, band_high_from, label, cohort_month from judged
    union all
    select 'sagsbehandlere' as judge, 2 as judge_order, own_probability as p, band_high_from, label, cohort_month from judged
    union all
    select 'kombineret' as judge, 3 as judge_order, (model_probability + own_probability) / 2 as p, band_high_from, label, cohort_month from judged
),

scored as (
    select
        judge,
        judge_order,
        cohort_month,
        (p >= band_high_from)::integer = label as correct,
        (p - label) ^ 2 as squared_error
    from rows_long
),

grouped as (
    select
        judge,
        judge_order,
        min(cohort_month) as window_from,
        max(cohort_month) as window_to,
        count(*) as n,
        count(*) filter (where correct) as n_correct,
        avg(squared_error) as brier,
        stddev_samp(squared_error) as sd_squared_error
    from scored
    group by judge, judge_order
),

shares as (
    select *, n_correct::double / n as accuracy
    from grouped
),

final as (
    select
        window_from,
        window_to,
        judge,
        judge_order,
        n,
        n_correct,
        accuracy,
        (accuracy + 1.959963984540054 ^ 2 / (2 * n)
         - 1.959963984540054 * sqrt(accuracy * (1 - accuracy) / n
             + 1.959963984540054 ^ 2 / (4 * n * n)))
        / (1 + 1.959963984540054 ^ 2 / n) as accuracy_ci_low,
        (accuracy + 1.959963984540054 ^ 2 / (2 * n)
         + 1.959963984540054 * sqrt(accuracy * (1 - accuracy) / n
             + 1.959963984540054 ^ 2 / (4 * n * n)))
        / (1 + 1.959963984540054 ^ 2 / n) as accuracy_ci_high,
        brier,
        brier - 1.959963984540054 * coalesce(sd_squared_error, 0) / sqrt(n) as brier_ci_low,
        brier + 1.959963984540054 * coalesce(sd_squared_error, 0) / sqrt(n) as brier_ci_high
    from shares
)

select * from final
order by judge_order
