-- Which programmes work, for whom (issue #17): the effects step's estimates as the
-- cockpit and the report show them. Effects and naive differences in percentage
-- points (negative = fewer still unemployed = the programme helps). `view` names
-- the outcome and grouping a figure of the page shows; `robustness` says in one
-- code how strong a hidden difference would have to be to erase the effect
-- (the E-value of the interval limit nearest no effect; docs/metrics.md "Effekter").
create or replace table mart_effects as
with estimates as (
    select * from effect_estimates
),

final as (
    select
        outcome || '_' || grouping as view,
        programme_type,
        outcome,
        grouping,
        group_value,
        case group_value
            when 'lav' then 1 when 'mellem' then 2 when 'hoej' then 3 else 9
        end as group_order,
        window_from,
        window_to,
        persons_treated,
        n_treated,
        n_control,
        100 * effect as effect_pp,
        100 * effect_ci_low as effect_ci_low_pp,
        100 * effect_ci_high as effect_ci_high_pp,
        100 * naive as naive_pp,
        100 * naive_ci_low as naive_ci_low_pp,
        100 * naive_ci_high as naive_ci_high_pp,
        treated_rate,
        ess_control,
        trimmed_share,
        ps_treated_median,
        ps_control_median,
        e_value,
        e_value_ci,
        case
            when effect is null then 'undertrykt'
            when e_value_ci <= 1.0 then 'ingen_sikker'
            when e_value_ci < 1.5 then 'skroebelig'
            when e_value_ci < 2.5 then 'moderat'
            else 'robust'
        end as robustness,
        coalesce(suppressed_reason, '') as suppressed_reason
    from estimates
)

select * from final
order by view, programme_type, group_order, group_value;
