//! What a report is built from: every mart it reads, already through disclosure
//! control, and the pipeline parameters its texts quote. Kept in the archive as JSON
//! whose numbers survive the round trip exactly, so a regenerated report is the same
//! report.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use duckdb::Connection;
use serde_json::{json, Map, Value};

use super::spec::ReportSpec;
use super::ReportError;
use crate::config::{DisclosureK, PipelineConfig};
use crate::disclosure;
use crate::store::{self, date_from_days};
use crate::table::{Cell, Table};

/// The disclosed marts and parameters of one month's report.
#[derive(Debug, Clone, PartialEq)]
pub struct Inputs {
    pub month: NaiveDate,
    pub k: u32,
    pub params: BTreeMap<String, f64>,
    pub marts: BTreeMap<String, Table>,
}

impl Inputs {
    /// A mart by name; an empty table when the report's spec did not name it.
    pub fn mart(&self, name: &str) -> &Table {
        static EMPTY: Table = Table {
            columns: Vec::new(),
            rows: Vec::new(),
        };
        self.marts.get(name).unwrap_or(&EMPTY)
    }

    /// A pipeline parameter (see [`params`]); 0 when absent.
    pub fn param(&self, name: &str) -> f64 {
        self.params.get(name).copied().unwrap_or(0.0)
    }
}

/// The month the marts were last built for (`run_params`), if any.
pub fn marts_month(conn: &Connection) -> Result<Option<NaiveDate>, ReportError> {
    let days: Option<i32> = conn
        .query_row(
            "select datediff('day', date '1970-01-01', max(run_month))::integer from run_params",
            [],
            |r| r.get(0),
        )
        .map_err(store::StoreError::from)?;
    Ok(days.map(date_from_days))
}

/// Reads every mart of the report through disclosure control. The marts must have
/// been built for `month`: a report is never dressed in another month's figures.
pub fn gather(
    conn: &Connection,
    spec: &ReportSpec,
    pipeline: &PipelineConfig,
    k: DisclosureK,
    month: NaiveDate,
) -> Result<Inputs, ReportError> {
    let built = marts_month(conn)?;
    if built != Some(month) {
        return Err(ReportError::NoInputs {
            month: month.format("%Y-%m").to_string(),
            built: built.map_or_else(|| "ingen måned".into(), |m| m.format("%Y-%m").to_string()),
        });
    }
    let mut marts = BTreeMap::new();
    for (name, rule) in &spec.marts {
        let table = store::read_mart(conn, name)?;
        marts.insert(name.clone(), disclosure::apply(table, rule, k));
    }
    Ok(Inputs {
        month,
        k: k.get(),
        params: params(pipeline),
        marts,
    })
}

/// The parameters of the pipeline that the report's texts quote.
pub fn params(p: &PipelineConfig) -> BTreeMap<String, f64> {
    let m = &p.monitoring;
    BTreeMap::from([
        ("horizon_months".into(), f64::from(p.cohort.horizon_months)),
        ("window_cohorts".into(), f64::from(m.window_cohorts)),
        (
            "validation_months".into(),
            f64::from(p.training.validation_months),
        ),
        (
            "training_months".into(),
            f64::from(p.training.window_months),
        ),
        ("low_below".into(), p.scoring.low_below),
        ("high_from".into(), p.scoring.high_from),
        ("promotion_tolerance".into(), p.training.promotion_tolerance),
        ("psi_warning".into(), m.psi_warning),
        ("psi_alert".into(), m.psi_alert),
        ("fairness_ratio_low".into(), m.fairness_ratio_low),
        ("fairness_ratio_high".into(), m.fairness_ratio_high),
        ("calibration_bins".into(), m.calibration_bins as f64),
        ("calibration_tolerance".into(), m.calibration_tolerance),
    ])
}

/// One cell as text that parses back to the same value (`{:?}` of an f64 is the
/// shortest string that round-trips).
fn encode_cell(c: &Cell) -> String {
    match c {
        Cell::Null => "n".into(),
        Cell::Suppressed => "s".into(),
        Cell::Int(v) => format!("i:{v}"),
        Cell::Float(v) => format!("f:{v:?}"),
        Cell::Text(t) => format!("t:{t}"),
        Cell::Date(d) => format!("d:{d}"),
    }
}

fn decode_cell(s: &str) -> Option<Cell> {
    Some(match s.split_once(':') {
        None if s == "n" => Cell::Null,
        None if s == "s" => Cell::Suppressed,
        Some(("i", v)) => Cell::Int(v.parse().ok()?),
        Some(("f", v)) => Cell::Float(v.parse().ok()?),
        Some(("t", v)) => Cell::Text(v.to_string()),
        Some(("d", v)) => Cell::Date(v.parse().ok()?),
        _ => return None,
    })
}

/// The inputs as JSON (keys sorted, one line per table row), for the archive.
pub fn encode(inputs: &Inputs) -> String {
    let marts: Map<String, Value> = inputs
        .marts
        .iter()
        .map(|(name, t)| {
            let rows: Vec<Value> = t
                .rows
                .iter()
                .map(|r| Value::from(r.iter().map(encode_cell).collect::<Vec<_>>()))
                .collect();
            (name.clone(), json!({ "columns": t.columns, "rows": rows }))
        })
        .collect();
    let params: Map<String, Value> = inputs
        .params
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(format!("{v:?}"))))
        .collect();
    let doc = json!({
        "month": inputs.month.format("%Y-%m").to_string(),
        "k": inputs.k,
        "params": params,
        "marts": marts,
    });
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

/// Reads inputs written by [`encode`].
pub fn decode(text: &str, path: &Path) -> Result<Inputs, ReportError> {
    let bad = |message: &str| ReportError::Inputs {
        path: path.to_path_buf(),
        message: message.to_string(),
    };
    let doc: Value = serde_json::from_str(text).map_err(|e| bad(&e.to_string()))?;
    let month = doc["month"]
        .as_str()
        .and_then(|m| NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok())
        .ok_or_else(|| bad("måneden mangler"))?;
    let k = doc["k"].as_u64().ok_or_else(|| bad("k mangler"))? as u32;
    let mut params = BTreeMap::new();
    for (name, v) in doc["params"]
        .as_object()
        .ok_or_else(|| bad("params mangler"))?
    {
        let v = v
            .as_str()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad(name))?;
        params.insert(name.clone(), v);
    }
    let mut marts = BTreeMap::new();
    for (name, t) in doc["marts"]
        .as_object()
        .ok_or_else(|| bad("marts mangler"))?
    {
        let columns = t["columns"]
            .as_array()
            .ok_or_else(|| bad(name))?
            .iter()
            .map(|c| c.as_str().map(String::from).ok_or_else(|| bad(name)))
            .collect::<Result<Vec<_>, _>>()?;
        let mut rows = Vec::new();
        for r in t["rows"].as_array().ok_or_else(|| bad(name))? {
            let cells = r
                .as_array()
                .ok_or_else(|| bad(name))?
                .iter()
                .map(|c| c.as_str().and_then(decode_cell).ok_or_else(|| bad(name)))
                .collect::<Result<Vec<_>, _>>()?;
            rows.push(cells);
        }
        marts.insert(name.clone(), Table { columns, rows });
    }
    Ok(Inputs {
        month,
        k,
        params,
        marts,
    })
}
