-- A model version's validated accuracy next to guessing the most common outcome
-- (the base-rate method), on the same validation cohorts, and the policy threshold
-- it was counted at. Versions trained before issue #18 were counted at 0.5.
select method, n, accuracy, accuracy_ci_low, accuracy_ci_high, coalesce(threshold, 0.5) as threshold
from model_validation
where version = ? and method in ('tree', 'base_rate')
