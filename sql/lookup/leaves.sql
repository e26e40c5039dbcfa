-- The leaves of a model version: the rule path, the comparison group's size and
-- the interval of the leaf's probability (the stored score).
select leaf_id, rule, n, ci_low, ci_high
from model_leaves
where version = ?
