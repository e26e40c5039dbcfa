//! Erasure of one citizen (GDPR art. 17) on a documented legal basis
//! (`erasure_basis` in the vocabulary), e.g. data that should never have been
//! delivered: every row of her pseudonym and of her spells, from every table that
//! holds one (`crate::retention::delete_doomed`, the list the retention uses), in
//! one transaction, then a checkpoint so the blocks are freed. The record of the
//! erasure (`citizen_erasures`) has the date, the basis and the counts, not the
//! pseudonym.

use duckdb::{named_params, Connection};

use super::{code_of, is_known, now_text, CitizenError, Refusal};

const TARGETS: &str = include_str!("../../sql/citizen/erasure_targets.sql");
const RECORD: &str = include_str!("../../sql/citizen/erasure_insert.sql");

/// What an erasure removed, per table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erased {
    pub per_table: Vec<(String, usize)>,
}

impl Erased {
    pub fn total(&self) -> usize {
        self.per_table.iter().map(|(_, n)| n).sum()
    }
}

/// Erases one pseudonym on `basis`. Refused: an unknown basis, an unknown citizen.
pub fn erase(
    conn: &Connection,
    person_id: &str,
    basis: &str,
) -> Result<Result<Erased, Refusal>, CitizenError> {
    let basis = match code_of("erasure_basis", "grundlag", basis) {
        Ok(b) => b,
        Err(refusal) => return Ok(Err(refusal)),
    };
    if !is_known(conn, person_id)? {
        return Ok(Err(Refusal::Unknown("slette")));
    }
    conn.execute_batch("begin transaction")?;
    let done = (|| -> Result<Erased, CitizenError> {
        conn.execute_batch(TARGETS)?;
        conn.execute("insert into doomed_persons values (?)", [person_id])?;
        conn.execute(
            "insert into doomed_spells select distinct spell_id from raw_spells where person_id = ?",
            [person_id],
        )?;
        let per_table =
            crate::retention::delete_doomed(conn, crate::retention::Doomed::Everything)?;
        let erased = Erased { per_table };
        let counts: serde_json::Map<String, serde_json::Value> = erased
            .per_table
            .iter()
            .map(|(t, n)| (t.clone(), serde_json::Value::from(*n)))
            .collect();
        conn.execute(
            RECORD,
            named_params! {
                "erased_at": now_text(),
                "legal_basis": basis,
                "rows_deleted": erased.total() as i64,
                "per_table": serde_json::Value::Object(counts).to_string(),
            },
        )?;
        conn.execute_batch("drop table doomed_persons; drop table doomed_spells")?;
        Ok(erased)
    })();
    match done {
        Ok(erased) => {
            conn.execute_batch("commit")?;
            crate::retention::reclaim(conn);
            Ok(Ok(erased))
        }
        Err(e) => {
            let _ = conn.execute_batch("rollback");
            Err(e)
        }
    }
}
