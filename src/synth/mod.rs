//! Synthetic monthly deliveries for a fictional municipality of about 65,000
//! inhabitants, following the extract contract in `crate::extracts`.
//!
//! The generator simulates citizens, benefit spells, interviews, Jobnet CVs,
//! programmes and monthly register status with a known causal structure (see
//! `docs/extracts.md`, "Kausal struktur i den syntetiske generator"), so that the
//! product's model, calibration and fairness audits can be checked against a truth.
//! The same configuration always gives the same bytes: all randomness comes from
//! ChaCha8 streams derived from the seed, and nothing depends on the current date
//! or on hash-map iteration order.

mod calendar;
mod censoring;
mod counterfactual;
mod hazard;
mod history;
mod life;
mod model;
mod output;
mod person;
mod rules;
mod selection;
mod spell;

#[cfg(test)]
mod effect_tests;
#[cfg(test)]
mod integrity_tests;
#[cfg(test)]
mod readback;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

pub use counterfactual::{effect_truth, generate_with, TreatedTruth};
pub use selection::Selection;

use chrono::{Datelike, NaiveDate};

/// The district whose exit hazard is lowered when `biased_district` is set: an
/// unfairness that the district's features do not explain, for audits to find.
pub const BIASED_DISTRICT: &str = "Østerhøj";

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthConfig {
    pub seed: u64,
    /// Number of monthly deliveries is `years * 12`.
    pub years: u32,
    /// Inhabitants of the municipality; the inflow scales with it.
    pub population: u32,
    /// First day of the first delivered month.
    pub start: NaiveDate,
    /// First day of the month from which the labour market worsens.
    pub shock_month: Option<NaiveDate>,
    /// Lower the exit hazard in [`BIASED_DISTRICT`] beyond what its features imply.
    pub biased_district: bool,
    /// Share (per cent) of 2nd-interview spells whose 12-month outcome is not
    /// observed: moves out of the municipality, deaths and register gaps
    /// (`censoring`, docs/extracts.md "Censurering"); 0 for none.
    pub censored_percent: u8,
}

pub use censoring::{DEFAULT_CENSORED_PERCENT, MAX_CENSORED_PERCENT};

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig {
            seed: 42,
            years: 6,
            population: 65_000,
            start: NaiveDate::from_ymd_opt(2019, 1, 1).expect("valid date"),
            shock_month: None,
            biased_district: false,
            censored_percent: DEFAULT_CENSORED_PERCENT,
        }
    }
}

/// What was written. `spells` counts distinct spells (a spell delivered at its
/// start and again at its end counts once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthSummary {
    pub months: Vec<NaiveDate>,
    pub citizens: usize,
    pub spells: usize,
    pub interviews: usize,
    pub programmes: usize,
    pub status_rows: usize,
}

#[derive(thiserror::Error, Debug)]
pub enum SynthError {
    #[error("ugyldig konfiguration af den syntetiske generator: {0}")]
    InvalidConfig(String),
    #[error("kunne ikke skrive {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("kunne ikke skrive CSV-filen {}: {source}", path.display())]
    Csv {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },
}

fn validate(cfg: &SynthConfig) -> Result<(), SynthError> {
    let bad = |msg: String| Err(SynthError::InvalidConfig(msg));
    if cfg.years == 0 || cfg.years > 50 {
        return bad(format!(
            "years skal være mellem 1 og 50, ikke {}",
            cfg.years
        ));
    }
    if cfg.population == 0 {
        return bad("population skal være større end 0".into());
    }
    if cfg.start.day() != 1 {
        return bad(format!(
            "start skal være den første i en måned, ikke {}",
            cfg.start
        ));
    }
    // Citizens are 18-66 at first contact; CPR numbers encode birth years 1858-2057.
    if cfg.start.year() < 1930 || cfg.start.year() + cfg.years as i32 > 2075 {
        return bad(format!(
            "perioden fra {} og {} år frem giver fødselsår, som CPR-nummeret ikke kan udtrykke",
            cfg.start, cfg.years
        ));
    }
    if cfg.censored_percent > MAX_CENSORED_PERCENT {
        return bad(format!(
            "censored_percent skal være højst {MAX_CENSORED_PERCENT}, ikke {}",
            cfg.censored_percent
        ));
    }
    if let Some(s) = cfg.shock_month.filter(|s| s.day() != 1) {
        return bad(format!(
            "shock_month skal være den første i en måned, ikke {s}"
        ));
    }
    Ok(())
}

/// Generates `years * 12` monthly deliveries into `out/YYYY-MM/`, creating the
/// folders as needed and overwriting files already there.
pub fn generate(cfg: &SynthConfig, out: &Path) -> Result<SynthSummary, SynthError> {
    validate(cfg)?;
    let mut world = life::simulate(cfg);
    censoring::censor(&mut world, cfg.seed, cfg.censored_percent);
    output::write_all(&world, out)
}
