-- The stored score of one spell with its leaf, model version and the run that made
-- it: the newest cohort's score if a spell was ever scored twice. The probability
-- shown is `model_scores.probability` itself, never recomputed.
with score as (
    select *
    from model_scores
    where spell_id = ?
    order by cohort_month desc, model_version desc
    limit 1
),

final as (
    select
        s.model_version,
        s.cohort_month,
        s.probability,
        s.risk_band,
        s.leaf_id,
        r.run_month,
        l.rule,
        l.n as leaf_n,
        l.ci_low,
        l.ci_high,
        v.train_from,
        v.train_to,
        v.features,
        v.tree
    from score as s
    inner join model_leaves as l
        on l.version = s.model_version and l.leaf_id = s.leaf_id
    inner join model_versions as v
        on v.version = s.model_version
    left join pipeline_runs as r
        on r.run_id = s.scored_in_run
)

select * from final
