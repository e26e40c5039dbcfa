-- One trained version in the registry, by column name.
insert into model_versions (
    version, trained_in_run, run_month, train_from, train_to, n_train, base_rate,
    params, features, tree, val_from, val_to, n_val, val_brier, val_brier_baseline,
    created_at
) values (
    $version, $run_id, $run_month::date, $train_from::date, $train_to::date, $n_train,
    $base_rate, $params, $features, $tree, $val_from::date, $val_to::date, $n_val,
    $val_brier, $val_brier_baseline, now()
)
