-- One objection event (mark or lifting), whole, by column name.
insert into citizen_objections (event_id, person_id, event, effective_date, legal_reason, recorded_at)
values ($event_id, $person_id, $event, $effective_date::date, $legal_reason, $recorded_at::timestamp)
