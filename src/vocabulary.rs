//! The vocabulary (`sql/vocabulary.toml`): every code set the marts store, its codes in
//! order, their Danish labels, the set's Danish name and, for a code computed in SQL,
//! its DuckDB macro. Embedded in the binary and parsed once, so the store, the
//! cockpit, the filters, the fairness monitoring and the report cannot disagree on a
//! label. The sets the code branches on are enums here, checked against the file.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// The vocabulary file, compiled in: a label is part of the build, not of the install.
const SOURCE: &str = include_str!("../sql/vocabulary.toml");

/// A vocabulary that cannot be used: refused at start-up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VocabularyError {
    #[error("sql/vocabulary.toml kan ikke læses: {0}")]
    Toml(String),
    #[error("sql/vocabulary.toml har ikke kodelisten {0:?}")]
    UnknownSet(String),
    #[error("kodelisten {set:?} i sql/vocabulary.toml har ikke koden {code:?}")]
    UnknownCode { set: String, code: String },
    #[error("kodelisten {set:?} i sql/vocabulary.toml har koden {code:?} to gange")]
    DuplicateCode { set: String, code: String },
}

/// One code set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeSet {
    /// The set's Danish name ("Aldersgruppe").
    pub name: String,
    /// The set's code in the `dimension` column of a breakdown mart (`aldersgruppe`).
    #[serde(default)]
    pub breakdown: Option<String>,
    /// Lists show the codes in file order (age bands); otherwise by label.
    #[serde(default)]
    pub ordered: bool,
    /// `name(args) as expression`, created as a DuckDB macro when the store opens.
    #[serde(default, rename = "macro")]
    pub macro_sql: Option<String>,
    codes: Vec<(String, String)>,
}

impl CodeSet {
    /// The codes in order.
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.codes.iter().map(|(c, _)| c.as_str())
    }

    /// The Danish label of `code`, if the set has it.
    pub fn label(&self, code: &str) -> Option<&str> {
        self.codes
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, l)| l.as_str())
    }

    /// Where `code` stands in the set.
    pub fn position(&self, code: &str) -> Option<usize> {
        self.codes.iter().position(|(c, _)| c == code)
    }
}

/// Which sets label a mart column.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ColumnLabels {
    /// Sets whose codes' labels apply.
    #[serde(default)]
    sets: Vec<String>,
    /// Sets named by their code in this column: the label is the set's name.
    #[serde(default)]
    dimensions: Vec<String>,
    /// Codes meaningful in this column only.
    #[serde(default)]
    extra: Vec<(String, String)>,
}

/// The parsed vocabulary.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vocabulary {
    sets: BTreeMap<String, CodeSet>,
    columns: BTreeMap<String, ColumnLabels>,
}

impl Vocabulary {
    /// Parses and checks a vocabulary: every set a column names exists, no code twice.
    pub fn parse(text: &str) -> Result<Vocabulary, VocabularyError> {
        let v: Vocabulary =
            toml::from_str(text).map_err(|e| VocabularyError::Toml(e.to_string()))?;
        for (key, set) in &v.sets {
            let mut seen = std::collections::BTreeSet::new();
            for code in set.codes() {
                if !seen.insert(code) {
                    return Err(VocabularyError::DuplicateCode {
                        set: key.clone(),
                        code: code.to_string(),
                    });
                }
            }
        }
        for c in v.columns.values() {
            for key in c.sets.iter().chain(&c.dimensions) {
                v.set(key)?;
            }
        }
        Ok(v)
    }

    /// The set `key`, or an error naming it.
    pub fn set(&self, key: &str) -> Result<&CodeSet, VocabularyError> {
        self.sets
            .get(key)
            .ok_or_else(|| VocabularyError::UnknownSet(key.to_string()))
    }

    /// The Danish label of `code` in set `key`, or an error naming both.
    pub fn label(&self, key: &str, code: &str) -> Result<&str, VocabularyError> {
        self.set(key)?
            .label(code)
            .ok_or_else(|| VocabularyError::UnknownCode {
                set: key.to_string(),
                code: code.to_string(),
            })
    }

    /// The set whose breakdown code is `code` (`aldersgruppe` -> age band).
    pub fn breakdown(&self, code: &str) -> Option<&CodeSet> {
        self.sets
            .values()
            .find(|s| s.breakdown.as_deref() == Some(code))
    }

    /// Danish texts of the codes stored in marts, by column name, for every page of
    /// the cockpit: column -> code -> label.
    pub fn column_labels(&self) -> BTreeMap<String, BTreeMap<String, String>> {
        let mut out = BTreeMap::new();
        for (column, c) in &self.columns {
            let mut labels = BTreeMap::new();
            for set in c.sets.iter().filter_map(|k| self.sets.get(k)) {
                for (code, label) in &set.codes {
                    labels.insert(code.clone(), label.clone());
                }
            }
            for (key, set) in c
                .dimensions
                .iter()
                .filter_map(|k| Some((k, self.sets.get(k)?)))
            {
                labels.insert(key.clone(), set.name.clone());
                if let Some(b) = &set.breakdown {
                    labels.insert(b.clone(), set.name.clone());
                }
            }
            for (code, label) in &c.extra {
                labels.insert(code.clone(), label.clone());
            }
            out.insert(column.clone(), labels);
        }
        out
    }

    /// The Danish label of `code` in set `key`, or the code itself when the set lacks
    /// it (a district name, a code newer than the build).
    pub fn label_or_code(&self, key: &str, code: &str) -> String {
        self.label(key, code).unwrap_or(code).to_string()
    }

    /// The label a mart column shows for `code` (the cockpit's and the report's
    /// labels are the same), or the code itself.
    pub fn column_label(&self, column: &str, code: &str) -> String {
        let Some(c) = self.columns.get(column) else {
            return code.to_string();
        };
        let from_sets = c
            .sets
            .iter()
            .filter_map(|k| self.sets.get(k)?.label(code))
            .next();
        let from_dimensions = || {
            c.dimensions
                .iter()
                .filter_map(|k| Some((k, self.sets.get(k)?)))
                .find(|(k, s)| k.as_str() == code || s.breakdown.as_deref() == Some(code))
                .map(|(_, s)| s.name.as_str())
        };
        let extra = || {
            c.extra
                .iter()
                .find(|(k, _)| k == code)
                .map(|(_, l)| l.as_str())
        };
        extra()
            .or(from_sets)
            .or_else(from_dimensions)
            .unwrap_or(code)
            .to_string()
    }

    /// `create or replace macro` statements for every derived code, in set order.
    pub fn macros(&self) -> Vec<String> {
        self.sets
            .values()
            .filter_map(|s| s.macro_sql.as_deref())
            .map(|m| format!("create or replace macro {}", m.trim()))
            .collect()
    }
}

/// The embedded vocabulary, parsed once; an error when the file is broken, which
/// the store and the cockpit report at start-up.
pub fn check() -> Result<&'static Vocabulary, VocabularyError> {
    static PARSED: OnceLock<Result<Vocabulary, VocabularyError>> = OnceLock::new();
    PARSED
        .get_or_init(|| Vocabulary::parse(SOURCE))
        .as_ref()
        .map_err(Clone::clone)
}

/// The embedded vocabulary. It is compiled in and checked by this module's tests and
/// by [`check`] when the store opens, so a broken file never gets this far.
pub fn get() -> &'static Vocabulary {
    match check() {
        Ok(v) => v,
        Err(e) => panic!("{e}"),
    }
}

/// Creates the derived-code macros (the age band) in the store, before any SQL file
/// that uses them runs. `create or replace`, so a changed macro replaces the old one.
pub fn create_macros(conn: &duckdb::Connection) -> Result<(), duckdb::Error> {
    // A broken vocabulary travels as the statement's failure, so the store names it.
    let v = check().map_err(|e| duckdb::Error::ToSqlConversionFailure(Box::new(e)))?;
    for m in v.macros() {
        conn.execute_batch(&m)?;
    }
    Ok(())
}

/// An enum over a code set the Rust code branches on; `as_code` and `FromStr` go
/// through the codes, and a test checks them against the vocabulary file.
macro_rules! code_enum {
    ($(#[$doc:meta])* $name:ident, $set:literal, { $($variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            /// The vocabulary's set of these codes.
            pub const SET: &'static str = $set;
            /// Every value, in the vocabulary's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored code.
            pub fn as_code(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }

            /// The Danish label from the vocabulary.
            pub fn label(self) -> &'static str {
                get().set(Self::SET).ok().and_then(|s| s.label(self.as_code())).unwrap_or(self.as_code())
            }
        }

        impl std::str::FromStr for $name {
            type Err = VocabularyError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($code => Ok($name::$variant),)+
                    _ => Err(VocabularyError::UnknownCode { set: $set.to_string(), code: s.to_string() }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_code())
            }
        }
    };
}

code_enum!(
    /// The model's risk band of a probability.
    RiskBand, "risk_band", { Lav = "lav", Mellem = "mellem", Hoej = "hoej" }
);

code_enum!(
    /// Why a caseworker looks a citizen up (#14).
    Purpose, "lookup_purpose", {
        FollowUp = "opfoelgning_2_samtale",
        JobPlan = "jobplan",
        Hearing = "partshoering",
        Access = "aktindsigt",
    }
);

code_enum!(
    /// Whether the caseworker agrees with the model's risk band.
    Agreement, "agreement", { Agrees = "enig", Disagrees = "uenig" }
);

code_enum!(
    /// The main reason behind the caseworker's own assessment.
    Reason, "judgement_reason", {
        Health = "helbred",
        Motivation = "motivation",
        Network = "netvaerk",
        JobOffer = "konkret_jobtilbud",
        MissingInformation = "manglende_oplysninger",
        Other = "andet",
    }
);

code_enum!(
    /// The monitoring scope: one cohort, or the latest mature cohorts pooled.
    Scope, "scope", { Kohorte = "kohorte", Vindue = "vindue" }
);

code_enum!(
    /// A protected characteristic the fairness monitoring audits; its code is the
    /// name of its code set. In reading order (the report's).
    Dimension, "dimension", {
        Sex = "sex",
        AgeBand = "age_band",
        SexAgeBand = "sex_age_band",
        TargetGroup = "target_group",
        Origin = "origin",
        District = "district",
    }
);

impl Dimension {
    /// The dimension's Danish name: the name of its code set.
    pub fn name(self) -> &'static str {
        get()
            .set(self.as_code())
            .map(|s| s.name.as_str())
            .unwrap_or(self.as_code())
    }
}

impl RiskBand {
    /// The band of `probability`: high from `high_from`, low below `low_below`.
    pub fn of(probability: f64, low_below: f64, high_from: f64) -> RiskBand {
        if probability >= high_from {
            RiskBand::Hoej
        } else if probability < low_below {
            RiskBand::Lav
        } else {
            RiskBand::Mellem
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_vocabulary_parses_and_every_column_names_known_sets() {
        let v = check().unwrap();
        assert!(v.column_labels().contains_key("grp"));
    }

    #[test]
    fn every_enum_has_exactly_the_codes_of_its_set_in_order() {
        let v = get();
        let codes = |set: &str| v.set(set).unwrap().codes().collect::<Vec<_>>();
        let risk: Vec<_> = RiskBand::ALL.iter().map(|b| b.as_code()).collect();
        assert_eq!(risk, codes(RiskBand::SET));
        let scope: Vec<_> = Scope::ALL.iter().map(|b| b.as_code()).collect();
        assert_eq!(scope, codes(Scope::SET));
        let purpose: Vec<_> = Purpose::ALL.iter().map(|b| b.as_code()).collect();
        assert_eq!(purpose, codes(Purpose::SET));
        let agreement: Vec<_> = Agreement::ALL.iter().map(|b| b.as_code()).collect();
        assert_eq!(agreement, codes(Agreement::SET));
        let reason: Vec<_> = Reason::ALL.iter().map(|b| b.as_code()).collect();
        assert_eq!(reason, codes(Reason::SET));
        for d in Dimension::ALL {
            assert!(v.set(d.as_code()).is_ok(), "{d} has no code set");
        }
        assert_eq!("hoej".parse::<RiskBand>(), Ok(RiskBand::Hoej));
        assert!("høj".parse::<RiskBand>().is_err());
    }

    #[test]
    fn the_code_sets_of_the_extract_contract_match_it() {
        let v = get();
        let codes = |set: &str| v.set(set).unwrap().codes().collect::<Vec<_>>();
        assert_eq!(codes("target_group"), crate::extracts::TARGET_GROUPS);
        assert_eq!(codes("origin"), crate::extracts::ORIGINS);
        assert_eq!(codes("outcome_status"), crate::extracts::STATUSES);
        assert_eq!(codes("programme_type"), crate::extracts::PROGRAMME_TYPES);
    }

    #[test]
    fn an_unknown_set_or_code_is_an_error() {
        let v = get();
        assert_eq!(v.label("age_band", "30_44"), Ok("30-44 år"));
        assert!(matches!(
            v.label("age_band", "60_plus"),
            Err(VocabularyError::UnknownCode { .. })
        ));
        assert!(matches!(
            v.set("alder"),
            Err(VocabularyError::UnknownSet(_))
        ));
        let broken = "[sets.a]\nname = \"A\"\ncodes = []\n[columns.x]\nsets = [\"b\"]\n";
        assert_eq!(
            Vocabulary::parse(broken).unwrap_err(),
            VocabularyError::UnknownSet("b".into())
        );
        let twice = "[sets.a]\nname = \"A\"\ncodes = [[\"x\", \"X\"], [\"x\", \"Y\"]]\n[columns]\n";
        assert!(matches!(
            Vocabulary::parse(twice),
            Err(VocabularyError::DuplicateCode { .. })
        ));
    }

    #[test]
    fn the_age_band_macro_puts_a_missing_age_in_ukendt_and_bands_at_30_45_and_55() {
        let conn = duckdb::Connection::open_in_memory().unwrap();
        create_macros(&conn).unwrap();
        let band = |age: Option<i32>| -> String {
            conn.query_row("select age_band(?::integer)", [age], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(band(None), "ukendt");
        assert_eq!(band(Some(18)), "under_30");
        assert_eq!(band(Some(29)), "under_30");
        assert_eq!(band(Some(30)), "30_44");
        assert_eq!(band(Some(44)), "30_44");
        assert_eq!(band(Some(45)), "45_54");
        assert_eq!(band(Some(54)), "45_54");
        assert_eq!(band(Some(55)), "55_plus");
        // Every code the macro can return is in the set, so every band has a label.
        let set = get().set("age_band").unwrap();
        for code in ["ukendt", "under_30", "30_44", "45_54", "55_plus"] {
            assert!(set.label(code).is_some(), "{code}");
        }
    }
}
