//! The log export (AI Act Art. 12 and 26(6)): the run log and the audit log of a
//! period as CSV (`;`, UTF-8 with BOM, as Danish Excel opens it), and a third file
//! with the result of recomputing the audit log's whole hash chain and the logs'
//! retention setting, so whoever receives the files can see that the rows are the
//! rows that were written.

use chrono::NaiveDate;

use super::DocError;
use crate::access::audit::defuse;
use crate::access::AuditLog;
use crate::config::LogRetentionMonths;
use crate::store::{query_table, Store};
use crate::table::Cell;

const RUNS_PERIOD: &str = include_str!("../../sql/documentation/runs_period.sql");

/// The three files of one export, named by the period.
#[derive(Debug, Clone)]
pub struct LogExport {
    pub files: Vec<(String, Vec<u8>)>,
    /// Rows of the audit log in the period, and whether the whole chain is intact.
    pub audit_rows: u64,
    pub run_rows: u64,
    pub chain_intact: bool,
}

fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(b"\xEF\xBB\xBF".to_vec())
}

fn csv_err(e: impl std::fmt::Display) -> DocError {
    DocError::Export(e.to_string())
}

fn text(c: &Cell) -> String {
    match c {
        Cell::Null | Cell::Suppressed => String::new(),
        Cell::Int(v) => v.to_string(),
        Cell::Float(v) => v.to_string(),
        Cell::Text(t) => t.clone(),
        Cell::Date(d) => d.to_string(),
    }
}

/// Exports the logs of [`from`, `to`] (both included).
pub fn export(
    store: &Store,
    audit: &AuditLog,
    from: NaiveDate,
    to: NaiveDate,
    retention: LogRetentionMonths,
) -> Result<LogExport, DocError> {
    if to < from {
        return Err(DocError::Export(format!(
            "perioden slutter ({to}) før den begynder ({from})"
        )));
    }
    let period = format!("{from}_{to}");
    // The run log.
    // The store's lock only for this query: the audit log reads through it too.
    let runs = {
        let conn = store.lock();
        query_table(&conn, RUNS_PERIOD, [from.to_string(), to.to_string()])?
    };
    let mut w = writer();
    w.write_record([
        "kørsel",
        "måned",
        "udløst af",
        "startet (UTC)",
        "afsluttet (UTC)",
        "status",
        "fejl",
        "trin nr.",
        "trin",
        "trinnets status",
        "varighed (ms)",
        "rækker",
        "detalje",
    ])
    .map_err(csv_err)?;
    for r in &runs.rows {
        w.write_record(r.iter().map(|c| defuse(&text(c)).into_owned()))
            .map_err(csv_err)?;
    }
    let runs_csv = w.into_inner().map_err(csv_err)?;

    // The audit log's rows of the period, as the admin page's export writes them.
    let (lo, hi) = (from.to_string(), to.to_string());
    let mut w = writer();
    w.write_record([
        "løbenummer",
        "tidspunkt (UTC)",
        "bruger",
        "rolle",
        "klient",
        "metode",
        "rute",
        "sti",
        "forespørgsel",
        "handling",
        "udfald",
        "status",
        "detalje",
        "forrige hash",
        "hash",
    ])
    .map_err(csv_err)?;
    let mut audit_rows = 0_u64;
    let mut failed = None;
    audit
        .for_each(None, &mut |r| {
            let day = r.at.get(..10).unwrap_or("");
            if day < lo.as_str() || day > hi.as_str() {
                return Ok(());
            }
            audit_rows += 1;
            let opt = |o: &Option<String>| o.clone().unwrap_or_default();
            let cells = [
                r.seq.to_string(),
                r.at.clone(),
                opt(&r.user),
                opt(&r.role),
                opt(&r.client),
                r.method.clone(),
                opt(&r.route),
                r.path.clone(),
                opt(&r.query),
                r.action.clone(),
                r.outcome.clone(),
                r.status.to_string(),
                opt(&r.detail),
                r.prev_hash.clone(),
                r.hash.clone(),
            ];
            if let Err(e) = w.write_record(cells.iter().map(|c| defuse(c).into_owned())) {
                failed = Some(e.to_string());
            }
            Ok(())
        })
        .map_err(csv_err)?;
    if let Some(e) = failed {
        return Err(DocError::Export(e));
    }
    let audit_csv = w.into_inner().map_err(csv_err)?;

    // The whole chain recomputed from the first row: a row changed before the
    // period breaks every later row's link too.
    let check = audit.verify().map_err(csv_err)?;
    let intact = check.broken_at.is_none();
    let mut w = writer();
    w.write_record(["felt", "værdi"]).map_err(csv_err)?;
    let rows: Vec<(&str, String)> = vec![
        ("periode fra", from.to_string()),
        ("periode til", to.to_string()),
        (
            "kørselslogens rækker i perioden",
            runs.rows.len().to_string(),
        ),
        ("revisionslogens rækker i perioden", audit_rows.to_string()),
        ("revisionslogens rækker i alt", check.rows.to_string()),
        (
            "hashkæden genberegnet fra første række",
            if intact { "intakt" } else { "brudt" }.to_string(),
        ),
        (
            "første brudte række",
            check.broken_at.map_or_else(String::new, |s| s.to_string()),
        ),
        (
            "logfilernes opbevaringstid (måneder, mindst 6)",
            retention.get().to_string(),
        ),
    ];
    for (k, v) in rows {
        w.write_record([k, v.as_str()]).map_err(csv_err)?;
    }
    let check_csv = w.into_inner().map_err(csv_err)?;
    Ok(LogExport {
        files: vec![
            (format!("koerselslog_{period}.csv"), runs_csv),
            (format!("revisionslog_{period}.csv"), audit_csv),
            (format!("logkontrol_{period}.csv"), check_csv),
        ],
        audit_rows,
        run_rows: runs.rows.len() as u64,
        chain_intact: intact,
    })
}
