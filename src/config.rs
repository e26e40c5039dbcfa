//! Typed configuration: the app's own settings (defaults, then an optional TOML
//! file, then `JOBCOCKPIT_*` environment variables) and the pipeline definition
//! from `pipelines/monthly.toml`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Configuration errors name the file and what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("kunne ikke læse {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("fejl i {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("ugyldig værdi i {name}: {message}")]
    Invalid { name: &'static str, message: String },
}

/// Settings of one installation.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Where the store, keys, inbox and model artefacts live.
    pub data_dir: PathBuf,
    /// Address the cockpit listens on.
    pub bind: String,
    /// Smallest number of persons behind any figure shown (never below 3).
    pub disclosure_k: u32,
    /// Folder of the dashboard files and templates.
    pub dashboards_dir: PathBuf,
    /// The pipeline definition.
    pub pipeline_file: PathBuf,
    /// The feature policy of the model.
    pub policy_file: PathBuf,
    /// Folder of the committee report's definition, texts and templates.
    pub reports_dir: PathBuf,
    /// Logins, sessions, single sign-on (`[access]`).
    pub access: crate::access::AccessSettings,
    /// Delete a delivery's files (which hold raw CPR numbers) once it is loaded,
    /// leaving a receipt (`ingest::RECEIPT_FILE`). On by default: the store holds
    /// every row, pseudonymised, and the case systems keep the originals.
    pub remove_loaded_deliveries: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            data_dir: PathBuf::from("data"),
            bind: "127.0.0.1:8080".into(),
            disclosure_k: 5,
            dashboards_dir: PathBuf::from("dashboards"),
            pipeline_file: PathBuf::from("pipelines/monthly.toml"),
            policy_file: PathBuf::from("model/features.toml"),
            reports_dir: PathBuf::from("reports"),
            access: crate::access::AccessSettings::default(),
            remove_loaded_deliveries: true,
        }
    }
}

impl Settings {
    /// Defaults, then the TOML file if given, then environment variables.
    pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
        let mut s = match file {
            Some(path) => parse_toml(path)?,
            None => Settings::default(),
        };
        if let Ok(v) = std::env::var("JOBCOCKPIT_DATA_DIR") {
            s.data_dir = v.into();
        }
        if let Ok(v) = std::env::var("JOBCOCKPIT_BIND") {
            s.bind = v;
        }
        if let Ok(v) = std::env::var("JOBCOCKPIT_DISCLOSURE_K") {
            s.disclosure_k = v.parse().map_err(|_| ConfigError::Invalid {
                name: "JOBCOCKPIT_DISCLOSURE_K",
                message: format!("'{v}' er ikke et helt tal"),
            })?;
        }
        if let Ok(v) = std::env::var("JOBCOCKPIT_ACCESS__HTTPS") {
            s.access.https = v.parse().map_err(|_| ConfigError::Invalid {
                name: "JOBCOCKPIT_ACCESS__HTTPS",
                message: format!("'{v}' er hverken true eller false"),
            })?;
        }
        s.validate()?;
        Ok(s)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.disclosure_k < 3 {
            return Err(ConfigError::Invalid {
                name: "disclosure_k",
                message: format!("{} er under minimum 3", self.disclosure_k),
            });
        }
        Ok(())
    }

    /// The database file.
    pub fn store_path(&self) -> PathBuf {
        self.data_dir.join("jobcockpit.duckdb")
    }

    /// The pseudonymisation key file.
    pub fn key_path(&self) -> PathBuf {
        self.data_dir.join("keys").join("pseudonym.key")
    }

    /// The archive of monthly reports, one folder per month (`YYYY-MM`).
    pub fn report_archive_dir(&self) -> PathBuf {
        self.data_dir.join("reports")
    }

    /// Where monthly deliveries arrive, one folder per month (`YYYY-MM`).
    pub fn inbox_dir(&self) -> PathBuf {
        self.data_dir.join("inbox")
    }
}

/// The pipeline definition (`pipelines/monthly.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineConfig {
    pub steps: Vec<String>,
    pub ingest: IngestConfig,
    pub schedule: ScheduleConfig,
    pub cohort: CohortConfig,
    pub training: TrainingConfig,
    pub scoring: ScoringConfig,
    pub monitoring: MonitoringConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestConfig {
    pub max_bad_share: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleConfig {
    pub cron: String,
    pub timezone: String,
    pub month_offset: i32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CohortConfig {
    pub horizon_months: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingConfig {
    pub window_months: u32,
    pub validation_months: u32,
    pub min_train_rows: usize,
    pub max_depth: Vec<u16>,
    pub min_samples_leaf: Vec<usize>,
    pub leaf_smoothing: f64,
    pub promotion_tolerance: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoringConfig {
    pub low_below: f64,
    pub high_from: f64,
}

/// What the `monitor` step computes and when it raises an alert.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitoringConfig {
    /// The latest mature cohorts pooled for fairness, calibration and survival.
    pub window_cohorts: u32,
    /// Bins of the reliability diagrams and the expected calibration error.
    pub calibration_bins: usize,
    /// Resamples of the seeded bootstrap intervals for AUC and Brier.
    pub bootstrap_resamples: usize,
    pub bootstrap_seed: u64,
    /// Population stability index thresholds (warning, alert).
    pub psi_warning: f64,
    pub psi_alert: f64,
    /// A group's rate ratio to the reference group outside this band is a disparity.
    pub fairness_ratio_low: f64,
    pub fairness_ratio_high: f64,
    /// Significance level after Benjamini-Hochberg correction across all groups.
    pub fairness_alpha: f64,
    /// Calibration alert when the latest mature cohort's observed rate differs
    /// from the mean predicted by more than this and outside its 95 % interval.
    pub calibration_tolerance: f64,
}

/// The steps a pipeline may name, in the only order that makes sense.
pub const KNOWN_STEPS: &[&str] = &[
    "ingest", "features", "train", "score", "evaluate", "monitor", "marts", "report",
];

impl PipelineConfig {
    /// Reads and checks the pipeline file.
    pub fn load(path: &Path) -> Result<PipelineConfig, ConfigError> {
        let cfg: PipelineConfig = parse_toml(path)?;
        cfg.validate().map_err(|message| ConfigError::Parse {
            path: path.to_path_buf(),
            message,
        })?;
        Ok(cfg)
    }

    fn validate(&self) -> Result<(), String> {
        for s in &self.steps {
            if !KNOWN_STEPS.contains(&s.as_str()) {
                return Err(format!(
                    "ukendt trin '{s}' (kendte: {})",
                    KNOWN_STEPS.join(", ")
                ));
            }
        }
        if self.schedule.timezone.parse::<chrono_tz::Tz>().is_err() {
            return Err(format!("ukendt tidszone '{}'", self.schedule.timezone));
        }
        if self.cohort.horizon_months == 0 {
            return Err("horizon_months skal være mindst 1".into());
        }
        if self.training.max_depth.is_empty() || self.training.min_samples_leaf.is_empty() {
            return Err("max_depth og min_samples_leaf skal have mindst én værdi".into());
        }
        if !(0.0 < self.scoring.low_below
            && self.scoring.low_below < self.scoring.high_from
            && self.scoring.high_from < 1.0)
        {
            return Err("risikogrænserne skal opfylde 0 < low_below < high_from < 1".into());
        }
        let m = &self.monitoring;
        if m.window_cohorts == 0 || m.calibration_bins < 2 || m.bootstrap_resamples < 100 {
            return Err(
                "monitoring: window_cohorts >= 1, calibration_bins >= 2 og bootstrap_resamples >= 100"
                    .into(),
            );
        }
        if !(0.0 < m.psi_warning && m.psi_warning < m.psi_alert) {
            return Err("monitoring: 0 < psi_warning < psi_alert".into());
        }
        if !(0.0 < m.fairness_ratio_low
            && m.fairness_ratio_low < 1.0
            && 1.0 < m.fairness_ratio_high)
        {
            return Err("monitoring: 0 < fairness_ratio_low < 1 < fairness_ratio_high".into());
        }
        if !(0.0 < m.fairness_alpha && m.fairness_alpha < 1.0) {
            return Err("monitoring: 0 < fairness_alpha < 1".into());
        }
        Ok(())
    }
}

fn parse_toml<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_pipeline_file_parses_and_validates() {
        let cfg = PipelineConfig::load(Path::new("pipelines/monthly.toml")).unwrap();
        assert_eq!(cfg.cohort.horizon_months, 12);
        assert_eq!(cfg.schedule.timezone, "Europe/Copenhagen");
        assert_eq!(cfg.steps, KNOWN_STEPS);
    }

    #[test]
    fn a_disclosure_threshold_below_three_is_refused() {
        let s = Settings {
            disclosure_k: 2,
            ..Settings::default()
        };
        assert!(s.validate().is_err());
    }

    #[test]
    fn an_unknown_step_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.toml");
        let text = std::fs::read_to_string("pipelines/monthly.toml")
            .unwrap()
            .replace("\"marts\"", "\"magic\"");
        std::fs::write(&path, text).unwrap();
        let err = PipelineConfig::load(&path).unwrap_err().to_string();
        assert!(err.contains("magic"), "{err}");
    }
}
