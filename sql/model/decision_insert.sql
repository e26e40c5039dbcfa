-- A champion/challenger decision of a run, by column name.
insert into model_decisions (
    run_id, run_month, challenger_version, champion_before, promoted, champion_after,
    challenger_brier, champion_brier, tolerance, reason, decided_at,
    base_rate_brier, gate_difference, gate_ci_low, gate_ci_high, beats_base_rate,
    compared_cohorts, compared_spells, compared_difference, compared_ci_low, compared_ci_high
) values (
    $run_id, $run_month::date, $challenger, $champion_before, $promoted, $champion_after,
    $challenger_brier, $champion_brier, $tolerance, $reason, now(),
    $base_rate_brier, $gate_difference, $gate_ci_low, $gate_ci_high, $beats_base_rate,
    $compared_cohorts, $compared_spells, $compared_difference, $compared_ci_low, $compared_ci_high
)
