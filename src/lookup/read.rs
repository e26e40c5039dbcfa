//! The look-up's reads of one citizen (SQL in `sql/lookup/`), each filtered on
//! the pseudonym or the spell, with bound parameters only.

use chrono::NaiveDate;
use duckdb::types::Value;
use duckdb::{Connection, OptionalExt};

use super::LookupError;
use crate::store::date_from_days;

const SPELLS: &str = include_str!("../../sql/lookup/spells.sql");
const REFERENCE: &str = include_str!("../../sql/lookup/reference_month.sql");
const SCORE: &str = include_str!("../../sql/lookup/score.sql");
const VALIDATION: &str = include_str!("../../sql/lookup/validation.sql");
const BAND_OUTCOME: &str = include_str!("../../sql/lookup/band_outcome.sql");

/// A DATE cell as a date; anything else (a null) as none.
fn date(v: Value) -> Option<NaiveDate> {
    match v {
        Value::Date32(days) => Some(date_from_days(days)),
        _ => None,
    }
}

/// One benefit spell of the citizen.
#[derive(Debug, Clone)]
pub struct SpellRow {
    pub spell_id: String,
    pub target_group: String,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub second_interview: Option<NaiveDate>,
}

/// The last day of the newest delivered month, if anything was delivered.
pub fn reference_date(conn: &Connection) -> Result<Option<NaiveDate>, LookupError> {
    let v: Value = conn
        .prepare_cached(REFERENCE)?
        .query_row([], |r| r.get(0))?;
    Ok(date(v))
}

/// The citizen's spells, newest first.
pub fn spells(conn: &Connection, person_id: &str) -> Result<Vec<SpellRow>, LookupError> {
    let mut stmt = conn.prepare_cached(SPELLS)?;
    let rows = stmt.query_map([person_id, person_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Value>(2)?,
            r.get::<_, Value>(3)?,
            r.get::<_, Value>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (spell_id, target_group, start, end, second) = row?;
        let Some(start_date) = date(start) else {
            continue;
        };
        out.push(SpellRow {
            spell_id,
            target_group,
            start_date,
            end_date: date(end),
            second_interview: date(second),
        });
    }
    Ok(out)
}

/// A spell's stored score with its leaf and version.
#[derive(Debug, Clone)]
pub struct ScoreRow {
    pub model_version: String,
    pub cohort_month: NaiveDate,
    pub probability: f64,
    pub risk_band: String,
    pub leaf_id: usize,
    pub run_month: Option<NaiveDate>,
    pub rule: String,
    pub leaf_n: u64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub train_from: Option<NaiveDate>,
    pub train_to: Option<NaiveDate>,
    /// JSON: the version's input names in split order.
    pub features: String,
    /// JSON: the tree's nodes.
    pub tree: String,
}

pub fn score(conn: &Connection, spell_id: &str) -> Result<Option<ScoreRow>, LookupError> {
    let mut stmt = conn.prepare_cached(SCORE)?;
    let row = stmt
        .query_row([spell_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Value>(1)?,
                r.get::<_, f64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i32>(4)?,
                r.get::<_, Value>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, i64>(7)?,
                r.get::<_, f64>(8)?,
                r.get::<_, f64>(9)?,
                r.get::<_, Value>(10)?,
                r.get::<_, Value>(11)?,
                r.get::<_, String>(12)?,
                r.get::<_, String>(13)?,
            ))
        })
        .optional()?;
    let Some((version, cohort, p, band, leaf, run, rule, n, lo, hi, from, to, features, tree)) =
        row
    else {
        return Ok(None);
    };
    let Some(cohort_month) = date(cohort) else {
        return Ok(None);
    };
    Ok(Some(ScoreRow {
        model_version: version,
        cohort_month,
        probability: p,
        risk_band: band,
        leaf_id: usize::try_from(leaf).unwrap_or(0),
        run_month: date(run),
        rule,
        leaf_n: u64::try_from(n).unwrap_or(0),
        ci_low: lo,
        ci_high: hi,
        train_from: date(from),
        train_to: date(to),
        features,
        tree,
    }))
}

/// An accuracy with its 95 % interval on `n` validation spells.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Accuracy {
    pub n: u64,
    pub accuracy: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// The version's validated accuracy (tree) and that of guessing the most common
/// outcome (base rate).
pub fn validation(
    conn: &Connection,
    version: &str,
) -> Result<(Option<Accuracy>, Option<Accuracy>), LookupError> {
    let mut stmt = conn.prepare_cached(VALIDATION)?;
    let rows = stmt.query_map([version], |r| {
        Ok((
            r.get::<_, String>(0)?,
            Accuracy {
                n: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                accuracy: r.get(2)?,
                ci_low: r.get(3)?,
                ci_high: r.get(4)?,
            },
        ))
    })?;
    let (mut tree, mut base) = (None, None);
    for row in rows {
        let (method, acc) = row?;
        match method.as_str() {
            "tree" => tree = Some(acc),
            "base_rate" => base = Some(acc),
            _ => {}
        }
    }
    Ok((tree, base))
}

/// What became of the people in a risk band: the observed share still unemployed,
/// with its interval, in the latest pooled window of mature cohorts.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct BandOutcome {
    pub n: u64,
    pub observed_rate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub window_end: NaiveDate,
}

pub fn band_outcome(conn: &Connection, band: &str) -> Result<Option<BandOutcome>, LookupError> {
    let mut stmt = conn.prepare_cached(BAND_OUTCOME)?;
    let row = stmt
        .query_row([band], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, f64>(1)?,
                r.get::<_, Option<f64>>(2)?,
                r.get::<_, Option<f64>>(3)?,
                r.get::<_, Value>(4)?,
            ))
        })
        .optional()?;
    Ok(row.and_then(|(n, rate, lo, hi, month)| {
        Some(BandOutcome {
            n: u64::try_from(n).unwrap_or(0),
            observed_rate: rate,
            ci_low: lo.unwrap_or(0.0),
            ci_high: hi.unwrap_or(1.0),
            window_end: date(month)?,
        })
    }))
}
