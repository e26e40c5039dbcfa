//! The simulated world's data types. Codes are small enums whose order matches the
//! code lists in `extracts`, so writing a code is an index into that list.

use chrono::NaiveDate;

use crate::extracts;

/// Monthly register status; order matches `extracts::STATUSES`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Employed,
    Benefit,
    Education,
    Sick,
    Outside,
    /// Moved out of the municipality (censoring, `synth::censoring`).
    MovedOut,
    /// Died (censoring).
    Dead,
    /// A month missing in the registers (censoring).
    Unknown,
}

impl Status {
    pub fn code(self) -> &'static str {
        extracts::STATUSES[self as usize]
    }
}

/// Target group of a spell; order matches `extracts::TARGET_GROUPS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Group {
    Dagpenge,
    Jobparat,
    Aktivitetsparat,
    Uddannelseshjaelp,
    Integrationsydelse,
}

impl Group {
    pub fn code(self) -> &'static str {
        extracts::TARGET_GROUPS[self as usize]
    }
}

/// Programme types; order matches `extracts::PROGRAMME_TYPES`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Vejledning,
    Praktik,
    LoentilskudPrivat,
    LoentilskudOffentlig,
    Nytte,
    Mentor,
    Jobrotation,
}

impl Kind {
    pub fn code(self) -> &'static str {
        extracts::PROGRAMME_TYPES[self as usize]
    }
}

/// Origin, index into `extracts::ORIGINS` (0 is dansk).
pub(crate) const IMM_WEST: usize = 1;
pub(crate) const IMM_NONWEST: usize = 2;
pub(crate) const DESC_WEST: usize = 3;
pub(crate) const DESC_NONWEST: usize = 4;

/// Education ranks, index into `extracts::EDUCATION_LEVELS`.
pub(crate) const GYMNASIAL: usize = 1;

/// One district of the fictional municipality. `social` shifts education and
/// employment of its residents (residence is a proxy for social background);
/// `hazard` is its small direct effect on the exit logit.
pub(crate) struct District {
    pub name: &'static str,
    pub postal: &'static [&'static str],
    pub weight: f64,
    pub team: &'static str,
    pub nonwestern: f64,
    pub social: f64,
    pub hazard: f64,
}

pub(crate) const DISTRICTS: [District; 5] = [
    District {
        name: "Midtby",
        postal: &["7100", "7120"],
        weight: 0.30,
        team: "Team Midt",
        nonwestern: 0.15,
        social: 0.0,
        hazard: 0.05,
    },
    District {
        name: "Nørrevang",
        postal: &["7130", "7140", "7150"],
        weight: 0.20,
        team: "Team Nord",
        nonwestern: 0.08,
        social: 0.2,
        hazard: 0.0,
    },
    District {
        name: "Østerhøj",
        postal: &["7160", "7171"],
        weight: 0.15,
        team: "Team Øst",
        nonwestern: 0.07,
        social: 0.3,
        hazard: 0.05,
    },
    District {
        name: "Søndermark",
        postal: &["7173", "7182"],
        weight: 0.20,
        team: "Team Syd",
        nonwestern: 0.30,
        social: -0.5,
        hazard: -0.1,
    },
    District {
        name: "Vestby",
        postal: &["7183", "7190", "7200"],
        weight: 0.15,
        team: "Team Vest",
        nonwestern: 0.10,
        social: 0.1,
        hazard: 0.0,
    },
];

/// Young people on uddannelseshjælp are seen by a dedicated youth team.
pub(crate) const YOUTH_TEAM: &str = "Team Ung";

/// A planned programme within a spell.
#[derive(Debug, Clone)]
pub(crate) struct Programme {
    pub kind: Kind,
    pub start: NaiveDate,
    /// Planned end; the only date allowed after the delivery month.
    pub end: NaiveDate,
}

/// One benefit spell.
#[derive(Debug, Clone)]
pub(crate) struct Spell {
    pub start: NaiveDate,
    /// `None` while open at the end of the horizon.
    pub end: Option<NaiveDate>,
    pub group: Group,
    pub team: &'static str,
    pub interviews: Vec<NaiveDate>,
    pub programmes: Vec<Programme>,
}

/// One Jobnet CV registration.
#[derive(Debug, Clone)]
pub(crate) struct Cv {
    pub date: NaiveDate,
    pub edu: usize,
    pub exp_years: f64,
    pub disco: Option<u16>,
    pub licence: bool,
}

/// A citizen known to the job centre, with their whole simulated life.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub cpr: String,
    pub birth: NaiveDate,
    pub district: usize,
    pub postal: &'static str,
    pub origin: usize,
    pub edu: usize,
    pub exp_years: f64,
    pub disco: Option<u16>,
    pub licence: bool,
    /// Member of an unemployment insurance fund (a-kasse).
    pub insured: bool,
    /// Month index of immigration, for immigrants who arrived recently.
    pub immigrated: Option<i32>,
    /// Month of the first spell start; the citizen's first delivery.
    pub first_month: i32,
    /// Monthly status from `first_month - 36` to the end of the horizon.
    pub status: Vec<Status>,
    pub spells: Vec<Spell>,
    pub cvs: Vec<Cv>,
    /// Motivation the product cannot see: 0 unless the world is generated with
    /// hidden selection (`selection::Selection::Hidden`).
    pub motivation: f64,
}

/// Months of register history delivered at first contact.
pub(crate) const HISTORY_MONTHS: i32 = 36;

impl Person {
    /// Month index of `status[0]`.
    pub fn status_from(&self) -> i32 {
        self.first_month - HISTORY_MONTHS
    }

    /// Months employed in the 36 months before month `m`.
    pub fn employed_before(&self, m: i32) -> u32 {
        let lo = (m - HISTORY_MONTHS - self.status_from()).max(0) as usize;
        let hi = ((m - self.status_from()).max(0) as usize).min(self.status.len());
        self.status[lo.min(hi)..hi]
            .iter()
            .filter(|s| **s == Status::Employed)
            .count() as u32
    }
}
