-- Each score with the explanation of its leaf: the rule path, how many training
-- people were in the leaf and how many of them were still unemployed, with the
-- interval. Per person: for the caseworker's case view, never for the cockpit.
create view model_score_explanations as
select
    s.spell_id,
    s.person_id,
    s.cohort_month,
    s.model_version,
    s.probability,
    s.risk_band,
    s.leaf_id,
    l.rule,
    l.n as leaf_n,
    l.n_pos as leaf_n_still_unemployed,
    l.ci_low as leaf_ci_low,
    l.ci_high as leaf_ci_high
from model_scores as s
inner join model_leaves as l
    on l.version = s.model_version and l.leaf_id = s.leaf_id;
