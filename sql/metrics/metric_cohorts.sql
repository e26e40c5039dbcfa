-- Per-cohort evaluation: size, the scores made at the time, and (once mature) the
-- observed rate with a Wilson 95 % interval and the Brier score of those scores,
-- over the spells whose outcome is known, beside how many are unknown (censored:
-- moved out, died, missing in the registers). Parameter 1: the run id.
insert into metric_cohorts by name
with cohort as (
    select spell_id, cohort_month from feat_cohort
),

labels as (
    select spell_id, mature, label from feat_labels
),

-- A cohort is scored once, in the run of its own month (a re-run of that month
-- replaces its scores), so there is one score per spell.
scores as (
    select spell_id, model_version, probability, risk_band
    from model_scores
),

joined as (
    select c.cohort_month, c.spell_id, l.mature, l.label, s.model_version, s.probability, s.risk_band
    from cohort as c
    left join labels as l using (spell_id)
    left join scores as s using (spell_id)
),

per_cohort as (
    select
        cohort_month,
        count(*) as n,
        count(probability) as n_scored,
        any_value(model_version) filter (where model_version is not null) as model_version,
        avg(probability) as mean_predicted,
        avg(case when risk_band = 'hoej' then 1.0 else 0.0 end) filter (where probability is not null) as share_high_risk,
        bool_and(coalesce(mature, false)) as mature,
        count(label) as n_labelled,
        avg(label) as observed_rate,
        avg(power(probability - label, 2)) filter (where probability is not null and label is not null) as brier
    from joined
    group by cohort_month
),

wilson as (
    select
        *,
        1.959963984540054 as z
    from per_cohort
),

final as (
    select
        cohort_month,
        n,
        n_scored,
        model_version,
        mean_predicted,
        share_high_risk,
        mature,
        n_labelled,
        case when mature then n - n_labelled end as n_unknown,
        case when mature then observed_rate end as observed_rate,
        case when mature and n_labelled > 0 then
            (observed_rate + z * z / (2 * n_labelled)
             - z * sqrt(observed_rate * (1 - observed_rate) / n_labelled + z * z / (4 * n_labelled * n_labelled)))
            / (1 + z * z / n_labelled)
        end as observed_ci_low,
        case when mature and n_labelled > 0 then
            (observed_rate + z * z / (2 * n_labelled)
             + z * sqrt(observed_rate * (1 - observed_rate) / n_labelled + z * z / (4 * n_labelled * n_labelled)))
            / (1 + z * z / n_labelled)
        end as observed_ci_high,
        case when mature then brier end as brier,
        ? as computed_in_run
    from wilson
)

select * from final;
