//! Everything the store holds about one pseudonym (GDPR art. 15 and 20): the rows
//! of every table with a pseudonym, each with the month of the delivery it came in
//! (`sql/citizen/holdings.sql`, and the feature tables of the latest run), every
//! score with its explanation (`scores.sql`), the objection in force, and every
//! look-up and export of her record from the audit log (`lookups.sql`: date, role,
//! purpose; the employee's name only when `citizen.show_employee_names` is on).
//! Written as JSON (one document) and CSV (one line per stored value).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use duckdb::types::Value;
use duckdb::{named_params, Connection};
use serde::Serialize;

use super::{objection, CitizenError, Subject};
use crate::store::{date_from_days, query_table};
use crate::table::Cell;

const HOLDINGS: &str = include_str!("../../sql/citizen/holdings.sql");
const SCORES: &str = include_str!("../../sql/citizen/scores.sql");
const LOOKUPS: &str = include_str!("../../sql/citizen/lookups.sql");

/// One stored row: the month of its delivery (raw tables) and its values.
#[derive(Debug, Clone, Serialize)]
pub struct HeldRow {
    pub leveret: Option<NaiveDate>,
    pub raekke: serde_json::Value,
}

/// One score as it was made, with its explanation.
#[derive(Debug, Clone, Serialize)]
pub struct ScoreRow {
    pub kohorte: Option<NaiveDate>,
    pub koersel: Option<NaiveDate>,
    pub modelversion: String,
    pub traenet_fra: Option<NaiveDate>,
    pub traenet_til: Option<NaiveDate>,
    pub sandsynlighed: f64,
    pub interval_lav: f64,
    pub interval_hoej: f64,
    pub sammenligningsgruppe: i64,
    pub risikogruppe: String,
    /// The rule path, one condition per item, in Danish.
    pub regel: Vec<String>,
}

/// One look-up or export of her record.
#[derive(Debug, Clone, Serialize)]
pub struct LookupRow {
    pub tidspunkt: String,
    pub rolle: Option<String>,
    pub formaal: Option<String>,
    pub handling: Option<String>,
    /// Only when `citizen.show_employee_names` is on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub medarbejder: Option<String>,
}

/// Everything held about one citizen.
#[derive(Debug, Clone, Serialize)]
pub struct Insight {
    pub dannet: String,
    pub cpr_maskeret: String,
    pub pseudonym: String,
    /// Whether the store holds anything about her at all.
    pub kendt: bool,
    pub tabeller: BTreeMap<String, Vec<HeldRow>>,
    pub vurderinger: Vec<ScoreRow>,
    pub indsigelse: Option<NaiveDate>,
    pub opslag: Vec<LookupRow>,
}

impl Insight {
    /// Rows per table, for the letter and the tests.
    pub fn counts(&self) -> BTreeMap<String, usize> {
        self.tabeller
            .iter()
            .map(|(t, rows)| (t.clone(), rows.len()))
            .collect()
    }
}

fn date(v: Value) -> Option<NaiveDate> {
    match v {
        Value::Date32(d) => Some(date_from_days(d)),
        _ => None,
    }
}

fn table_exists(conn: &Connection, name: &str) -> Result<bool, CitizenError> {
    let n: i64 = conn.query_row(
        "select count(*) from duckdb_tables() where table_name = ? and not temporary",
        [name],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

/// The statements of `holdings.sql`, one per table: (table, SQL).
pub fn holding_statements() -> Vec<(&'static str, &'static str)> {
    HOLDINGS
        .split("-- table: ")
        .skip(1)
        .filter_map(|part| {
            let (table, sql) = part.split_once('\n')?;
            Some((table.trim(), sql.trim()))
        })
        .collect()
}

/// A stored value as JSON.
fn json_of(cell: &Cell) -> serde_json::Value {
    match cell {
        Cell::Null | Cell::Suppressed => serde_json::Value::Null,
        Cell::Int(v) => (*v).into(),
        Cell::Float(v) => serde_json::Number::from_f64(*v)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        Cell::Text(t) => t.clone().into(),
        Cell::Date(d) => d.to_string().into(),
    }
}

/// Every row of every table about `person`, with its delivery month.
fn read_rows(
    conn: &Connection,
    person: &str,
) -> Result<BTreeMap<String, Vec<HeldRow>>, CitizenError> {
    let mut out = BTreeMap::new();
    for (table, sql) in holding_statements() {
        if !table_exists(conn, table)? {
            continue;
        }
        let t = query_table(conn, sql, [person])?;
        let delivered = t.column_index("leveret");
        for row in &t.rows {
            let mut values = serde_json::Map::new();
            let mut leveret = None;
            for (i, (name, cell)) in t.columns.iter().zip(row).enumerate() {
                if Some(i) == delivered {
                    if let Cell::Date(d) = cell {
                        leveret = Some(*d);
                    }
                    continue;
                }
                values.insert(name.clone(), json_of(cell));
            }
            out.entry(table.to_string())
                .or_insert_with(Vec::new)
                .push(HeldRow {
                    leveret,
                    raekke: serde_json::Value::Object(values),
                });
        }
    }
    Ok(out)
}

/// The purpose code in an audit detail (`formål: <code>;`), if any.
fn purpose_in(detail: &str) -> Option<String> {
    let rest = detail.split("formål: ").nth(1)?;
    let code = rest.split(';').next()?.trim();
    Some(code.to_string()).filter(|c| !c.is_empty())
}

/// Gathers everything held about `subject`.
pub fn gather(
    conn: &Connection,
    subject: &Subject,
    show_employee_names: bool,
) -> Result<Insight, CitizenError> {
    let person = subject.person_id.as_str();
    let tables = read_rows(conn, person)?;
    let mut scores = Vec::new();
    {
        let mut stmt = conn.prepare(SCORES)?;
        let mut rows = stmt.query(named_params! { "person": person })?;
        while let Some(r) = rows.next()? {
            let rule: String = r.get(10)?;
            scores.push(ScoreRow {
                kohorte: date(r.get(0)?),
                koersel: date(r.get(1)?),
                modelversion: r.get(2)?,
                traenet_fra: date(r.get(3)?),
                traenet_til: date(r.get(4)?),
                sandsynlighed: r.get(5)?,
                interval_lav: r.get(6)?,
                interval_hoej: r.get(7)?,
                sammenligningsgruppe: r.get(8)?,
                risikogruppe: r.get(9)?,
                regel: rule
                    .split(" og ")
                    .filter(|c| !c.is_empty())
                    .map(str::to_string)
                    .collect(),
            });
        }
    }
    let mut lookups = Vec::new();
    {
        let mut stmt = conn.prepare(LOOKUPS)?;
        let mut rows = stmt.query(named_params! { "pseudonym": person })?;
        while let Some(r) = rows.next()? {
            let detail: Option<String> = r.get(4)?;
            let user: Option<String> = r.get(2)?;
            lookups.push(LookupRow {
                tidspunkt: r.get(0)?,
                rolle: r.get(1)?,
                formaal: detail.as_deref().and_then(purpose_in),
                handling: r.get(3)?,
                medarbejder: user.filter(|_| show_employee_names),
            });
        }
    }
    let known = !tables.is_empty() || !scores.is_empty();
    Ok(Insight {
        dannet: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        cpr_maskeret: subject.masked.clone(),
        pseudonym: subject.person_id.clone(),
        kendt: known,
        tabeller: tables,
        vurderinger: scores,
        indsigelse: objection::in_force(conn, person)?.map(|(d, _)| d),
        opslag: lookups,
    })
}

/// A JSON value as one CSV cell.
fn cell(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The insight as CSV: one line per stored value (`tabel`, `raekke_nr`,
/// `leveret`, `kolonne`, `vaerdi`), then the scores and look-ups the same way.
pub fn to_csv(insight: &Insight) -> Result<Vec<u8>, CitizenError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["tabel", "raekke_nr", "leveret", "kolonne", "vaerdi"])?;
    for (table, rows) in &insight.tabeller {
        for (i, row) in rows.iter().enumerate() {
            let delivered = row.leveret.map(|d| d.to_string()).unwrap_or_default();
            if let serde_json::Value::Object(map) = &row.raekke {
                for (column, value) in map {
                    w.write_record([
                        table.as_str(),
                        &(i + 1).to_string(),
                        &delivered,
                        column,
                        &cell(value),
                    ])?;
                }
            }
        }
    }
    let mut extra = |name: &str, values: Vec<serde_json::Value>| -> Result<(), CitizenError> {
        for (i, v) in values.iter().enumerate() {
            if let serde_json::Value::Object(map) = v {
                for (column, value) in map {
                    w.write_record([name, &(i + 1).to_string(), "", column, &cell(value)])?;
                }
            }
        }
        Ok(())
    };
    extra(
        "vurderinger",
        insight
            .vurderinger
            .iter()
            .map(serde_json::to_value)
            .collect::<Result<_, _>>()?,
    )?;
    extra(
        "opslag",
        insight
            .opslag
            .iter()
            .map(serde_json::to_value)
            .collect::<Result<_, _>>()?,
    )?;
    w.into_inner()
        .map_err(|e| CitizenError::Csv(csv::Error::from(e.into_error())))
}

/// Writes `indsigt.json`, `indsigt.csv` and `indsigt.pdf` into `dir` (created if
/// missing; an existing file is not overwritten). Returns the paths.
pub fn write_files(
    dir: &Path,
    insight: &Insight,
    pdf: &[u8],
) -> Result<Vec<PathBuf>, CitizenError> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| CitizenError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let files = [
        ("indsigt.json", serde_json::to_vec_pretty(insight)?),
        ("indsigt.csv", to_csv(insight)?),
        ("indsigt.pdf", pdf.to_vec()),
    ];
    let mut out = Vec::new();
    for (name, bytes) in files {
        let path = dir.join(name);
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        // Personal data: readable by the service's user only.
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(io(&path))?;
        f.write_all(&bytes).map_err(io(&path))?;
        out.push(path);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_export_reads_every_table_the_deletion_deletes_from() {
        let read: Vec<&str> = holding_statements().iter().map(|(t, _)| *t).collect();
        let deleted: Vec<&str> = crate::retention::doomed_statements()
            .iter()
            .map(|(t, _)| *t)
            .collect();
        assert_eq!(read.len(), deleted.len());
        for t in deleted {
            assert!(read.contains(&t), "{t} is not in the export");
        }
        for (t, sql) in holding_statements() {
            assert!(sql.contains(&format!("from {t} as r")), "{t}: {sql}");
        }
    }

    #[test]
    fn the_purpose_is_read_from_an_audit_detail() {
        assert_eq!(
            purpose_in(
                "borgeropslag; formål: jobplan; svar: fundet med score; borger (pseudonym): ab"
            ),
            Some("jobplan".into())
        );
        assert_eq!(purpose_in("borgeropslag afvist"), None);
    }
}
