-- Every score of one pseudonym ($person) as it was made, with its explanation: the
-- month of the run that made it, the model version and its training window, the
-- probability (as stored, never recomputed), the leaf's interval and size, the band
-- and the rule path in Danish.
select
    e.cohort_month,
    r.run_month,
    e.model_version,
    v.train_from,
    v.train_to,
    e.probability,
    e.leaf_ci_low,
    e.leaf_ci_high,
    e.leaf_n,
    e.risk_band,
    e.rule
from model_score_explanations as e
left join model_versions as v on v.version = e.model_version
left join model_scores as s on s.spell_id = e.spell_id and s.model_version = e.model_version
left join pipeline_runs as r on r.run_id = s.scored_in_run
where e.person_id = $person
order by e.cohort_month, e.model_version
