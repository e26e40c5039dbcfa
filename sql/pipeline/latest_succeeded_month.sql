-- The month of the latest successful run, as YYYY-MM (null before the first).
select strftime(max(run_month), '%Y-%m') from pipeline_runs where status = 'succeeded'
