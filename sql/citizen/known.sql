-- Whether the store holds any delivered row of one pseudonym ($person).
select exists (select 1 from raw_citizens where person_id = $person)
    or exists (select 1 from raw_spells where person_id = $person)
