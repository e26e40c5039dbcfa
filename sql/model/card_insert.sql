-- One model card, by column name (the card of a version is replaced when a run
-- for the same month trains it again; the caller deletes the old row first).
insert into model_cards (version, artefact_path, card_path, markdown)
values (?, ?, ?, ?)
