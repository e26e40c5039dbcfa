-- A model version's validated accuracy next to guessing the most common outcome
-- (the base-rate method), on the same validation cohorts.
select method, n, accuracy, accuracy_ci_low, accuracy_ci_high
from model_validation
where version = ? and method in ('tree', 'base_rate')
