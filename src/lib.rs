//! jobcockpit: at a jobseeker's 2nd interview, how likely is the person to still be
//! unemployed 12 months later, and how well does that prediction hold? A monthly
//! pipeline over an embedded DuckDB store, and an aggregate-only cockpit.
#![deny(unsafe_code)]

/// Users, roles, sessions, the route table and the audit log.
pub mod access;
/// Wiring of configuration, key, store, pipeline, web and schedule.
pub mod app;
/// The citizen's rights: insight export, objection to profiling, erasure.
pub mod citizen;
/// The command line.
pub mod cli;
/// Typed settings (parsed, layered) and the pipeline definition with its steps.
pub mod config;
/// The cockpit's page definitions, renderer and charts.
pub mod dashboard;
/// Disclosure control: no figure from fewer than k persons leaves the process
/// (crates/disclosure, compiled and tested without DuckDB).
pub use jobcockpit_disclosure as disclosure;
/// The accountability pack (#16): AI Act and GDPR documents written every month
/// from the system's own records, and the log export.
pub mod documentation;
/// Encryption at rest of the store: key, shim check, encrypted open.
pub mod encryption;
/// The extract contract shared by generator and loader.
pub mod extracts;
/// Loading monthly deliveries into the raw tables.
pub mod ingest;
/// The caseworker's look-up of one citizen and her own judgement beside the score.
pub mod lookup;
/// The marts (sql/marts/): what each reads and how disclosure control protects it.
pub mod marts;
/// Metric formulas (intervals, Brier) shared by model and monitoring
/// (crates/metrics, without DuckDB).
pub use jobcockpit_metrics as metrics;
/// Programme effects by risk band and target group (AIPW, checked against a planted truth).
pub mod effects;
/// Training, explaining, registering and scoring the decision tree.
pub mod model;
/// Monitoring every cohort: outcomes, performance, calibration, CBPE, drift,
/// fairness and alerts, stored in the metric tables.
pub mod monitor;
/// Operations: health, readiness, Prometheus metrics, backup and restore.
pub mod ops;
/// The monthly pipeline runner.
pub mod pipeline;
/// Shared presentation below every layer that writes text: formats, charts, messages
/// (crates/present, without DuckDB).
pub use jobcockpit_present as present;
/// CPR parsing and keyed pseudonyms.
pub mod pseudonym;
/// The monthly report to the employment committee: HTML, PDF and XLSX, archived.
pub mod report;
/// Storage limitation: the run's deletion of individual rows past the retention.
pub mod retention;
/// The monthly schedule.
pub mod schedule;
/// The embedded DuckDB store and the SQL files.
pub mod store;
/// Synthetic extracts with a documented causal structure.
pub mod synth;
/// Result tables handed from marts to the web layer (crates/table).
pub use jobcockpit_table as table;
/// Every code set, its Danish labels and its SQL macros, defined once.
pub mod vocabulary;
/// The cockpit web server.
pub mod web;

#[cfg(test)]
mod layers_tests;
