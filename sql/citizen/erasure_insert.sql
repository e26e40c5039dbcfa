-- The record of an erasure: when, on which basis, how many rows; no pseudonym.
insert into citizen_erasures (erased_at, legal_basis, rows_deleted, per_table)
values ($erased_at::timestamp, $legal_basis, $rows_deleted, $per_table)
