//! What the look-up can show, in memory: one entry per citizen who can be looked up
//! (keyed by the pseudonym's 128 bits), and per model version what explains its
//! scores. Built from the store (SQL in `sql/lookup/`) on the first look-up and
//! again after every run, so a look-up costs a hash lookup, not a query: 64
//! caseworkers at once do not queue behind a scan of national-scale tables.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::NaiveDate;
use duckdb::types::Value;
use duckdb::{Connection, OptionalExt};
use serde::Serialize;

use super::LookupError;
use crate::model::tree::{path_inputs, TreeNode};
use crate::store::date_from_days;

const INDEX: &str = include_str!("../../sql/lookup/index.sql");
const VERSION: &str = include_str!("../../sql/lookup/version.sql");
const LEAVES: &str = include_str!("../../sql/lookup/leaves.sql");
const VALIDATION: &str = include_str!("../../sql/lookup/validation.sql");
const BAND_OUTCOME: &str = include_str!("../../sql/lookup/band_outcome.sql");

/// A DATE cell as a date; anything else (a null) as none.
fn date(v: Value) -> Option<NaiveDate> {
    match v {
        Value::Date32(days) => Some(date_from_days(days)),
        _ => None,
    }
}

/// A citizen's current spell and its latest score.
#[derive(Debug, Clone)]
pub struct Entry {
    pub spell_id: Box<str>,
    pub target_group: Arc<str>,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub second_interview: Option<NaiveDate>,
    pub score: Option<Scored>,
    /// The citizen objected to profiling, with effect from this date (#15).
    pub objected_since: Option<NaiveDate>,
}

/// A stored score (`model_scores`), as stored.
#[derive(Debug, Clone)]
pub struct Scored {
    pub model_version: Arc<str>,
    pub cohort_month: NaiveDate,
    pub probability: f64,
    pub risk_band: Arc<str>,
    pub leaf_id: usize,
    pub run_month: Option<NaiveDate>,
}

/// An accuracy with its 95 % interval on `n` validation spells, at the policy
/// threshold the version was validated at.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Accuracy {
    pub n: u64,
    pub accuracy: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub threshold: f64,
}

/// What became of the people in a risk band: the observed share still unemployed,
/// with its interval, in the latest pooled window of mature cohorts.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct BandOutcome {
    pub n: u64,
    pub observed_rate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub window_end: NaiveDate,
}

/// A leaf as the explanation shows it.
#[derive(Debug, Clone)]
pub struct LeafFacts {
    pub rule: String,
    pub n: u64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// Indices into [`VersionFacts::inputs`] the rule path looks at.
    pub inputs_used: Vec<usize>,
}

/// What explains a model version's scores.
#[derive(Debug, Clone, Default)]
pub struct VersionFacts {
    pub train_from: Option<NaiveDate>,
    pub train_to: Option<NaiveDate>,
    /// Input names in split order.
    pub inputs: Vec<String>,
    pub leaves: HashMap<usize, LeafFacts>,
    pub accuracy: Option<Accuracy>,
    pub accuracy_guess: Option<Accuracy>,
}

/// Everything a look-up reads.
#[derive(Debug, Default)]
pub struct Index {
    /// The last day of the newest delivery: "now" for the store.
    pub reference_date: Option<NaiveDate>,
    pub citizens: HashMap<u128, Entry>,
    pub versions: HashMap<Arc<str>, VersionFacts>,
    /// Risk band code -> what became of people in it.
    pub bands: HashMap<Arc<str>, BandOutcome>,
}

/// Reads the index from the store.
pub fn build(conn: &Connection, closed_within_months: u32) -> Result<Index, LookupError> {
    let mut index = Index::default();
    let mut used_versions: HashSet<Arc<str>> = HashSet::new();
    // Codes and versions repeat for every citizen: one shared copy of each.
    let mut groups: HashMap<String, Arc<str>> = HashMap::new();
    let mut shared = |s: String| -> Arc<str> {
        groups
            .entry(s)
            .or_insert_with_key(|k| Arc::from(k.as_str()))
            .clone()
    };
    {
        let mut stmt = conn.prepare(INDEX)?;
        let mut rows = stmt.query([i64::from(closed_within_months)])?;
        while let Some(r) = rows.next()? {
            let person: String = r.get(0)?;
            let Ok(key) = u128::from_str_radix(&person, 16) else {
                continue;
            };
            let Some(start_date) = date(r.get(3)?) else {
                continue;
            };
            let version: Option<String> = r.get(6)?;
            let score = match (version, date(r.get(7)?)) {
                (Some(v), Some(cohort_month)) => Some(Scored {
                    model_version: {
                        let v = shared(v);
                        used_versions.insert(v.clone());
                        v
                    },
                    cohort_month,
                    probability: r.get(8)?,
                    risk_band: shared(r.get(9)?),
                    leaf_id: usize::try_from(r.get::<_, i32>(10)?).unwrap_or(usize::MAX),
                    run_month: date(r.get(11)?),
                }),
                _ => None,
            };
            if index.reference_date.is_none() {
                index.reference_date = date(r.get(12)?);
            }
            index.citizens.insert(
                key,
                Entry {
                    spell_id: r.get::<_, String>(1)?.into_boxed_str(),
                    target_group: shared(r.get(2)?),
                    start_date,
                    end_date: date(r.get(4)?),
                    second_interview: date(r.get(5)?),
                    score,
                    objected_since: date(r.get(13)?),
                },
            );
        }
    }
    let versions: Vec<Arc<str>> = used_versions.into_iter().collect();
    for v in versions {
        let facts = version(conn, &v)?;
        index.versions.insert(v, facts);
    }
    for band in crate::vocabulary::RiskBand::ALL {
        if let Some(o) = band_outcome(conn, band.as_code())? {
            index.bands.insert(Arc::from(band.as_code()), o);
        }
    }
    Ok(index)
}

fn version(conn: &Connection, version: &str) -> Result<VersionFacts, LookupError> {
    let Some((from, to, features, tree)) = conn
        .prepare(VERSION)?
        .query_row([version], |r| {
            Ok((
                r.get::<_, Value>(0)?,
                r.get::<_, Value>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })
        .optional()?
    else {
        return Ok(VersionFacts::default());
    };
    let inputs: Vec<String> =
        serde_json::from_str(&features).map_err(|e| LookupError::Tree(e.to_string()))?;
    let nodes: Vec<TreeNode> =
        serde_json::from_str(&tree).map_err(|e| LookupError::Tree(e.to_string()))?;
    let mut leaves = HashMap::new();
    let mut stmt = conn.prepare(LEAVES)?;
    let rows = stmt.query_map([version], |r| {
        Ok((
            r.get::<_, i32>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, f64>(3)?,
            r.get::<_, f64>(4)?,
        ))
    })?;
    for row in rows {
        let (leaf, rule, n, ci_low, ci_high) = row?;
        let Ok(leaf) = usize::try_from(leaf) else {
            continue;
        };
        let inputs_used = if leaf < nodes.len() {
            path_inputs(&nodes, leaf)
        } else {
            Vec::new()
        };
        leaves.insert(
            leaf,
            LeafFacts {
                rule,
                n: u64::try_from(n).unwrap_or(0),
                ci_low,
                ci_high,
                inputs_used,
            },
        );
    }
    let (accuracy, accuracy_guess) = validation(conn, version)?;
    Ok(VersionFacts {
        train_from: date(from),
        train_to: date(to),
        inputs,
        leaves,
        accuracy,
        accuracy_guess,
    })
}

/// The version's validated accuracy (tree) and that of guessing the most common
/// outcome (base rate).
fn validation(
    conn: &Connection,
    version: &str,
) -> Result<(Option<Accuracy>, Option<Accuracy>), LookupError> {
    let mut stmt = conn.prepare(VALIDATION)?;
    let rows = stmt.query_map([version], |r| {
        Ok((
            r.get::<_, String>(0)?,
            Accuracy {
                n: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                accuracy: r.get(2)?,
                ci_low: r.get(3)?,
                ci_high: r.get(4)?,
                threshold: r.get(5)?,
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

fn band_outcome(conn: &Connection, band: &str) -> Result<Option<BandOutcome>, LookupError> {
    let row = conn
        .prepare(BAND_OUTCOME)?
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
