-- The label: "still unemployed" = neither employed nor in education in the month
-- horizon_months after the cohort month (on benefit, sick or outside the labour
-- force without a job). A cohort is mature when the status data loaded so far
-- cover its outcome month; before that its label is null. A mature spell's outcome
-- is unknown (censored, label null) when the outcome month's status says it was
-- not observed (`fraflyttet`, `doed`, `ukendt`: docs/extracts.md) or is missing;
-- it is never guessed.
create or replace table feat_labels as
with params as (
    select run_month, horizon_months from run_params
),

status_coverage as (
    select max(month) as last_status_month from feat_status
),

cohort as (
    select
        spell_id,
        person_id,
        cohort_month,
        (cohort_month + to_months((select horizon_months from params)))::date as outcome_month
    from feat_cohort
),

outcomes as (
    select c.spell_id, s.status
    from cohort as c
    inner join feat_status as s
        on s.person_id = c.person_id and s.month = c.outcome_month
),

final as (
    select
        c.spell_id,
        c.cohort_month,
        c.outcome_month,
        c.outcome_month <= (select last_status_month from status_coverage) as mature,
        o.status as outcome_status,
        case
            when c.outcome_month > (select last_status_month from status_coverage) then null
            when o.status is null then null
            when o.status in ('fraflyttet', 'doed', 'ukendt') then null
            when o.status in ('beskaeftiget', 'uddannelse') then 0
            else 1
        end as label
    from cohort as c
    left join outcomes as o using (spell_id)
)

select * from final
order by cohort_month, spell_id;
