-- What became of the people in one risk band: the latest pooled window of mature
-- cohorts (metric_risk_bands, scope 'vindue'), an aggregate of many people.
select n_labelled, observed_rate, observed_ci_low, observed_ci_high, cohort_month
from metric_risk_bands
where scope = 'vindue' and risk_band = ? and observed_rate is not null
order by cohort_month desc, computed_in_run desc
limit 1
