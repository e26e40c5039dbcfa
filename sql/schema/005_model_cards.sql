-- Validation predictions of each version (pseudonymised spells, kept in the
-- encrypted store only) and the generated model card.
create table model_validation_rows (
    version     varchar not null,
    spell_id    varchar not null,
    probability double not null,
    label       integer not null
);
create table model_cards (
    version       varchar primary key,
    artefact_path varchar not null,
    card_path     varchar not null,
    markdown      varchar not null
);
