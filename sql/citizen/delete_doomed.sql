-- Deletes every row of the spells in `doomed_spells` and of the persons in
-- `doomed_persons` (temporary tables the caller fills: src/retention/ for old
-- rows, src/citizen/erasure.rs for one citizen), one statement per table that
-- holds a pseudonym or a pseudonymous spell id. Aggregates (metric_*, mart_*,
-- load_batches) hold no person and are not touched. Every `-- table:` line starts
-- one statement; the caller runs them in one transaction and counts each.
-- A table that does not exist yet (the feature tables before the first run) is skipped.

-- table: raw_interviews
delete from raw_interviews
where spell_id in (select spell_id from doomed_spells)
    or person_id in (select person_id from doomed_persons);

-- table: raw_programmes
delete from raw_programmes
where spell_id in (select spell_id from doomed_spells)
    or person_id in (select person_id from doomed_persons);

-- table: model_scores
delete from model_scores
where spell_id in (select spell_id from doomed_spells)
    or person_id in (select person_id from doomed_persons);

-- table: model_validation_rows
delete from model_validation_rows
where spell_id in (select spell_id from doomed_spells);

-- table: lookup_judgements
delete from lookup_judgements
where spell_id in (select spell_id from doomed_spells)
    or person_id in (select person_id from doomed_persons);

-- table: feat_cohort
delete from feat_cohort
where spell_id in (select spell_id from doomed_spells)
    or person_id in (select person_id from doomed_persons);

-- table: feat_labels
delete from feat_labels
where spell_id in (select spell_id from doomed_spells);

-- table: feat_features
delete from feat_features
where spell_id in (select spell_id from doomed_spells)
    or person_id in (select person_id from doomed_persons);

-- table: feat_model_matrix
delete from feat_model_matrix
where spell_id in (select spell_id from doomed_spells)
    or person_id in (select person_id from doomed_persons);

-- table: raw_spells
delete from raw_spells
where spell_id in (select spell_id from doomed_spells)
    or person_id in (select person_id from doomed_persons);

-- table: raw_citizens
delete from raw_citizens
where person_id in (select person_id from doomed_persons);

-- table: raw_cvs
delete from raw_cvs
where person_id in (select person_id from doomed_persons);

-- table: raw_status
delete from raw_status
where person_id in (select person_id from doomed_persons);

-- table: retention_expired_persons
delete from retention_expired_persons
where person_id in (select person_id from doomed_persons);

-- table: citizen_objections
delete from citizen_objections
where person_id in (select person_id from doomed_persons);
