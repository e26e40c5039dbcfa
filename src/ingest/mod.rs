//! Loading one monthly delivery into the raw tables: read each file of the
//! extract contract (CSV or Parquet), check every value against its column type,
//! pseudonymise the CPR, and append the whole batch in one transaction, or nothing.
//! A corrected re-delivery of a month supersedes the month's earlier batch
//! (`ledger.rs`).

mod columns;
#[cfg(test)]
mod corpus_tests;
mod decode;
mod fasthash;
#[cfg(test)]
mod hostile_tests;
mod ledger;
mod open;
mod parquet;
mod parse;
pub mod progress;
mod read;
#[cfg(test)]
mod redelivery_tests;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use sha2::{Digest, Sha256};

use crate::extracts::{self, Extract};
use crate::pseudonym::Pseudonymiser;
use crate::store::Store;
pub use progress::{NoProgress, Progress, TerminalBar};

/// Most row errors reported for one batch; the count of the rest is given.
const MAX_REPORTED_ERRORS: usize = 25;

/// One bad value, or a bad file: where it is and why it is refused. CPRs are
/// masked. `line` counts the header as line 1 (a Parquet file's rows from 1);
/// 0 means the file as a whole, and an empty `column` the row or file as a whole.
#[derive(Debug, Clone, PartialEq)]
pub struct RowError {
    pub file: String,
    pub line: u64,
    pub column: String,
    pub value: String,
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if self.line > 0 {
            let unit = if self.file.ends_with(".parquet") {
                "række"
            } else {
                "linje"
            };
            write!(f, ", {unit} {}", self.line)?;
        }
        if !self.column.is_empty() {
            write!(f, ", kolonne '{}'", self.column)?;
        }
        if !self.value.is_empty() {
            write!(f, ", værdi '{}'", self.value)?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// Ingest errors. A batch with any of these is not loaded at all.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("mappen {0} er ikke en månedslevering: navnet skal være præcis ÅÅÅÅ-MM (fire cifre, bindestreg, to cifre, måned 01-12)")]
    BadFolder(PathBuf),
    #[error("mappen {dir} er en levering for {month}, som ligger efter indeværende måned ({current}); en levering kan ikke være for en måned, der ikke er begyndt")]
    FutureMonth {
        dir: PathBuf,
        month: String,
        current: String,
    },
    #[error("{0} er en symbolsk lænke; intet i indbakken følges gennem en lænke, så leveringen skal ligge som en almindelig mappe")]
    SymlinkFolder(PathBuf),
    #[error("{0} er ikke en mappe med månedsleveringer (ÅÅÅÅ-MM) og ikke selv en levering")]
    NoDeliveries(PathBuf),
    #[error("filen {path} kunne ikke læses: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file as a whole is refused (encoding, header, cut off, empty).
    #[error("leveringen blev afvist: {0}")]
    File(RowError),
    #[error("leveringen {0} indeholder ingen rækker")]
    EmptyDelivery(PathBuf),
    #[error("leveringen {dir} blev afvist: {bad_rows} af {total_rows} rækker er fejlbehæftede (over grænsen), {count} fejl, fx:\n{}", .errors.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n"))]
    Rows {
        dir: PathBuf,
        count: usize,
        bad_rows: usize,
        total_rows: usize,
        errors: Vec<RowError>,
    },
    /// More known citizens lack the month's status than status rows were
    /// refused: the file is cut off or still being written.
    #[error("{0}")]
    StatusIncomplete(MissingStatus),
    /// More new citizens than the contract allows lack register history.
    #[error("leverancen {} er afvist: {incomplete} af {new_citizens} nye borgere mangler registerhistorik (i alt {missing_months} af de {} måneder før {}, der skal leveres i status.csv ved første kontakt); højst {} % af de nye borgere må mangle den. Historikken ville ellers tælle som måneder uden beskæftigelse", dir.display(), extracts::HISTORY_MONTHS, month.format("%m-%Y"), max_share * 100.0)]
    HistoryIncomplete {
        dir: PathBuf,
        month: NaiveDate,
        max_share: f64,
        new_citizens: usize,
        incomplete: usize,
        missing_months: usize,
    },
    /// A corrected re-delivery drops citizens or spells that rows of later
    /// months' batches in force name; nothing was written.
    #[error("{}", correction_orphans_text(.dir, .month, .rows))]
    CorrectionOrphans {
        dir: PathBuf,
        month: NaiveDate,
        rows: Vec<OrphanedRows>,
    },
    #[error("databasefejl under indlæsning af {dir}: {source}")]
    Db { dir: PathBuf, source: duckdb::Error },
    /// The months were committed, but writing them into the database file failed.
    #[error("de indlæste måneder kunne ikke skrives ind i databasefilen (checkpoint): {0}. De er gemt i databasens log (WAL) og lægges ind, næste gang databasen åbnes; frigør plads, hvis disken er fuld, og kør kommandoen igen")]
    Checkpoint(duckdb::Error),
}

/// Rows of one later month's file that a correction would leave without the
/// citizen or spell they name.
#[derive(Debug, Clone, PartialEq)]
pub struct OrphanedRows {
    /// The later delivery's month, `YYYY-MM`.
    pub month: String,
    /// The extract file the rows came in.
    pub file: String,
    /// `cpr` (the citizen is dropped) or `forloeb_id` (the spell is).
    pub column: String,
    pub rows: i64,
    /// A few of the dropped spells' ids; citizens are never named.
    pub examples: Vec<String>,
}

impl fmt::Display for OrphanedRows {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (rows, what) = match (self.rows, self.column.as_str()) {
            (1, "cpr") => ("række henviser", "en borger"),
            (_, "cpr") => ("rækker henviser", "en borger"),
            (1, _) => ("række henviser", "et forløb"),
            (_, _) => ("rækker henviser", "et forløb"),
        };
        write!(
            f,
            "{}: {}, {} {rows} til {what}, som rettelsen fjerner",
            self.month, self.file, self.rows
        )?;
        if !self.examples.is_empty() {
            write!(f, " (fx {})", self.examples.join(", "))?;
        }
        Ok(())
    }
}

/// A status file without the month's row for more known citizens than it has
/// rows refused (any refused row may be a missing citizen's).
#[derive(Debug, Clone, PartialEq)]
pub struct MissingStatus {
    pub dir: PathBuf,
    /// The status file, as errors name it.
    pub file: String,
    pub month: NaiveDate,
    /// Citizens known: in batches in force for earlier months, and in this delivery.
    pub known: usize,
    /// Known citizens from earlier months without a status row for the month.
    pub earlier: usize,
    /// Citizens new in this delivery without a status row for the month.
    pub new: usize,
    /// Status rows refused as bad.
    pub refused: usize,
    /// A few of the new citizens without status, by their `borgere.csv` row
    /// (CPR masked); citizens of earlier months are only counted, since the load
    /// knows no more of them than the pseudonym.
    pub examples: Vec<RowError>,
}

impl MissingStatus {
    /// The refusal as one error for the status file as a whole, then the examples.
    fn row_errors(&self) -> Vec<RowError> {
        let whole = RowError {
            file: self.file.clone(),
            line: 0,
            column: String::new(),
            value: String::new(),
            reason: format!(
                "{} af {} kendte borgere har ingen status for {}",
                self.earlier + self.new,
                self.known,
                self.month.format(extracts::DATE_FORMAT)
            ),
        };
        std::iter::once(whole)
            .chain(self.examples.iter().cloned())
            .collect()
    }
}

impl fmt::Display for MissingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "leveringen {} blev afvist: {} af {} kendte borgere har ingen status for {} i {} \
             ({} fra tidligere måneder, {} nye i denne levering), og kun {} statusrækker er \
             fejlbehæftede. Status leveres for hver kendt borger hver måned, så filen er måske \
             afkortet eller ved at blive skrevet. Intet er indlæst; lever filen igen, når den \
             er skrevet færdig.",
            self.dir.display(),
            self.earlier + self.new,
            self.known,
            self.month.format(extracts::DATE_FORMAT),
            self.file,
            self.earlier,
            self.new,
            self.refused,
        )?;
        if !self.examples.is_empty() {
            f.write_str("\nNye borgere uden status, fx:")?;
        }
        for e in &self.examples {
            write!(f, "\n  {e}")?;
        }
        Ok(())
    }
}

/// The Danish text of [`IngestError::CorrectionOrphans`].
fn correction_orphans_text(dir: &Path, month: &NaiveDate, rows: &[OrphanedRows]) -> String {
    let mut text = format!(
        "rettelsen {} af {} blev afvist: den fjerner borgere eller forløb, som rækker i senere måneders leveringer henviser til, og ville efterlade dem uden borger eller forløb:",
        dir.display(),
        month.format("%Y-%m"),
    );
    for r in rows {
        text.push_str(&format!("\n  {r}"));
    }
    text.push_str("\nIntet er indlæst. Lever også de senere måneder igen (rettet), eller behold borgeren og forløbet i rettelsen.");
    text
}

impl IngestError {
    /// Whether the delivery itself was refused (as opposed to bad usage or a
    /// store failure): the distinction scripts act on through the exit code.
    pub fn is_rejection(&self) -> bool {
        matches!(
            self,
            IngestError::Read { .. }
                | IngestError::File(_)
                | IngestError::EmptyDelivery(_)
                | IngestError::Rows { .. }
                | IngestError::StatusIncomplete(_)
                | IngestError::HistoryIncomplete { .. }
                | IngestError::CorrectionOrphans { .. }
        )
    }

    /// The refused values or file, as structured errors.
    pub fn row_errors(&self) -> Vec<RowError> {
        match self {
            IngestError::File(e) => vec![e.clone()],
            IngestError::Rows { errors, .. } => errors.clone(),
            IngestError::StatusIncomplete(m) => m.row_errors(),
            _ => Vec::new(),
        }
    }
}

/// A batch that a corrected re-delivery replaced.
#[derive(Debug, Clone, PartialEq)]
pub struct Superseded {
    pub batch_id: String,
    /// Its rows, which staging no longer sees (they stay in the raw tables for audit).
    pub rows: i64,
}

/// What a load did.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadReport {
    pub batch_id: String,
    pub month: NaiveDate,
    /// True when the same files were loaded before; nothing was loaded again.
    pub already_loaded: bool,
    /// For a batch loaded before: the batch that has since replaced it, if any.
    pub superseded_by: Option<String>,
    /// The month's earlier batch that this one replaced, if any.
    pub supersedes: Option<Superseded>,
    /// Rows loaded per extract id, in contract order.
    pub rows: Vec<(&'static str, usize)>,
    /// Rows set aside in `raw_quarantine`, with the reason (CPR masked).
    pub quarantined: Vec<RowError>,
    /// The delivery's files as read: name and SHA-256 (hex).
    pub files: Vec<(String, String)>,
    /// What loaded but is incomplete, in Danish with counts (missing register
    /// history of new citizens under the refusal threshold).
    pub warnings: Vec<String>,
}

impl LoadReport {
    pub fn total_rows(&self) -> usize {
        self.rows.iter().map(|(_, n)| n).sum()
    }
}

/// How to load.
pub struct LoadOptions<'a> {
    /// Share of bad rows above which the whole batch is refused.
    pub max_bad_share: f64,
    /// Share of a delivery's new citizens with incomplete register history above
    /// which it is refused (below: a warning with the counts). The pipeline and
    /// `jobcockpit ingest` take it from `pipelines/monthly.toml`.
    pub max_incomplete_history_share: f64,
    /// Check and report without writing anything.
    pub dry_run: bool,
    pub progress: &'a dyn Progress,
}

/// The month a folder name `ÅÅÅÅ-MM` stands for: exactly four ASCII digits, a
/// dash and two ASCII digits, month 01-12. Nothing else: chrono's own parser
/// would also take `2021-1` and `+2021-01`, so two folders could be one month.
pub fn month_from_name(name: &str) -> Option<NaiveDate> {
    let b = name.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 7 || b[4] != b'-' || !digits(0..4) || !digits(5..7) {
        return None;
    }
    let year = name[..4].parse().ok()?;
    let month = name[5..].parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, 1)
}

/// Whether a folder name tries to be a month (`2021-1`, `+2021-01`, `2021-13`):
/// such a folder is refused by name, never skipped as if it were something else.
pub fn looks_like_month(dir: &Path) -> bool {
    dir.file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.chars().next())
        .is_some_and(|c| c.is_ascii_digit() || c == '+' || c == '-')
}

/// The current month in Denmark, which no delivery can be later than.
fn current_month() -> NaiveDate {
    let now = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Copenhagen);
    NaiveDate::from_ymd_opt(now.year(), now.month(), 1).expect("day 1 exists")
}

/// The month a delivery folder covers, from its name `ÅÅÅÅ-MM`. A folder that is
/// a symbolic link is refused: nothing under the inbox is followed through a link
/// (whoever may drop files there could point a "delivery" anywhere).
pub fn folder_month(dir: &Path) -> Result<NaiveDate, IngestError> {
    folder_month_at(dir, current_month())
}

fn folder_month_at(dir: &Path, current: NaiveDate) -> Result<NaiveDate, IngestError> {
    let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let month = month_from_name(name).ok_or_else(|| IngestError::BadFolder(dir.to_path_buf()))?;
    if month > current {
        return Err(IngestError::FutureMonth {
            dir: dir.to_path_buf(),
            month: month.format("%Y-%m").to_string(),
            current: current.format("%Y-%m").to_string(),
        });
    }
    // Rebuilt from its components, the path loses a trailing slash, which would
    // make the system follow the link it is meant to detect.
    let path: PathBuf = dir.components().collect();
    // A folder that does not exist is not a link; reading it says it is missing.
    if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(IngestError::SymlinkFolder(dir.to_path_buf()));
    }
    Ok(month)
}

/// Delivery folders under `root`, oldest first. An entry whose name tries to be
/// a month but is not a valid delivery folder (a bad name, a month after the
/// current one, a symbolic link) refuses the whole listing, before anything
/// loads; so does a symbolic link to a folder, whatever its name. Other entries
/// (files, folders such as `arkiv`) are left alone.
pub fn delivery_folders(root: &Path) -> Result<Vec<(NaiveDate, PathBuf)>, IngestError> {
    delivery_folders_at(root, current_month())
}

fn delivery_folders_at(
    root: &Path,
    current: NaiveDate,
) -> Result<Vec<(NaiveDate, PathBuf)>, IngestError> {
    let entries =
        std::fs::read_dir(root).map_err(|_| IngestError::NoDeliveries(root.to_path_buf()))?;
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| IngestError::Read {
            path: root.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        // The entry's own type, not its target's: a link is refused (or left
        // alone), never listed as a delivery.
        let kind = entry.file_type().map_err(|source| IngestError::Read {
            path: path.clone(),
            source,
        })?;
        if kind.is_symlink() {
            if looks_like_month(&path) || path.is_dir() {
                return Err(IngestError::SymlinkFolder(path));
            }
            continue;
        }
        if !kind.is_dir() {
            continue;
        }
        match folder_month_at(&path, current) {
            Ok(month) => out.push((month, path)),
            Err(e) if looks_like_month(&path) => return Err(e),
            Err(_) => {}
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod folder_tests {
    use super::*;

    fn month(y: i32, m: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, 1).unwrap()
    }

    #[test]
    fn a_folder_name_is_exactly_four_digits_a_dash_and_a_month() {
        let now = month(2024, 6);
        assert_eq!(
            folder_month_at(Path::new("inbox/2024-03"), now).unwrap(),
            month(2024, 3)
        );
        assert_eq!(
            folder_month_at(Path::new("inbox/2024-03/"), now).unwrap(),
            month(2024, 3)
        );
        for name in [
            "2021-1",
            "+2021-01",
            "2021-13",
            "2021-00",
            "2021-01x",
            "02021-01",
            "2021_01",
            "2021-01-01",
            " 2021-01",
            "２０２１-01",
            "-2021-01",
            "",
        ] {
            let err = folder_month_at(&Path::new("inbox").join(name), now).unwrap_err();
            assert!(matches!(err, IngestError::BadFolder(_)), "{name}: {err}");
            assert!(err.to_string().contains("præcis ÅÅÅÅ-MM"), "{err}");
        }
        assert_eq!(month_from_name("1999-12"), Some(month(1999, 12)));
        assert_eq!(month_from_name("2021-1"), None);
    }

    #[test]
    fn a_delivery_for_a_month_after_the_current_one_is_refused() {
        // The current month itself may be delivered (an early extract), the next not.
        let now = month(2024, 6);
        assert!(folder_month_at(Path::new("inbox/2024-06"), now).is_ok());
        let err = folder_month_at(Path::new("inbox/2024-07"), now).unwrap_err();
        assert!(matches!(err, IngestError::FutureMonth { .. }), "{err}");
        let text = err.to_string();
        assert!(
            text.contains("inbox/2024-07")
                && text.contains("2024-07")
                && text.contains("(2024-06)"),
            "{text}"
        );
        // Against today's month in Denmark.
        let err = folder_month(Path::new("inbox/2031-01")).unwrap_err();
        assert!(matches!(err, IngestError::FutureMonth { .. }), "{err}");
        assert!(folder_month(Path::new("inbox/2024-03")).is_ok());
    }

    #[test]
    fn a_month_attempt_in_the_inbox_refuses_the_whole_listing() {
        let now = month(2024, 6);
        for bad in ["2021-1", "+2021-01", "2021-13", "2021-01x", "2024-07"] {
            let tmp = tempfile::tempdir().unwrap();
            for name in ["2024-01", "2024-02", "arkiv", bad] {
                std::fs::create_dir(tmp.path().join(name)).unwrap();
            }
            let err = delivery_folders_at(tmp.path(), now).unwrap_err();
            assert!(err.to_string().contains(bad), "{bad}: {err}");
        }
        // Folders and files that do not try to be months are left alone.
        let tmp = tempfile::tempdir().unwrap();
        for name in ["2024-02", "2024-01", "arkiv", ".skjult"] {
            std::fs::create_dir(tmp.path().join(name)).unwrap();
        }
        std::fs::write(tmp.path().join("2024-03.zip"), "").unwrap();
        std::fs::write(tmp.path().join("LÆS MIG.txt"), "").unwrap();
        let months: Vec<NaiveDate> = delivery_folders_at(tmp.path(), now)
            .unwrap()
            .into_iter()
            .map(|(m, _)| m)
            .collect();
        assert_eq!(months, vec![month(2024, 1), month(2024, 2)]);
    }

    #[cfg(unix)]
    #[test]
    fn a_delivery_folder_that_is_a_symbolic_link_is_refused() {
        let now = month(2024, 6);
        let tmp = tempfile::tempdir().unwrap();
        let elsewhere = tmp.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        let inbox = tmp.path().join("inbox");
        std::fs::create_dir_all(inbox.join("2024-01")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, inbox.join("2024-02")).unwrap();
        let err = delivery_folders_at(&inbox, now).unwrap_err();
        assert!(matches!(err, IngestError::SymlinkFolder(_)), "{err}");
        assert!(err.to_string().contains("2024-02"), "{err}");
        for dir in [inbox.join("2024-02"), inbox.join("2024-02/")] {
            let err = folder_month_at(&dir, now).unwrap_err();
            assert!(matches!(err, IngestError::SymlinkFolder(_)), "{err}");
        }
        // A link to a folder is refused whatever its name; a link to a file
        // that does not try to be a month is never followed, so it may stay.
        std::fs::remove_file(inbox.join("2024-02")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, inbox.join("seneste")).unwrap();
        assert!(matches!(
            delivery_folders_at(&inbox, now),
            Err(IngestError::SymlinkFolder(_))
        ));
        std::fs::remove_file(inbox.join("seneste")).unwrap();
        std::fs::write(tmp.path().join("note.txt"), "").unwrap();
        std::os::unix::fs::symlink(tmp.path().join("note.txt"), inbox.join("note.txt")).unwrap();
        assert_eq!(delivery_folders_at(&inbox, now).unwrap().len(), 1);
    }
}

/// A file read and checked, ready to append.
struct ParsedFile {
    extract: &'static Extract,
    checksum: String,
    /// The path, as errors name it.
    file: String,
    /// The file's name in the delivery (`status.csv` or `status.parquet`).
    file_name: String,
    /// The good rows, in raw-table order (without the batch id).
    columns: columns::Columns,
    /// The file line of each row in `columns`.
    lines: Vec<u64>,
    /// The CPR's first six digits (the birth date) of each row in `columns`, so a
    /// row refused later can still be named with its masked CPR.
    cpr_heads: Vec<[u8; 6]>,
    /// Rows refused while reading.
    bad_lines: usize,
    /// The citizen each row names (its pseudonym as a number, from
    /// `parse_value`), so the writer's reference check compares numbers
    /// (`ledger::check_references`).
    person_keys: Vec<u128>,
}

/// A row to set aside: its index in the file's good rows, the value to name
/// (`None`: the row's masked CPR) and the reason.
pub(super) type Refused = (usize, Option<String>, String);

impl ParsedFile {
    fn len(&self) -> usize {
        self.columns.len()
    }

    /// Removes the `refused` rows (in row order), quarantining each.
    fn remove(
        &mut self,
        errors: &mut Vec<RowError>,
        column: &str,
        refused: Vec<Refused>,
    ) -> Result<(), String> {
        // Nearly always every row stays: the millions of rows of a national load
        // are only copied when some must go.
        if refused.is_empty() {
            return Ok(());
        }
        let mut keep = vec![true; self.len()];
        for (row, value, reason) in refused {
            keep[row] = false;
            let head = self.cpr_heads[row];
            let value = value.map_or_else(
                || format!("{}-****", String::from_utf8_lossy(&head)),
                |v| parse::scrub_cpr(&v),
            );
            self.bad_lines += 1;
            errors.push(RowError {
                file: self.file.clone(),
                line: self.lines[row],
                column: column.into(),
                value,
                reason,
            });
        }
        self.columns
            .retain(&duckdb::arrow::array::BooleanArray::from(keep.clone()))?;
        let mut kept = keep.iter();
        self.lines.retain(|_| *kept.next().unwrap_or(&false));
        let mut kept = keep.iter();
        self.cpr_heads.retain(|_| *kept.next().unwrap_or(&false));
        let mut kept = keep.iter();
        self.person_keys.retain(|_| *kept.next().unwrap_or(&false));
        Ok(())
    }
}

/// Loads one delivery folder. Every file is read and checked before anything is
/// written; the write is one transaction. Missing register history only warns
/// here (the small hand-written deliveries of the tests carry none); the
/// pipeline and `jobcockpit ingest` call [`load`] with the configured threshold.
pub fn load_batch(
    store: &Store,
    dir: &Path,
    pseudo: &Pseudonymiser,
    max_bad_share: f64,
) -> Result<LoadReport, IngestError> {
    load(
        store,
        dir,
        pseudo,
        &LoadOptions {
            max_bad_share,
            max_incomplete_history_share: 1.0,
            dry_run: false,
            progress: &NoProgress,
        },
    )
}

/// Reads and checks a delivery exactly as [`load_batch`] does, and reports what
/// would be loaded and quarantined, without writing anything.
pub fn dry_run(
    store: &Store,
    dir: &Path,
    pseudo: &Pseudonymiser,
    max_bad_share: f64,
) -> Result<LoadReport, IngestError> {
    load(
        store,
        dir,
        pseudo,
        &LoadOptions {
            max_bad_share,
            max_incomplete_history_share: 1.0,
            dry_run: true,
            progress: &NoProgress,
        },
    )
}

/// Reads, checks and (unless a dry run) loads one delivery folder.
pub fn load(
    store: &Store,
    dir: &Path,
    pseudo: &Pseudonymiser,
    opts: &LoadOptions<'_>,
) -> Result<LoadReport, IngestError> {
    let read = read_delivery(dir, pseudo, opts.progress)?;
    finish_load(store, read, opts, &mut ledger::KnownCache::default())
}

/// Loads delivery folders in order, reading and checking the next month's files
/// on a second thread while the current month is written: the files of one
/// month do not depend on the store, only the reference check and the write do.
/// Calls `report` after each month and stops at the first error or when it
/// returns false. Not for dry runs (a dry run of a later month needs the earlier
/// month loaded).
pub fn load_many(
    store: &Store,
    dirs: &[PathBuf],
    pseudo: &Pseudonymiser,
    opts: &LoadOptions<'_>,
    mut report: impl FnMut(&Path, &LoadReport) -> bool,
) -> Result<(), IngestError> {
    let load_opts = LoadOptions {
        max_bad_share: opts.max_bad_share,
        max_incomplete_history_share: opts.max_incomplete_history_share,
        dry_run: false,
        progress: opts.progress,
    };
    let db = |source| IngestError::Db {
        dir: dirs.first().cloned().unwrap_or_default(),
        source,
    };
    let threshold = BulkCheckpoints::begin(store).map_err(db)?;
    let loaded = load_in_order(store, dirs, pseudo, opts, &load_opts, &mut report);
    // Fold the months into the file now, whether or not a later month failed:
    // what was committed stays committed.
    let folded = threshold.end(store);
    loaded.and(folded)
}

/// DuckDB checkpoints (writes the WAL's rows into the file, rewriting each
/// table's last, partly filled row group) whenever the WAL passes 16 MiB. A
/// national month passes that every time, and checkpointing after each month
/// cost a quarter of a national load (README, "Benchmark: national-scale
/// ingest"). While several months load, it waits until the WAL holds
/// [`BULK_CHECKPOINT_THRESHOLD`], then once more at the end. Every month is
/// still its own committed transaction, durable in the WAL.
struct BulkCheckpoints {
    previous: String,
}

const BULK_CHECKPOINT_THRESHOLD: &str = "256MB";

/// The start of DuckDB's message when it declines a checkpoint because another
/// write transaction is active (`DuckTransactionManager::Checkpoint`, DuckDB 1.2).
const CHECKPOINT_DECLINED: &str = "Cannot CHECKPOINT: there are other write transactions active";

impl BulkCheckpoints {
    fn begin(store: &Store) -> Result<BulkCheckpoints, duckdb::Error> {
        let conn = store.lock();
        let previous: String =
            conn.query_row("select current_setting('checkpoint_threshold')", [], |r| {
                r.get(0)
            })?;
        conn.execute("set checkpoint_threshold = ?", [BULK_CHECKPOINT_THRESHOLD])?;
        Ok(BulkCheckpoints { previous })
    }

    /// A failed checkpoint is an error (a full disk, say: DuckDB then
    /// invalidates the open database, and the command must not exit 0), except
    /// when DuckDB declines because another connection has a write transaction
    /// open: nothing failed, the rows are safe in the WAL, and the next
    /// checkpoint folds them in.
    fn end(self, store: &Store) -> Result<(), IngestError> {
        let conn = store.lock();
        let checkpoint = |source| IngestError::Checkpoint(source);
        conn.execute("set checkpoint_threshold = ?", [self.previous.as_str()])
            .map_err(checkpoint)?;
        match conn.execute_batch("checkpoint") {
            Err(e) if e.to_string().contains(CHECKPOINT_DECLINED) => {
                tracing::warn!(error = %e, "checkpoint efter indlæsningen blev udskudt");
                Ok(())
            }
            r => r.map_err(checkpoint),
        }
    }
}

fn load_in_order(
    store: &Store,
    dirs: &[PathBuf],
    pseudo: &Pseudonymiser,
    opts: &LoadOptions<'_>,
    load_opts: &LoadOptions<'_>,
    report: &mut impl FnMut(&Path, &LoadReport) -> bool,
) -> Result<(), IngestError> {
    std::thread::scope(|scope| {
        // A rendezvous channel: the reader holds at most one checked month while
        // the writer loads another, so memory holds two months, not three.
        let (tx, rx) = std::sync::mpsc::sync_channel(0);
        scope.spawn(move || {
            for dir in dirs {
                let read = read_delivery(dir, pseudo, opts.progress);
                let failed = read.is_err();
                if tx.send((dir, read)).is_err() || failed {
                    break;
                }
            }
        });
        let mut known = ledger::KnownCache::default();
        for (dir, read) in rx {
            let r = finish_load(store, read?, load_opts, &mut known)?;
            if !report(dir, &r) {
                break;
            }
        }
        Ok(())
    })
}

/// A delivery's files read and checked, before the store is consulted.
struct ReadDelivery<'a> {
    dir: &'a Path,
    month: NaiveDate,
    parsed: Vec<ParsedFile>,
    errors: Vec<RowError>,
    started: std::time::Instant,
}

fn read_delivery<'a>(
    dir: &'a Path,
    pseudo: &Pseudonymiser,
    progress: &dyn Progress,
) -> Result<ReadDelivery<'a>, IngestError> {
    let started = std::time::Instant::now();
    let month = folder_month(dir)?;
    let month_end = last_day(month);
    refuse_links(dir)?;
    let mut parsed = Vec::new();
    let mut errors = Vec::new();
    for extract in extracts::ALL {
        parsed.push(read::parse_file(
            dir,
            extract,
            month_end,
            pseudo,
            &mut errors,
            progress,
        )?);
    }
    Ok(ReadDelivery {
        dir,
        month,
        parsed,
        errors,
        started,
    })
}

/// Refuses a delivery folder holding a symbolic link, whatever its name: a link
/// named like the receipt would have the receipt written through it (a link
/// `indlaest.txt -> ../../keys/store.key` overwrote the store key), a link
/// named like an extract would be read.
fn refuse_links(dir: &Path) -> Result<(), IngestError> {
    let entries = std::fs::read_dir(dir).map_err(|source| IngestError::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| IngestError::Read {
            path: dir.to_path_buf(),
            source,
        })?;
        let is_link = entry
            .file_type()
            .map_err(|source| IngestError::Read {
                path: entry.path(),
                source,
            })?
            .is_symlink();
        if is_link {
            return Err(IngestError::File(RowError {
                file: entry.path().display().to_string(),
                line: 0,
                column: String::new(),
                value: String::new(),
                reason: open::SYMLINK_REASON.into(),
            }));
        }
    }
    Ok(())
}

fn finish_load(
    store: &Store,
    read: ReadDelivery<'_>,
    opts: &LoadOptions<'_>,
    known: &mut ledger::KnownCache,
) -> Result<LoadReport, IngestError> {
    let ReadDelivery {
        dir,
        month,
        mut parsed,
        mut errors,
        started,
    } = read;
    let batch_id = batch_id(&parsed);
    let conn = store.lock();
    let db = |source| IngestError::Db {
        dir: dir.to_path_buf(),
        source,
    };
    let mut report = LoadReport {
        batch_id: batch_id.clone(),
        month,
        already_loaded: false,
        superseded_by: None,
        supersedes: None,
        rows: Vec::new(),
        quarantined: Vec::new(),
        files: parsed
            .iter()
            .map(|p| (p.file_name.clone(), p.checksum.clone()))
            .collect(),
        warnings: Vec::new(),
    };
    if let Some(superseded_by) = ledger::loaded_before(&conn, &batch_id).map_err(db)? {
        report.already_loaded = true;
        // The files' rows are not what the store holds for the month (rows
        // refused when it was loaded are in them), so the cache is read again.
        known.forget();
        report.superseded_by = superseded_by;
        report.rows = row_counts(&parsed);
        return Ok(report);
    }
    let known_citizens =
        ledger::check_references(&conn, month, &mut parsed, &mut errors, known).map_err(db)?;
    check_status_delivered(dir, month, &parsed, &known_citizens)?;
    report.warnings.extend(check_history(
        dir,
        month,
        &known_citizens.history,
        opts.max_incomplete_history_share,
    )?);
    let bad: usize = parsed.iter().map(|p| p.bad_lines).sum();
    let good: usize = parsed.iter().map(ParsedFile::len).sum();
    if bad + good == 0 {
        return Err(IngestError::EmptyDelivery(dir.to_path_buf()));
    }
    let share = bad as f64 / (bad + good) as f64;
    if share > opts.max_bad_share || good == 0 {
        let count = errors.len();
        errors.truncate(MAX_REPORTED_ERRORS);
        return Err(IngestError::Rows {
            dir: dir.to_path_buf(),
            count,
            bad_rows: bad,
            total_rows: bad + good,
            errors,
        });
    }
    report.rows = row_counts(&parsed);
    let batch = ledger::Batch {
        batch_id: &batch_id,
        month,
        dir,
        parsed: &parsed,
        quarantined: &errors,
        bad_rows: bad,
        started,
    };
    let written = |e| match e {
        ledger::WriteError::Db(source) => db(source),
        ledger::WriteError::Orphans(rows) => IngestError::CorrectionOrphans {
            dir: dir.to_path_buf(),
            month,
            rows,
        },
    };
    if opts.dry_run {
        report.supersedes = ledger::current_batch(&conn, month).map_err(db)?;
        // Whether a correction orphans later rows is only known with it in
        // place: written and rolled back, so the dry run refuses what the load would.
        if report.supersedes.is_some() {
            ledger::try_batch(&conn, &batch).map_err(written)?;
        }
        report.quarantined = errors;
        return Ok(report);
    }
    report.supersedes = ledger::write_batch(&conn, &batch).map_err(written)?;
    known.loaded(month, citizen_keys(&parsed), spell_ids(&parsed));
    report.quarantined = errors;
    Ok(report)
}

/// The citizens of a delivery's (good) citizen rows, as pseudonym numbers.
fn citizen_keys(parsed: &[ParsedFile]) -> impl Iterator<Item = u128> + '_ {
    parsed
        .iter()
        .filter(|p| p.extract.id == extracts::CITIZENS.id)
        .flat_map(|p| p.person_keys.iter().copied())
}

/// The ids of a delivery's (good) spell rows.
fn spell_ids(parsed: &[ParsedFile]) -> impl Iterator<Item = &str> {
    parsed
        .iter()
        .filter(|p| p.extract.id == extracts::SPELLS.id)
        .filter_map(|p| p.columns.text(0))
        .flat_map(|ids| ids.iter().flatten())
}

fn row_counts(parsed: &[ParsedFile]) -> Vec<(&'static str, usize)> {
    parsed.iter().map(|p| (p.extract.id, p.len())).collect()
}

/// How many citizens without status a refusal names.
const MAX_NAMED_WITHOUT_STATUS: usize = 5;

/// `status.csv` carries a row for every known citizen every month
/// (docs/extracts.md), so a known citizen without a row for the month means the
/// file was cut off or is still being written; loading it would lose the rest.
/// A status row refused as bad may be the missing citizen's, so the delivery is
/// refused only when more citizens lack a status than rows were refused.
fn check_status_delivered(
    dir: &Path,
    month: NaiveDate,
    parsed: &[ParsedFile],
    known: &ledger::KnownCitizens,
) -> Result<(), IngestError> {
    let Some(status) = parsed.iter().find(|p| p.extract.id == extracts::STATUS.id) else {
        return Ok(());
    };
    // The plainer message for the plainest case: a file with only its header.
    if status.columns.is_empty() && status.bad_lines == 0 && known.count > 0 {
        return Err(IngestError::File(RowError {
            file: status.file.clone(),
            line: 1,
            column: String::new(),
            value: String::new(),
            reason: format!(
                "filen har kun overskriften, men {} borgere er kendt, og status leveres for hver kendt borger hver måned",
                known.count
            ),
        }));
    }
    let without = known.earlier_without_status + known.new_without_status.len();
    if without <= status.bad_lines {
        return Ok(());
    }
    let reason = format!(
        "borgeren har ingen status for {} i {}",
        month.format(extracts::DATE_FORMAT),
        status.file_name
    );
    let mut examples = Vec::new();
    if let Some(citizens) = parsed
        .iter()
        .find(|p| p.extract.id == extracts::CITIZENS.id)
    {
        for (row, key) in citizens.person_keys.iter().enumerate() {
            if examples.len() == MAX_NAMED_WITHOUT_STATUS {
                break;
            }
            if known.new_without_status.binary_search(key).is_ok() {
                examples.push(RowError {
                    file: citizens.file.clone(),
                    line: citizens.lines[row],
                    column: "cpr".into(),
                    value: format!("{}-****", String::from_utf8_lossy(&citizens.cpr_heads[row])),
                    reason: reason.clone(),
                });
            }
        }
    }
    Err(IngestError::StatusIncomplete(MissingStatus {
        dir: dir.to_path_buf(),
        file: status.file.clone(),
        month,
        known: known.count,
        earlier: known.earlier_without_status,
        new: known.new_without_status.len(),
        refused: status.bad_lines,
        examples,
    }))
}

/// New citizens' register history (docs/extracts.md, "Registerhistorik ved
/// første kontakt"): a warning with the counts when some lack history months,
/// the delivery refused when more than the contract's share do.
fn check_history(
    dir: &Path,
    month: NaiveDate,
    gaps: &ledger::HistoryGaps,
    max_share: f64,
) -> Result<Option<String>, IngestError> {
    if gaps.incomplete == 0 {
        return Ok(None);
    }
    let share = gaps.incomplete as f64 / gaps.new_citizens.max(1) as f64;
    if share > max_share {
        return Err(IngestError::HistoryIncomplete {
            dir: dir.to_path_buf(),
            month,
            max_share,
            new_citizens: gaps.new_citizens,
            incomplete: gaps.incomplete,
            missing_months: gaps.missing_months,
        });
    }
    let warning = format!(
        "{} af {} nye borgere mangler registerhistorik ({} måneder i alt af de {} før {}); deres historik tæller kun de leverede måneder",
        gaps.incomplete,
        gaps.new_citizens,
        gaps.missing_months,
        extracts::HISTORY_MONTHS,
        month.format("%m-%Y")
    );
    tracing::warn!(month = %month, incomplete = gaps.incomplete, "{warning}");
    Ok(Some(warning))
}

/// A batch is identified by the checksums of its files.
fn batch_id(parsed: &[ParsedFile]) -> String {
    let mut h = Sha256::new();
    for p in parsed {
        h.update(p.file_name.as_bytes());
        h.update(p.checksum.as_bytes());
    }
    hex::encode(&h.finalize()[..12])
}

/// The receipt left in a delivery folder whose files were deleted after loading.
pub const RECEIPT_FILE: &str = "indlaest.txt";

/// What [`remove_loaded_delivery`] did.
#[derive(Debug, Default, PartialEq)]
pub struct Removal {
    /// Files deleted.
    pub deleted: Vec<String>,
    /// Files kept because they are not the ones loaded (changed since).
    pub kept: Vec<String>,
}

/// Deletes the extract files of a loaded delivery (they hold raw CPR numbers)
/// and leaves a receipt naming the batch and the files. Call only after the
/// load committed. A file whose SHA-256 is not the one loaded (a correction
/// dropped in meanwhile) is kept and named. Deleting does not wipe the blocks
/// on the disk; docs/security.md says what protects those.
pub fn remove_loaded_delivery(dir: &Path, load: &LoadReport) -> Result<Removal, IngestError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| IngestError::Read { path, source }
    };
    let mut removal = Removal::default();
    let mut sizes = Vec::new();
    for extract in extracts::ALL {
        for name in [extract.file.to_string(), extract.parquet_file()] {
            let path = dir.join(&name);
            if !open::present(&path)? {
                continue;
            }
            // Never through a link: a link (or anything but a regular file)
            // put there after the load is kept and named, not followed.
            let Ok((file, meta)) = open::open_regular(&path) else {
                removal.kept.push(name);
                continue;
            };
            let mut hasher = Sha256::new();
            std::io::copy(&mut std::io::Read::take(&file, meta.len()), &mut hasher)
                .map_err(io(&path))?;
            let checksum = hex::encode(hasher.finalize());
            if load.files.iter().any(|(n, c)| *n == name && *c == checksum) {
                std::fs::remove_file(&path).map_err(io(&path))?;
                sizes.push((name.clone(), meta.len()));
                removal.deleted.push(name);
            } else {
                removal.kept.push(name);
            }
        }
    }
    if removal.deleted.is_empty() {
        return Ok(removal);
    }
    let mut receipt = format!(
        "Leveringen for {} er indlæst som batch {}{}.\n\
         Filerne er slettet efter indlæsningen, fordi de indeholder CPR-numre; rækkerne\n\
         findes i databasen med pseudonymer, og filernes SHA-256 står i load_batches.\n\
         Slettede filer (bytes):\n",
        load.month.format("%Y-%m"),
        load.batch_id,
        match &load.superseded_by {
            Some(newer) => format!(" (siden erstattet af batch {newer})"),
            None => String::new(),
        },
    );
    for (name, size) in &sizes {
        receipt.push_str(&format!("  {name}  {size}\n"));
    }
    for name in &removal.kept {
        receipt.push_str(&format!(
            "Beholdt, fordi indholdet ikke er det indlæste (ny levering?): {name}\n"
        ));
    }
    let receipt_path = dir.join(RECEIPT_FILE);
    write_receipt(dir, &receipt).map_err(io(&receipt_path))?;
    Ok(removal)
}

/// Writes the receipt without following a link: into a new file (`O_EXCL`
/// creates, never opens an existing file or link) that is then renamed over
/// `indlaest.txt`. A rename replaces a link itself, not what it points to.
fn write_receipt(dir: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = dir.join(format!(".{RECEIPT_FILE}.{}", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .and_then(|mut f| f.write_all(text.as_bytes()));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, dir.join(RECEIPT_FILE)).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Whether `dir` holds none of the contract's files (after they were deleted
/// once loaded, for instance).
pub fn holds_no_delivery_files(dir: &Path) -> bool {
    let absent = |p: PathBuf| std::fs::symlink_metadata(p).is_err();
    extracts::ALL
        .iter()
        .all(|e| absent(dir.join(e.file)) && absent(dir.join(e.parquet_file())))
}

/// Finishes a removal that a crash cut short: the month's batch is in force, the
/// folder has no receipt, some of the batch's files are gone and every file still
/// there is byte for byte one the batch loaded. Then the rest is deleted and the
/// receipt written, as the load would have done; `None` if the folder is anything
/// else (a new or corrected delivery is loaded as usual).
pub fn finish_interrupted_removal(
    store: &Store,
    dir: &Path,
    month: NaiveDate,
) -> Result<Option<Removal>, IngestError> {
    if open::present(&dir.join(RECEIPT_FILE))? {
        return Ok(None);
    }
    let batch = {
        let conn = store.lock();
        ledger::current_batch_files(&conn, month).map_err(|source| IngestError::Db {
            dir: dir.to_path_buf(),
            source,
        })?
    };
    let Some((batch_id, files)) = batch else {
        return Ok(None);
    };
    let mut present = 0;
    for (name, checksum) in &files {
        let path = dir.join(name);
        if !open::present(&path)? {
            continue;
        }
        let Ok((file, meta)) = open::open_regular(&path) else {
            return Ok(None);
        };
        let mut hasher = Sha256::new();
        std::io::copy(&mut std::io::Read::take(&file, meta.len()), &mut hasher).map_err(
            |source| IngestError::Read {
                path: path.clone(),
                source,
            },
        )?;
        if hex::encode(hasher.finalize()) != *checksum {
            return Ok(None);
        }
        present += 1;
    }
    let others = extracts::ALL.iter().any(|e| {
        [e.file.to_string(), e.parquet_file()]
            .iter()
            .any(|n| !files.iter().any(|(f, _)| f == n) && dir.join(n).exists())
    });
    if present == 0 || present == files.len() || others {
        return Ok(None);
    }
    let load = LoadReport {
        batch_id,
        month,
        already_loaded: true,
        superseded_by: None,
        supersedes: None,
        rows: Vec::new(),
        quarantined: Vec::new(),
        files,
        warnings: Vec::new(),
    };
    remove_loaded_delivery(dir, &load).map(Some)
}

/// Whether a batch for `month` is in force in the store.
pub fn month_loaded(store: &Store, month: NaiveDate) -> Result<bool, IngestError> {
    let conn = store.lock();
    ledger::current_batch(&conn, month)
        .map(|b| b.is_some())
        .map_err(|source| IngestError::Db {
            dir: PathBuf::new(),
            source,
        })
}

/// The last day of the month of `d`.
pub fn last_day(d: NaiveDate) -> NaiveDate {
    let first = d.with_day(1).expect("day 1 exists");
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .expect("date in range");
    next.pred_opt().expect("date in range")
}
