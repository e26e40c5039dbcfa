//! The steps of a run, parsed from the pipeline file with their order checked, so
//! the runner matches on a value instead of a name.

use serde::{Deserialize, Deserializer};

/// One step of the monthly run, in the only order that makes sense.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// Load the month's delivery (its own transaction).
    Ingest,
    /// Storage limitation (#15): individual rows past `citizen.retention_months`
    /// deleted, the aggregates of the months they touched kept as they were.
    Retention,
    /// Staging views and feature tables.
    Features,
    /// Train a challenger and decide the champion.
    Train,
    /// Score the month's cohort with the champion.
    Score,
    /// Per-cohort metrics.
    Evaluate,
    /// Monitoring tables and alerts.
    Monitor,
    /// Programme effects by risk band (optional: a heavier analysis).
    Effects,
    /// The marts the cockpit reads.
    Marts,
    /// The committee report, after the run's results are committed.
    Report,
    /// The accountability documents (#16), after the report.
    Dokumentation,
}

impl Step {
    /// Every step, in run order.
    pub const ALL: [Step; 11] = [
        Step::Ingest,
        Step::Retention,
        Step::Features,
        Step::Train,
        Step::Score,
        Step::Evaluate,
        Step::Monitor,
        Step::Effects,
        Step::Marts,
        Step::Report,
        Step::Dokumentation,
    ];

    /// The name in the pipeline file and the run log.
    pub fn name(self) -> &'static str {
        match self {
            Step::Ingest => "ingest",
            Step::Retention => "retention",
            Step::Features => "features",
            Step::Train => "train",
            Step::Score => "score",
            Step::Evaluate => "evaluate",
            Step::Monitor => "monitor",
            Step::Effects => "effects",
            Step::Marts => "marts",
            Step::Report => "report",
            Step::Dokumentation => "dokumentation",
        }
    }

    /// The step named `name`, if any.
    pub fn from_name(name: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Whether a pipeline may leave the step out: without ingest a run works on
    /// what `jobcockpit ingest` loaded, without report no report is written,
    /// without effects the effect page says none were estimated; the other
    /// steps build on each other and the cockpit needs them all.
    pub fn optional(self) -> bool {
        matches!(
            self,
            Step::Ingest | Step::Effects | Step::Report | Step::Dokumentation
        )
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `pad`, so `{:<9}` in a table of steps lines up.
        f.pad(self.name())
    }
}

/// Parses the `steps` list: known names, none twice, in run order, none required missing.
pub(crate) fn parse_steps(names: &[String]) -> Result<Vec<Step>, String> {
    let known = || {
        Step::ALL
            .iter()
            .map(|s| s.name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut steps: Vec<Step> = Vec::with_capacity(names.len());
    for name in names {
        let step = Step::from_name(name)
            .ok_or_else(|| format!("ukendt trin '{name}' (kendte trin: {})", known()))?;
        if steps.contains(&step) {
            return Err(format!("trinnet '{step}' står der to gange"));
        }
        if let Some(last) = steps.last() {
            if *last > step {
                return Err(format!(
                    "trinnet '{step}' står efter '{last}', men skal køre før det (rækkefølgen er {})",
                    known()
                ));
            }
        }
        steps.push(step);
    }
    if let Some(missing) = Step::ALL
        .into_iter()
        .find(|s| !s.optional() && !steps.contains(s))
    {
        return Err(format!(
            "trinnet '{missing}' mangler (kun ingest, effects og report kan udelades)"
        ));
    }
    Ok(steps)
}

/// `deserialize_with` for the `steps` list.
pub(super) fn deserialize_steps<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Step>, D::Error> {
    let names = Vec::<String>::deserialize(d)?;
    parse_steps(&names).map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn every_step_in_order_parses() {
        let all: Vec<String> = Step::ALL.iter().map(|s| s.name().to_string()).collect();
        assert_eq!(parse_steps(&all).unwrap(), Step::ALL);
    }

    #[test]
    fn ingest_and_report_may_be_left_out() {
        let core = names(&[
            "retention",
            "features",
            "train",
            "score",
            "evaluate",
            "monitor",
            "marts",
        ]);
        assert_eq!(parse_steps(&core).unwrap().len(), 7);
    }

    #[test]
    fn a_step_out_of_order_is_refused_naming_it() {
        let err = parse_steps(&names(&[
            "ingest", "train", "features", "score", "evaluate", "monitor", "marts",
        ]))
        .unwrap_err();
        assert!(err.contains("'features' står efter 'train'"), "{err}");
    }

    #[test]
    fn a_repeated_step_is_refused() {
        let err = parse_steps(&names(&[
            "retention",
            "features",
            "train",
            "score",
            "score",
            "evaluate",
            "monitor",
            "marts",
        ]))
        .unwrap_err();
        assert!(err.contains("'score' står der to gange"), "{err}");
    }

    #[test]
    fn a_missing_required_step_is_refused() {
        let err = parse_steps(&names(&[
            "retention",
            "features",
            "train",
            "score",
            "monitor",
            "marts",
        ]))
        .unwrap_err();
        assert!(err.contains("'evaluate' mangler"), "{err}");
    }

    #[test]
    fn an_unknown_step_is_refused_naming_it() {
        let err = parse_steps(&names(&["features", "magic"])).unwrap_err();
        assert!(err.contains("ukendt trin 'magic'"), "{err}");
    }
}
