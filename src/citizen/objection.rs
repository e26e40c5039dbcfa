//! The "ingen profilering" mark (GDPR art. 21) and its lifting: an event row each,
//! with the date it takes effect and the legal reason (`objection_reason` in the
//! vocabulary). From the next run the scoring and training sets leave her out
//! (`sql/model/`), the look-up says she objected, and staging leaves her out of the
//! aggregates only when `citizen.objected_in_aggregates` is off.

use chrono::NaiveDate;
use duckdb::{named_params, Connection, OptionalExt};

use super::{code_of, is_known, now_text, CitizenError, Refusal};
use crate::store::date_from_days;

const INSERT: &str = include_str!("../../sql/citizen/objection_insert.sql");
const IN_FORCE: &str = include_str!("../../sql/citizen/objection_in_force.sql");

/// Mark or lift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Mark,
    Lift,
}

impl Event {
    pub fn as_code(self) -> &'static str {
        match self {
            Event::Mark => "indsigelse",
            Event::Lift => "ophaevet",
        }
    }
}

/// The objection in force of a pseudonym: since when and why.
pub fn in_force(
    conn: &Connection,
    person_id: &str,
) -> Result<Option<(NaiveDate, String)>, CitizenError> {
    Ok(conn
        .query_row(IN_FORCE, named_params! { "person": person_id }, |r| {
            let days = match r.get::<_, duckdb::types::Value>(0)? {
                duckdb::types::Value::Date32(d) => d,
                _ => 0,
            };
            Ok((date_from_days(days), r.get::<_, String>(1)?))
        })
        .optional()?)
}

/// Records a mark or its lifting. Refused: an unknown citizen, an unknown reason,
/// a mark on a marked citizen, a lifting where there is no mark.
pub fn record(
    conn: &Connection,
    person_id: &str,
    event: Event,
    effective: NaiveDate,
    reason: &str,
) -> Result<Result<(), Refusal>, CitizenError> {
    let reason = match code_of("objection_reason", "grund", reason) {
        Ok(r) => r,
        Err(refusal) => return Ok(Err(refusal)),
    };
    if !is_known(conn, person_id)? {
        return Ok(Err(Refusal::Unknown(match event {
            Event::Mark => "markere",
            Event::Lift => "ophæve",
        })));
    }
    match (event, in_force(conn, person_id)?) {
        (Event::Mark, Some((since, _))) => return Ok(Err(Refusal::AlreadyObjected(since))),
        (Event::Lift, None) => return Ok(Err(Refusal::NoObjection)),
        _ => {}
    }
    let id =
        crate::access::sessions::random_token().map_err(|e| CitizenError::Random(e.to_string()))?;
    conn.execute(
        INSERT,
        named_params! {
            "event_id": id,
            "person_id": person_id,
            "event": event.as_code(),
            "effective_date": effective.to_string(),
            "legal_reason": reason,
            "recorded_at": now_text(),
        },
    )?;
    Ok(Ok(()))
}
