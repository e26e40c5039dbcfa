//! Typed configuration, parsed once into types that cannot hold a bad value: the
//! app's own settings (defaults, then an optional TOML file, then `JOBCOCKPIT_*`
//! environment variables, layered by figment) and the pipeline definition from
//! `pipelines/monthly.toml`. Settings types live here and behaviour in the feature
//! modules, so `config` imports none of them (a test below keeps it so).

mod access;
mod citizen;
mod data_dir;
mod lookup;
mod ops;
mod step;
mod store;
mod values;

use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

pub use self::access::{AccessSettings, LogRetentionMonths};
pub use self::citizen::CitizenSettings;
pub use self::data_dir::DataDir;
pub use self::lookup::LookupSettings;
pub use self::ops::OpsSettings;
pub use self::step::Step;
pub use self::store::{MemoryLimitMb, StoreSettings};
pub use self::values::{DisclosureK, Secret};

/// The prefix of the environment variables that override settings; nested keys
/// are joined with `__` (`JOBCOCKPIT_ACCESS__HTTPS`).
pub const ENV_PREFIX: &str = "JOBCOCKPIT_";

/// Environment variables with the prefix that are not settings: key material,
/// read where it is used (`JOBCOCKPIT_STORE_KEY` by `encryption`,
/// `JOBCOCKPIT_PSEUDONYM_KEY` by [`Settings::load`] into a [`Secret`]), so a hex
/// key of digits only is never parsed as a number on the way; and
/// `JOBCOCKPIT_BIN`, the binary the test scripts run (`tests/a11y/run.sh`). Any
/// other unknown `JOBCOCKPIT_*` variable is refused as a misspelt setting.
const ENV_NOT_SETTINGS: &[&str] = &["store_key", "pseudonym_key", "bin"];

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
    /// A bad setting: `key` names it as it was given (`disclosure_k` in a file,
    /// `JOBCOCKPIT_DISCLOSURE_K` in the environment).
    #[error("ugyldig indstilling {key}{origin}: {message}")]
    Invalid {
        key: String,
        /// " (i FILE)" or "" when the key is an environment variable.
        origin: String,
        message: String,
    },
}

/// Settings of one installation.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Where the store, keys, inbox and model artefacts live.
    pub data_dir: DataDir,
    /// Address the cockpit listens on.
    pub bind: String,
    /// Smallest number of persons behind any figure shown (never below 3).
    pub disclosure_k: DisclosureK,
    /// Folder of the dashboard files and templates.
    pub dashboards_dir: PathBuf,
    /// The pipeline definition.
    pub pipeline_file: PathBuf,
    /// The feature policy of the model.
    pub policy_file: PathBuf,
    /// Folder of the committee report's definition, texts and templates.
    pub reports_dir: PathBuf,
    /// Logins, sessions, single sign-on (`[access]`).
    pub access: AccessSettings,
    /// Readiness, metrics (`[ops]`).
    pub ops: OpsSettings,
    /// The store's memory budget (`[store]`).
    pub store: StoreSettings,
    /// The caseworker's look-up of one citizen (`[lookup]`): rate limit, alarm,
    /// how long after its end a spell can be looked up.
    pub lookup: LookupSettings,
    /// The citizen's rights and the data's lifetime (`[citizen]`): retention,
    /// objection in aggregates, the insight letter's controller and complaint text.
    pub citizen: CitizenSettings,
    /// Delete a delivery's files (which hold raw CPR numbers) once it is loaded,
    /// leaving a receipt (`ingest::RECEIPT_FILE`). On by default: the store holds
    /// every row, pseudonymised, and the case systems keep the originals.
    pub remove_loaded_deliveries: bool,
    /// The pseudonymisation key as hex (`JOBCOCKPIT_PSEUDONYM_KEY`), instead of
    /// the key file. Never in a file, never printed.
    #[serde(skip)]
    pub pseudonym_key: Option<Secret>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            data_dir: DataDir::new("data"),
            bind: "127.0.0.1:8080".into(),
            disclosure_k: DisclosureK::default(),
            dashboards_dir: PathBuf::from("dashboards"),
            pipeline_file: PathBuf::from("pipelines/monthly.toml"),
            policy_file: PathBuf::from("model/features.toml"),
            reports_dir: PathBuf::from("reports"),
            access: AccessSettings::default(),
            ops: OpsSettings::default(),
            store: StoreSettings::default(),
            lookup: LookupSettings::default(),
            citizen: CitizenSettings::default(),
            remove_loaded_deliveries: true,
            pseudonym_key: None,
        }
    }
}

impl Settings {
    /// Defaults, then the TOML file if given, then `JOBCOCKPIT_*` environment
    /// variables: every key can be set in each layer.
    pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(path) = file {
            // Read here rather than by `Toml::file`, which takes a missing file for
            // an empty one and looks for a relative path in parent folders.
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            figment = figment.merge(Toml::string(&text));
        }
        let env = Env::prefixed(ENV_PREFIX)
            .split("__")
            .ignore(ENV_NOT_SETTINGS);
        let mut settings: Settings = figment.merge(env).extract().map_err(|e| invalid(e, file))?;
        settings.pseudonym_key = std::env::var("JOBCOCKPIT_PSEUDONYM_KEY")
            .ok()
            .map(Secret::new);
        Ok(settings)
    }

    /// The database file.
    pub fn store_path(&self) -> PathBuf {
        self.data_dir.store_file()
    }

    /// The pseudonymisation key file.
    pub fn key_path(&self) -> PathBuf {
        self.data_dir.pseudonym_key_file()
    }

    /// The archive of monthly reports, one folder per month (`YYYY-MM`).
    pub fn report_archive_dir(&self) -> PathBuf {
        self.data_dir.reports()
    }

    /// Where monthly deliveries arrive, one folder per month (`YYYY-MM`).
    pub fn inbox_dir(&self) -> PathBuf {
        self.data_dir.inbox()
    }
}

/// A figment error in Danish, naming the key as it was given and its value.
fn invalid(err: figment::Error, file: Option<&Path>) -> ConfigError {
    // figment keeps every error of an extraction; the first is enough to act on.
    let e = err
        .into_iter()
        .next()
        .unwrap_or_else(|| figment::Error::from(String::new()));
    let dotted = e.path.join(".");
    let (key, origin) = match &e.metadata {
        // The variable's own name (figment's interpolation writes `ACCESS.HTTPS`).
        Some(m) if m.name.contains("environment") => (
            format!("{ENV_PREFIX}{}", e.path.join("__").to_ascii_uppercase()),
            String::new(),
        ),
        Some(m) if m.name.contains("TOML") => (
            dotted.clone(),
            file.map(|p| format!(" (i {})", p.display()))
                .unwrap_or_default(),
        ),
        _ => (dotted.clone(), String::new()),
    };
    use figment::error::Kind;
    let message = match &e.kind {
        Kind::Message(m) => m.clone(),
        Kind::InvalidType(actual, expected) | Kind::InvalidValue(actual, expected) => {
            format!("værdien {actual} kan ikke bruges; forventet {expected}")
        }
        Kind::UnknownField(name, _) => format!("ukendt indstilling '{name}'"),
        Kind::MissingField(name) => format!("'{name}' mangler"),
        other => other.to_string(),
    };
    let key = match &e.kind {
        // An unknown key's path stops at its parent; name the key itself.
        Kind::UnknownField(name, _) if key.is_empty() => name.clone(),
        _ => key,
    };
    ConfigError::Invalid {
        key,
        origin,
        message,
    }
}

/// The pipeline definition (`pipelines/monthly.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineConfig {
    /// The steps of a run, known, none twice, in run order (checked when parsed).
    #[serde(deserialize_with = "step::deserialize_steps")]
    pub steps: Vec<Step>,
    pub ingest: IngestConfig,
    pub schedule: ScheduleConfig,
    pub cohort: CohortConfig,
    pub training: TrainingConfig,
    pub scoring: ScoringConfig,
    pub monitoring: MonitoringConfig,
    /// The `effects` step (defaults when the file has no `[effects]`).
    #[serde(default)]
    pub effects: EffectsConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestConfig {
    pub max_bad_share: f64,
    /// Share of a delivery's new citizens whose 36 months of register history
    /// may be incomplete before the delivery is refused.
    #[serde(default = "default_max_incomplete_history_share")]
    pub max_incomplete_history_share: f64,
}

fn default_max_incomplete_history_share() -> f64 {
    crate::extracts::MAX_INCOMPLETE_HISTORY_SHARE
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleConfig {
    pub cron: String,
    #[serde(deserialize_with = "values::deserialize_tz")]
    pub timezone: chrono_tz::Tz,
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

/// What the `effects` step estimates and when it refuses to.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EffectsConfig {
    /// The latest mature cohorts whose months at risk are pooled.
    pub window_cohorts: u32,
    /// Months from the 2nd interview's month in which a start is looked at.
    pub months_at_risk: u32,
    /// Cross-fitting folds (by person).
    pub folds: u64,
    /// Person-clustered bootstrap resamples for the 95 % intervals.
    pub bootstrap_resamples: usize,
    pub bootstrap_seed: u64,
    /// Months at risk with a propensity above this are dropped (no comparison).
    pub trim_above: f64,
    /// No estimate for a group with fewer starts than this.
    pub min_treated: usize,
    /// No estimate when the weighted comparison is worth fewer persons than this.
    pub min_ess: f64,
}

impl Default for EffectsConfig {
    fn default() -> Self {
        EffectsConfig {
            window_cohorts: 36,
            months_at_risk: 6,
            folds: 2,
            bootstrap_resamples: 500,
            bootstrap_seed: 20_260_101,
            trim_above: 0.9,
            min_treated: 50,
            min_ess: 50.0,
        }
    }
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
    /// Alert when more than this share of the window's mature spells have an
    /// unknown outcome (moved out, died, missing in the registers).
    #[serde(default = "default_max_unknown_share")]
    pub max_unknown_share: f64,
}

fn default_max_unknown_share() -> f64 {
    0.25
}

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

    /// Whether the pipeline runs `step`.
    pub fn runs(&self, step: Step) -> bool {
        self.steps.contains(&step)
    }

    fn validate(&self) -> Result<(), String> {
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
        if !(0.0 < m.max_unknown_share && m.max_unknown_share < 1.0) {
            return Err("max_unknown_share skal ligge mellem 0 og 1".into());
        }
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
        let e = &self.effects;
        if e.window_cohorts == 0
            || e.months_at_risk == 0
            || e.folds == 0
            || e.bootstrap_resamples < 100
        {
            return Err(
                "effects: window_cohorts, months_at_risk og folds >= 1, bootstrap_resamples >= 100"
                    .into(),
            );
        }
        if !(e.trim_above > 0.5 && e.trim_above < 1.0) || e.min_treated == 0 || e.min_ess < 1.0 {
            return Err("effects: 0,5 < trim_above < 1, min_treated >= 1 og min_ess >= 1".into());
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
        assert_eq!(cfg.schedule.timezone, chrono_tz::Europe::Copenhagen);
        assert_eq!(cfg.steps, Step::ALL);
    }

    fn pipeline_with(from: &str, to: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.toml");
        let text = std::fs::read_to_string("pipelines/monthly.toml")
            .unwrap()
            .replace(from, to);
        assert!(text.contains(to));
        std::fs::write(&path, text).unwrap();
        PipelineConfig::load(&path).unwrap_err().to_string()
    }

    #[test]
    fn an_unknown_step_is_refused_naming_the_file_and_the_step() {
        let err = pipeline_with("\"marts\"", "\"magic\"");
        assert!(
            err.contains("p.toml") && err.contains("ukendt trin 'magic'"),
            "{err}"
        );
    }

    #[test]
    fn steps_out_of_order_are_refused_when_the_file_is_read() {
        let err = pipeline_with("\"train\", \"score\"", "\"score\", \"train\"");
        assert!(err.contains("'train' står efter 'score'"), "{err}");
    }

    #[test]
    fn an_unknown_time_zone_is_refused() {
        let err = pipeline_with("Europe/Copenhagen", "Europe/Kastrup");
        assert!(err.contains("ukendt tidszone 'Europe/Kastrup'"), "{err}");
    }

    /// The one test that sets `JOBCOCKPIT_*` variables (the environment is the
    /// process's): no other unit test calls `Settings::load`.
    #[test]
    fn every_key_is_layered_defaults_then_file_then_environment() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("jobcockpit.toml");
        std::fs::write(
            &file,
            "bind = \"0.0.0.0:9000\"\ndisclosure_k = 7\n[access]\nidle_timeout_secs = 60\n",
        )
        .unwrap();
        let s = Settings::load(Some(&file)).unwrap();
        assert_eq!((s.bind.as_str(), s.disclosure_k.get()), ("0.0.0.0:9000", 7));
        assert_eq!(s.access.idle_timeout_secs, 60);
        assert_eq!(s.policy_file, Path::new("model/features.toml"));

        std::env::set_var("JOBCOCKPIT_REPORTS_DIR", "/opt/rapporter");
        std::env::set_var("JOBCOCKPIT_ACCESS__IDLE_TIMEOUT_SECS", "90");
        std::env::set_var("JOBCOCKPIT_PSEUDONYM_KEY", "0011");
        std::env::set_var("JOBCOCKPIT_ACCESS__TRUSTED_PROXIES", "[\"10.0.0.1\"]");
        let s = Settings::load(Some(&file));
        std::env::set_var("JOBCOCKPIT_DISCLOSURE_K", "2");
        let low = Settings::load(Some(&file));
        std::env::set_var("JOBCOCKPIT_DISCLOSURE_K", "fem");
        let word = Settings::load(None);
        std::env::remove_var("JOBCOCKPIT_DISCLOSURE_K");
        std::env::set_var("JOBCOCKPIT_ACCESS__HTTP", "true");
        let unknown = Settings::load(None);
        for v in [
            "JOBCOCKPIT_REPORTS_DIR",
            "JOBCOCKPIT_ACCESS__IDLE_TIMEOUT_SECS",
            "JOBCOCKPIT_PSEUDONYM_KEY",
            "JOBCOCKPIT_ACCESS__TRUSTED_PROXIES",
            "JOBCOCKPIT_ACCESS__HTTP",
        ] {
            std::env::remove_var(v);
        }

        let s = s.unwrap();
        assert_eq!(s.reports_dir, Path::new("/opt/rapporter"));
        assert_eq!(s.access.idle_timeout_secs, 90);
        assert_eq!(
            s.access.trusted_proxies,
            ["10.0.0.1".parse::<std::net::IpAddr>().unwrap()]
        );
        assert_eq!((s.bind.as_str(), s.disclosure_k.get()), ("0.0.0.0:9000", 7));
        assert_eq!(s.pseudonym_key.as_ref().map(Secret::expose), Some("0011"));
        assert!(!format!("{s:?}").contains("0011"), "the key must not print");

        let low = low.unwrap_err().to_string();
        assert!(
            low.contains("JOBCOCKPIT_DISCLOSURE_K") && low.contains("k=2 er under minimum 3"),
            "{low}"
        );
        let word = word.unwrap_err().to_string();
        assert!(
            word.contains("JOBCOCKPIT_DISCLOSURE_K") && word.contains("fem"),
            "{word}"
        );
        let unknown = unknown.unwrap_err().to_string();
        assert!(unknown.contains("ukendt indstilling 'http'"), "{unknown}");
    }

    #[test]
    fn a_bad_value_in_the_file_names_the_key_and_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("jobcockpit.toml");
        std::fs::write(&file, "[access]\nhttps = \"ja\"\n").unwrap();
        let fig = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::string(&std::fs::read_to_string(&file).unwrap()));
        let err = invalid(fig.extract::<Settings>().unwrap_err(), Some(&file)).to_string();
        assert!(err.contains("access.https") && err.contains("ja"), "{err}");
        assert!(err.contains("jobcockpit.toml"), "{err}");
    }

    #[test]
    fn config_imports_nothing_from_access() {
        // Settings types live here and behaviour in `access`; the reverse import
        // made a circle (#13).
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/config");
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let needle = ["crate", "::access"].concat();
            assert!(!text.contains(&needle), "{} imports access", path.display());
        }
    }
}
