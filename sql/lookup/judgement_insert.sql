-- One judgement, whole, by column name: one statement, so it is stored entirely or
-- not at all. recorded_at is given in UTC by the caller.
insert into lookup_judgements (
    judgement_id, recorded_at, person_id, spell_id, cohort_month, model_version,
    model_probability, model_risk_band, own_assessment, own_probability, band_high_from, agreement, reason, note,
    purpose, source
) values (
    $judgement_id, $recorded_at::timestamp, $person_id, $spell_id, $cohort_month::date, $model_version,
    $model_probability, $model_risk_band, $own_assessment, $own_probability, $band_high_from, $agreement, $reason, $note,
    $purpose, $source
)
