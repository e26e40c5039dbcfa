//! Settings of the citizen's rights and the data's lifetime (`[citizen]`, #15): how
//! long individual rows are kept, whether an objected citizen counts in aggregates,
//! and what the insight letter says about the data controller. Parsed through
//! [`RawCitizen`] so a value that makes no sense is refused at start-up; the check
//! against the pipeline's horizon and training window is [`CitizenSettings::check_against`].

use serde::{Deserialize, Serialize};

/// The shortest retention the law's audit needs and a model can live with is
/// checked against the pipeline; this is only the outer bound of a typo.
const MAX_RETENTION_MONTHS: u32 = 600;

/// Settings of the citizen's rights (`[citizen]` in the configuration file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawCitizen", into = "RawCitizen")]
pub struct CitizenSettings {
    retention_months: u32,
    objected_in_aggregates: bool,
    controller: String,
    complaint: String,
    show_employee_names: bool,
}

/// The file's form of [`CitizenSettings`], before its checks.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawCitizen {
    /// Individual rows are deleted this many months after the spell they belong to
    /// ended (a person's own rows when her last spell is gone). Default 60.
    pub retention_months: u32,
    /// Whether a citizen who objected to profiling still counts in inflow and
    /// outcome counts (she is never scored and never in training). Default true.
    pub objected_in_aggregates: bool,
    /// The data controller as the insight letter names it (name, address, contact).
    pub controller: String,
    /// How to complain, as the insight letter says it.
    pub complaint: String,
    /// Whether the insight export names the employee behind each look-up (default:
    /// only date, role and purpose).
    pub show_employee_names: bool,
}

impl Default for RawCitizen {
    fn default() -> Self {
        CitizenSettings::default().into()
    }
}

impl Default for CitizenSettings {
    fn default() -> Self {
        CitizenSettings {
            retention_months: 60,
            objected_in_aggregates: true,
            controller: "Kommunen, Jobcentret (dataansvarlig). Kontakt kommunens \
                         databeskyttelsesrådgiver via kommunens hjemmeside."
                .into(),
            complaint: "Du kan klage over behandlingen af dine oplysninger til kommunen \
                        og til Datatilsynet, Carl Jacobsens Vej 35, 2500 Valby, \
                        www.datatilsynet.dk. En afgørelse i din sag kan du klage over \
                        som beskrevet i afgørelsen."
                .into(),
            show_employee_names: false,
        }
    }
}

impl From<CitizenSettings> for RawCitizen {
    fn from(s: CitizenSettings) -> Self {
        RawCitizen {
            retention_months: s.retention_months,
            objected_in_aggregates: s.objected_in_aggregates,
            controller: s.controller,
            complaint: s.complaint,
            show_employee_names: s.show_employee_names,
        }
    }
}

impl TryFrom<RawCitizen> for CitizenSettings {
    type Error = String;

    fn try_from(r: RawCitizen) -> Result<Self, Self::Error> {
        if r.retention_months == 0 || r.retention_months > MAX_RETENTION_MONTHS {
            return Err(format!(
                "citizen.retention_months={} skal være mellem 1 og {MAX_RETENTION_MONTHS}",
                r.retention_months
            ));
        }
        if r.controller.trim().is_empty() {
            return Err(
                "citizen.controller må ikke være tom: indsigten skal navngive den dataansvarlige"
                    .into(),
            );
        }
        if r.complaint.trim().is_empty() {
            return Err(
                "citizen.complaint må ikke være tom: indsigten skal sige, hvordan borgeren klager"
                    .into(),
            );
        }
        Ok(CitizenSettings {
            retention_months: r.retention_months,
            objected_in_aggregates: r.objected_in_aggregates,
            controller: r.controller,
            complaint: r.complaint,
            show_employee_names: r.show_employee_names,
        })
    }
}

impl CitizenSettings {
    pub fn retention_months(&self) -> u32 {
        self.retention_months
    }
    pub fn objected_in_aggregates(&self) -> bool {
        self.objected_in_aggregates
    }
    pub fn controller(&self) -> &str {
        &self.controller
    }
    pub fn complaint(&self) -> &str {
        &self.complaint
    }
    pub fn show_employee_names(&self) -> bool {
        self.show_employee_names
    }

    /// A copy with another retention (tests and the e2e suite shorten it).
    pub fn with_retention_months(mut self, months: u32) -> Result<Self, String> {
        self.retention_months = months;
        CitizenSettings::try_from(RawCitizen::from(self))
    }

    /// A copy with another aggregate rule.
    pub fn with_objected_in_aggregates(mut self, counted: bool) -> Self {
        self.objected_in_aggregates = counted;
        self
    }

    /// Refuses a retention shorter than the outcome horizon plus the training
    /// window: the oldest training cohort's spells would be deleted before they
    /// could be labelled and used, and the model could not be trained.
    pub fn check_against(&self, horizon_months: u32, window_months: u32) -> Result<(), String> {
        let needed = horizon_months + window_months;
        if self.retention_months < needed {
            return Err(format!(
                "citizen.retention_months={} er kortere end udfaldshorisonten ({horizon_months} \
                 måneder) plus træningsvinduet ({window_months} måneder) = {needed} måneder. \
                 Så kort en frist ville slette forløb, før modellen kan lære af dem, og modellen \
                 kunne ikke trænes. Sæt mindst {needed}.",
                self.retention_months
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retention_shorter_than_horizon_plus_window_is_refused_with_the_reason() {
        let s = CitizenSettings::default()
            .with_retention_months(47)
            .unwrap();
        let err = s.check_against(12, 36).unwrap_err();
        assert!(err.contains("= 48 måneder"), "{err}");
        assert!(err.contains("kunne ikke trænes"), "{err}");
        assert!(CitizenSettings::default().check_against(12, 36).is_ok());
    }

    #[test]
    fn a_zero_retention_or_an_empty_controller_is_refused() {
        assert!(CitizenSettings::default().with_retention_months(0).is_err());
        let raw = RawCitizen {
            controller: " ".into(),
            ..RawCitizen::default()
        };
        assert!(CitizenSettings::try_from(raw)
            .unwrap_err()
            .contains("dataansvarlige"));
    }
}
