//! The extract contract: one schema definition shared by the generator (`synth`)
//! and the loader (`ingest`). `docs/extracts.md` documents the same contract for the
//! people who deliver the files; a test keeps the two in step.
//!
//! A delivery is one folder per month, `<dir>/<YYYY-MM>/`, holding the six files
//! below. Files are written as Danish systems write them: `;` separated, UTF-8
//! with BOM, CRLF line ends, decimal comma and `dd-mm-åååå` dates.

/// The type of one column, which is also how the loader parses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// A CPR number `DDMMYY-SSSS`; pseudonymised on read, never stored.
    Cpr,
    /// Free text or an identifier.
    Text,
    /// A whole number.
    Integer,
    /// A decimal number written with a decimal comma (`3,5`).
    Decimal,
    /// A date written `dd-mm-åååå`.
    Date,
    /// A month written as the first day of the month, `01-mm-åååå`.
    Month,
    /// A value from a fixed code list.
    Code(&'static [&'static str]),
    /// A 4-digit Danish postal code.
    PostalCode,
    /// A DISCO-08 occupation code of 4 to 6 digits.
    Disco,
    /// `ja`, `nej` or `ukendt` (stored as empty).
    YesNo,
}

/// One column of an extract file.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColumnType,
    /// Whether an empty value is allowed.
    pub nullable: bool,
    /// The plausible range of a number (inclusive), if the contract bounds it:
    /// a value outside it is refused into quarantine rather than reaching the model.
    pub range: Option<(f64, f64)>,
}

impl Column {
    /// The column with its values bounded to `min..=max`.
    const fn within(self, min: f64, max: f64) -> Column {
        Column {
            range: Some((min, max)),
            ..self
        }
    }
}

/// One extract file.
#[derive(Debug, Clone, Copy)]
pub struct Extract {
    /// Stable identifier used in table names (`raw_<id>`).
    pub id: &'static str,
    /// File name inside a monthly delivery folder.
    pub file: &'static str,
    pub columns: &'static [Column],
    /// Columns that identify a row; a later delivery of the same key replaces it.
    pub key: &'static [&'static str],
}

const fn col(name: &'static str, ty: ColumnType) -> Column {
    Column {
        name,
        ty,
        nullable: false,
        range: None,
    }
}

const fn opt(name: &'static str, ty: ColumnType) -> Column {
    Column {
        name,
        ty,
        nullable: true,
        range: None,
    }
}

/// Origin categories (Statistics Denmark's herkomst). Audit only, never a model input.
pub const ORIGINS: &[&str] = &[
    "dansk",
    "indvandrer_vestlig",
    "indvandrer_ikke_vestlig",
    "efterkommer_vestlig",
    "efterkommer_ikke_vestlig",
    UNKNOWN,
];

/// Target groups (målgrupper) of the benefit spells.
pub const TARGET_GROUPS: &[&str] = &[
    "dagpenge",
    "kontanthjaelp_jobparat",
    "kontanthjaelp_aktivitetsparat",
    "uddannelseshjaelp",
    "integrationsydelse",
];

/// Highest completed education, Statistics Denmark's groups, in increasing order.
pub const EDUCATION_LEVELS: &[&str] = &[
    "grundskole",
    "gymnasial",
    "erhvervsfaglig",
    "kvu",
    "mvu",
    "bachelor",
    "lvu",
    "phd",
    UNKNOWN,
];

/// Programme types (indsatser).
pub const PROGRAMME_TYPES: &[&str] = &[
    "vejledning_opkvalificering",
    "virksomhedspraktik",
    "loentilskud_privat",
    "loentilskud_offentlig",
    "nytteindsats",
    "mentor",
    "jobrotation",
];

/// The code a case system delivers for a compulsory value it does not know
/// (education, origin, driving licence): explicit, so that nothing unknown has
/// to be invented, and the features treat it as unknown, not as a level.
pub const UNKNOWN: &str = "ukendt";

/// Monthly outcome status (in reality from DREAM and eIndkomst). The last three
/// say the month's outcome is not observed: moved out of the municipality, dead,
/// or missing in the registers. A spell whose outcome month has one of them has
/// an unknown label (censored), never an invented one.
pub const STATUSES: &[&str] = &[
    "beskaeftiget",
    "ydelse",
    "uddannelse",
    "syg",
    "udenfor",
    "fraflyttet",
    "doed",
    UNKNOWN,
];

/// The statuses that say the outcome of the month is not observed.
pub const UNOBSERVED_STATUSES: &[&str] = &["fraflyttet", "doed", UNKNOWN];

pub const CITIZENS: Extract = Extract {
    id: "citizens",
    file: "borgere.csv",
    columns: &[
        col("cpr", ColumnType::Cpr),
        col("postnummer", ColumnType::PostalCode),
        col("distrikt", ColumnType::Text),
        col("herkomst", ColumnType::Code(ORIGINS)),
    ],
    key: &["cpr"],
};

pub const SPELLS: Extract = Extract {
    id: "spells",
    file: "ydelsesforloeb.csv",
    columns: &[
        col("forloeb_id", ColumnType::Text),
        col("cpr", ColumnType::Cpr),
        col("maalgruppe", ColumnType::Code(TARGET_GROUPS)),
        col("startdato", ColumnType::Date),
        opt("slutdato", ColumnType::Date),
    ],
    key: &["forloeb_id"],
};

pub const INTERVIEWS: Extract = Extract {
    id: "interviews",
    file: "samtaler.csv",
    columns: &[
        col("samtale_id", ColumnType::Text),
        col("forloeb_id", ColumnType::Text),
        col("cpr", ColumnType::Cpr),
        col("dato", ColumnType::Date),
        col("nummer", ColumnType::Integer).within(1.0, MAX_INTERVIEW_NUMBER),
        col("team", ColumnType::Text),
    ],
    key: &["samtale_id"],
};

pub const CVS: Extract = Extract {
    id: "cvs",
    file: "cv.csv",
    columns: &[
        col("cpr", ColumnType::Cpr),
        col("registreret_dato", ColumnType::Date),
        col("uddannelse", ColumnType::Code(EDUCATION_LEVELS)),
        col("erfaring_aar", ColumnType::Decimal).within(0.0, MAX_EXPERIENCE_YEARS),
        opt("seneste_disco", ColumnType::Disco),
        col("koerekort", ColumnType::YesNo),
    ],
    key: &["cpr", "registreret_dato"],
};

pub const PROGRAMMES: Extract = Extract {
    id: "programmes",
    file: "indsatser.csv",
    columns: &[
        col("indsats_id", ColumnType::Text),
        col("forloeb_id", ColumnType::Text),
        col("cpr", ColumnType::Cpr),
        col("type", ColumnType::Code(PROGRAMME_TYPES)),
        col("startdato", ColumnType::Date),
        col("slutdato", ColumnType::Date),
    ],
    key: &["indsats_id"],
};

pub const STATUS: Extract = Extract {
    id: "status",
    file: "status.csv",
    columns: &[
        col("cpr", ColumnType::Cpr),
        col("maaned", ColumnType::Month),
        col("status", ColumnType::Code(STATUSES)),
    ],
    key: &["cpr", "maaned"],
};

/// Every extract of a monthly delivery, in load order (citizens first, so that
/// references from the other files can be checked against them).
pub const ALL: &[Extract] = &[CITIZENS, SPELLS, INTERVIEWS, CVS, PROGRAMMES, STATUS];

/// The most years of work experience a CV can state: a working life from 15 to
/// past the pension age. More is a typing or export error (months for years).
pub const MAX_EXPERIENCE_YEARS: f64 = 60.0;

/// The highest interview number of a spell: one interview a month for 16 years.
pub const MAX_INTERVIEW_NUMBER: f64 = 200.0;

/// No date of any extract lies before this (the oldest living citizens and the
/// oldest register history are younger), so year 0001 or 1800 is an export error.
pub const EARLIEST_DATE: (i32, u32, u32) = (1900, 1, 1);

/// The oldest age (whole years at the end of the delivery month) a CPR number
/// may give: older means a wrong century digit, not a jobseeker.
pub const MAX_AGE_YEARS: i32 = 100;

/// Months of register history delivered with a citizen's first status rows.
pub const HISTORY_MONTHS: u32 = 36;

/// The largest share of a delivery's new citizens whose register history may be
/// incomplete: up to it the delivery loads with a warning naming the counts,
/// above it the whole delivery is refused (the history features would silently
/// count the missing months as months of nothing).
pub const MAX_INCOMPLETE_HISTORY_SHARE: f64 = 0.05;

/// How far after the delivery month a programme's planned end may lie.
pub const MAX_PLANNED_YEARS: u32 = 3;

/// The longest value of any text column (ids, districts, teams), in characters.
pub const MAX_TEXT_CHARS: usize = 200;

/// The longest line of any extract file, in bytes: a row of the widest extract
/// is under 200 bytes, so a longer line is not a row of the contract (and a
/// record is never held in memory beyond this).
pub const MAX_LINE_BYTES: usize = 4096;

/// The largest extract file, in bytes. A national month's largest file is about
/// 60 MB; the limit keeps a wrong or hostile file from filling memory.
pub const MAX_FILE_BYTES: u64 = 4 << 30;

/// Date format of the extracts (`dd-mm-åååå`), for chrono.
pub const DATE_FORMAT: &str = "%d-%m-%Y";

/// Delimiter of the extracts.
pub const DELIMITER: u8 = b';';

impl Extract {
    /// The extract with this file name, if any.
    pub fn by_file(file: &str) -> Option<&'static Extract> {
        ALL.iter().find(|e| e.file == file)
    }

    /// The name of the extract's file when delivered as Parquet (`status.parquet`).
    pub fn parquet_file(&self) -> String {
        [self.file.trim_end_matches(".csv"), ".parquet"].concat()
    }

    /// Header names in file order.
    pub fn header(&self) -> Vec<&'static str> {
        self.columns.iter().map(|c| c.name).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_column_exists_in_its_extract() {
        for e in ALL {
            for k in e.key {
                assert!(e.columns.iter().any(|c| c.name == *k), "{}: {k}", e.id);
            }
        }
    }

    /// The limits the loader enforces are the ones the contract document states.
    #[test]
    fn the_contract_document_states_every_limit() {
        let doc = include_str!("../docs/extracts.md");
        for e in ALL {
            for c in e.columns {
                if let Some((min, max)) = c.range {
                    let stated = format!("{min} til {max}");
                    assert!(doc.contains(&stated), "`{}`: {stated}", c.name);
                }
            }
        }
        let danish = |n: usize| {
            let s = n.to_string();
            match s.len() {
                4 => format!("{}.{}", &s[..1], &s[1..]),
                _ => s,
            }
        };
        for stated in [
            format!("{} bytes", danish(MAX_LINE_BYTES)),
            format!("Højst {} tegn", MAX_TEXT_CHARS),
            format!("{} GiB", MAX_FILE_BYTES >> 30),
            format!("{} år efter M", MAX_PLANNED_YEARS),
            format!("01-01-{}", EARLIEST_DATE.0),
            format!("højst {} år", MAX_AGE_YEARS),
        ] {
            assert!(doc.contains(&stated), "docs/extracts.md lacks {stated}");
        }
    }

    #[test]
    fn the_contract_document_names_every_file_and_column() {
        let doc = include_str!("../docs/extracts.md");
        for e in ALL {
            assert!(doc.contains(e.file), "docs/extracts.md lacks {}", e.file);
            for c in e.columns {
                assert!(
                    doc.contains(&format!("`{}`", c.name)),
                    "docs/extracts.md lacks `{}`",
                    c.name
                );
            }
        }
    }
}
