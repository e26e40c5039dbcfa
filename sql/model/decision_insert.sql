-- A champion/challenger decision of a run, by column name.
insert into model_decisions (
    run_id, run_month, challenger_version, champion_before, promoted, champion_after,
    challenger_brier, champion_brier, tolerance, reason, decided_at
) values (
    $run_id, $run_month::date, $challenger, $champion_before, $promoted, $champion_after,
    $challenger_brier, $champion_brier, $tolerance, $reason, now()
)
