//! The command line: parsing with clap and one function per verb, and the exit
//! codes scripts rely on ([`exit_code`], listed in `--help` and the README).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};

use crate::app::{self, App, AppError};
use crate::config::{DataDir, Settings};
use crate::ingest;
use crate::pipeline::{remove_if_configured, Inbox, MonthFolder};
use crate::synth::{self, SynthConfig};

/// Set once standard output is gone (a reader such as `head -1` closed the
/// pipe): the command goes on with its work, writes nothing more, and exits
/// with the code its work earns. `println!` would panic instead.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

fn write_line(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.write_all(b"\n")) {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
        // A closed pipe is the reader's choice; anything else is worth a line
        // in the log (stderr), once.
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            tracing::warn!(error = %e, "standardoutput kan ikke skrives; kommandoen fortsætter uden");
        }
    }
}

/// `println!` for the command line's output, without the panic on a closed
/// stdout ([`write_line`]).
macro_rules! say {
    ($($arg:tt)*) => {
        write_line(format_args!($($arg)*))
    };
}

#[derive(Debug, Parser)]
#[command(
    name = "jobcockpit",
    version,
    about = "Forudsigelse og opfølgning af langtidsledighed for jobcentre",
    after_help = EXIT_CODES_HELP
)]
pub struct Cli {
    /// Konfigurationsfil (TOML); ellers standardværdier og JOBCOCKPIT_*-miljøvariabler.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

/// `jobcockpit model ...`.
#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Genberegner en modelversion og sammenligner artefaktfilen byte for byte.
    Verify {
        /// Versionen, fx 2024-06-1a2b3c4d (se modelkortet eller siden Drift og model).
        version: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Opretter datamappen og en pseudonymiseringsnøgle (0600), hvis ingen findes.
    Init,
    /// Skriver syntetiske månedsudtræk for en kommune.
    Synth {
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        synth: SynthArgs,
    },
    /// Indlæser én månedslevering (mappe ÅÅÅÅ-MM) eller alle leveringer i en mappe.
    ///
    /// Hver fil leveres som <udtræk>.csv eller <udtræk>.parquet. En levering, der
    /// allerede er indlæst (samme filer), indlæses ikke igen; en ny levering for en
    /// måned, der allerede er indlæst, erstatter hele den måneds tidligere levering.
    #[command(after_help = EXIT_CODES_HELP)]
    Ingest {
        dir: PathBuf,
        /// Kontrollér og vis rapporten uden at indlæse noget.
        #[arg(long)]
        dry_run: bool,
    },
    /// Kører månedspipelinen for én måned (standard: som planen, forrige måned).
    #[command(after_help = EXIT_CODES_HELP)]
    Run {
        #[arg(long, value_parser = parse_month)]
        month: Option<NaiveDate>,
        /// Kør også en måned, der ligger før den seneste gennemførte kørsel (cockpittet
        /// viser derefter den måned, indtil næste kørsel; brug hellere backfill).
        #[arg(long)]
        force: bool,
    },
    /// Kører pipelinen for hver leveret måned i rækkefølge.
    Backfill,
    /// Modellen: `verify VERSION` genberegner en registreret version ud fra de
    /// leverancer, der var gældende i dens kørselsmåned, og kontrollerer artefaktfilen
    /// byte for byte. Databasen ændres ikke. Kør den, mens serveren er stoppet.
    #[command(after_help = EXIT_CODES_HELP)]
    Model {
        #[command(subcommand)]
        command: ModelCommand,
    },
    /// Danner månedsrapporten til udvalget (HTML, PDF og regneark) for en måned igen.
    ///
    /// Af tabellerne, når den seneste kørsel var for måneden; ellers af det grundlag,
    /// arkivet gemte, da rapporten blev dannet første gang, så den bliver den samme,
    /// byte for byte. Filerne lægges i <datamappe>/reports/ÅÅÅÅ-MM/.
    #[command(after_help = EXIT_CODES_HELP)]
    Report {
        #[arg(long, value_parser = parse_month)]
        month: NaiveDate,
    },
    /// Danner månedens dokumentation til AI-forordningen og databeskyttelsesforordningen
    /// (teknisk dokumentation, brugsanvisning, konsekvensanalyser) igen.
    ///
    /// Som rapporten: af tabellerne, når den seneste kørsel var for måneden; ellers af
    /// det grundlag, arkivet gemte, byte for byte. Uden --month: den måned, tabellerne
    /// er bygget for. Filerne lægges i <datamappe>/dokumentation/ÅÅÅÅ-MM/.
    #[command(after_help = EXIT_CODES_HELP)]
    Dokumentation {
        #[arg(long, value_parser = parse_month)]
        month: Option<NaiveDate>,
    },
    /// Udlæser kørselsloggen og revisionsloggen for en periode som CSV (semikolon,
    /// UTF-8) med resultatet af en fuld kontrol af revisionsloggens hashkæde
    /// (AI-forordningens art. 12 og 26, stk. 6). Kør den, mens serveren er stoppet.
    #[command(after_help = EXIT_CODES_HELP)]
    Logeksport {
        /// Første dag (ÅÅÅÅ-MM-DD).
        #[arg(long)]
        fra: NaiveDate,
        /// Sidste dag (ÅÅÅÅ-MM-DD), medregnet.
        #[arg(long)]
        til: NaiveDate,
        /// Mappen, filerne skrives i.
        #[arg(long, default_value = ".")]
        ud: std::path::PathBuf,
    },
    /// Starter cockpittet og den månedlige plan.
    Serve,
    /// Brugere af cockpittet: add, disable, enable, role, reset-password, list.
    ///
    /// Er serveren stoppet, åbnes databasen direkte; kører den, sender kommandoen
    /// ændringen til serveren, som gennemfører den (og logger den) på samme måde.
    User {
        #[command(subcommand)]
        command: crate::access::command::UserCommand,
        /// Den kørende servers adresse (standard: bind-adressen fra konfigurationen).
        #[arg(long, global = true)]
        server: Option<String>,
    },
    /// Borgerens rettigheder: indsigt (PDF, JSON, CSV), indsigelse mod profilering og
    /// dens ophævelse, sletning af én borger. CPR-nummeret læses fra terminalen eller
    /// stdin, aldrig fra argumenterne. Kør dem, mens serveren er stoppet.
    Borger {
        #[command(subcommand)]
        command: crate::citizen::command::BorgerCommand,
    },
    /// Tager en krypteret sikkerhedskopi af databasen og datamappens øvrige filer (ikke nøglerne).
    ///
    /// Kører serveren, beder kommandoen den om kopien (et sammenhængende øjebliksbillede,
    /// mens den arbejder videre); ellers åbnes databasen direkte. Kopien er krypteret
    /// med databasenøglen og har et manifest med kontrolsum.
    Backup {
        /// Filen, kopien skrives til (må ikke findes).
        #[arg(long)]
        out: PathBuf,
        /// Den kørende servers adresse (standard: bind-adressen fra konfigurationen).
        #[arg(long)]
        server: Option<String>,
    },
    /// Gendanner en sikkerhedskopi i en tom datamappe (kun mappen keys/ med nøglerne må ligge der).
    Restore { file: PathBuf },
    /// Syntetiske data, hele historikken gennem pipelinen, og cockpittet på http://127.0.0.1:8080.
    Demo {
        /// Datamappe for demoen; den tømmes og genopbygges.
        #[arg(long, default_value = "demo-data")]
        data_dir: PathBuf,
        #[command(flatten)]
        synth: SynthArgs,
        /// Stop efter backfill i stedet for at starte cockpittet.
        #[arg(long)]
        no_serve: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct SynthArgs {
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    #[arg(long, default_value_t = 6)]
    pub years: u32,
    #[arg(long, default_value_t = 65_000)]
    pub population: u32,
    /// Første måned (ÅÅÅÅ-MM).
    #[arg(long, value_parser = parse_month, default_value = "2019-01")]
    pub start: NaiveDate,
    /// Arbejdsmarkedschok fra denne måned (ÅÅÅÅ-MM).
    #[arg(long, value_parser = parse_month)]
    pub shock: Option<NaiveDate>,
    /// Et distrikt med højere risiko end dets kendetegn forklarer (til retfærdighedstest).
    #[arg(long)]
    pub biased_district: bool,
    /// Andel (procent) af forløb, hvis udfald efter 12 måneder ikke kendes (fraflytning, død, huller i registrene); 0 for ingen.
    #[arg(long, default_value_t = crate::synth::DEFAULT_CENSORED_PERCENT)]
    pub censoring: u8,
}

impl SynthArgs {
    fn config(&self) -> SynthConfig {
        SynthConfig {
            seed: self.seed,
            years: self.years,
            population: self.population,
            start: self.start,
            shock_month: self.shock,
            biased_district: self.biased_district,
            censored_percent: self.censoring,
        }
    }
}

/// The exit codes, as `--help` shows them.
pub const EXIT_CODES_HELP: &str = "Afslutningskoder:
  0  gennemført; også når leveringen allerede var indlæst (intet indlæses to gange)
  1  kørslen eller et af dens trin fejlede
  2  forkert brug: ukendt tilvalg, ugyldig måned, mappe eller konfiguration (mappenavn ikke præcis ÅÅÅÅ-MM, en levering for en måned efter indeværende, en leveringsmappe, der er en symbolsk lænke), eller en kørsel bagud uden --force
  3  leveringen mangler eller blev afvist (fil-, kolonne- eller rækkefejl over grænsen); intet er indlæst
  4  databasen eller en nøgle kan ikke bruges (manglende eller forkert nøgle, rettigheder, databasefejl, et checkpoint efter indlæsningen, der fejlede, fx på en fuld disk)";

/// Exit codes scripts can rely on.
pub mod exit {
    pub const OK: u8 = 0;
    pub const FAILED: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const REJECTED: u8 = 3;
    pub const STORE: u8 = 4;
}

/// The exit code for an error (see [`EXIT_CODES_HELP`]).
pub fn exit_code(e: &AppError) -> u8 {
    use crate::pipeline::PipelineError as P;
    use crate::store::StoreError as S;
    let store = |e: &S| match e {
        S::UnknownMart(_) => exit::FAILED,
        _ => exit::STORE,
    };
    match e {
        AppError::Config(_) => exit::USAGE,
        AppError::Key(_) | AppError::Encryption(_) | AppError::NoKey(_) => exit::STORE,
        AppError::Store(s) => store(s),
        AppError::Report(r) => {
            use crate::report::ReportError as R;
            match r {
                R::NoInputs { .. } => exit::USAGE,
                R::Store(s) => store(s),
                R::Db(_) => exit::STORE,
                _ => exit::FAILED,
            }
        }
        AppError::Access(a) => {
            use crate::access::AccessError as A;
            match a {
                A::Store(s) => store(s),
                A::Db(_) => exit::STORE,
                A::Name(_)
                | A::Role(_)
                | A::Password(_)
                | A::UnknownUser(_)
                | A::UserExists(_)
                | A::LastAdmin
                | A::ReadPassword(_) => exit::USAGE,
                A::AuditStopped(_) => exit::FAILED,
            }
        }
        AppError::Ops(o) => {
            use crate::ops::OpsError as O;
            match o {
                O::Db(_) | O::Encryption(_) | O::Io { .. } => exit::STORE,
                O::Store(s) => store(s),
                O::NotEmpty(_) => exit::USAGE,
                O::BadBackup { .. } | O::Server(_) => exit::FAILED,
            }
        }
        AppError::Citizen(c) => {
            use crate::citizen::CitizenError as C;
            match c {
                C::Refused(_) | C::ReadCpr(_) => exit::USAGE,
                C::Db(_) => exit::STORE,
                C::Store(s) => store(s),
                _ => exit::FAILED,
            }
        }
        AppError::Pipeline(p) => match p {
            P::Ingest(i) if i.is_rejection() => exit::REJECTED,
            P::Ingest(ingest::IngestError::Db { .. } | ingest::IngestError::Checkpoint(_)) => {
                exit::STORE
            }
            P::Ingest(_) | P::Behind { .. } => exit::USAGE,
            P::NoDelivery { .. } => exit::REJECTED,
            P::Store(s) => store(s),
            P::Db(_) => exit::STORE,
            _ => exit::FAILED,
        },
        _ => exit::FAILED,
    }
}

/// Parses `YYYY-MM` into the first day of that month, as strictly as a delivery
/// folder's name ([`ingest::month_from_name`]).
pub fn parse_month(s: &str) -> Result<NaiveDate, String> {
    ingest::month_from_name(s).ok_or_else(|| {
        format!("'{s}' er ikke en måned på formen ÅÅÅÅ-MM (fire cifre, bindestreg, to cifre)")
    })
}

/// Runs a parsed command.
pub async fn run(cli: Cli) -> Result<(), AppError> {
    let settings = Settings::load(cli.config.as_deref())?;
    match cli.command {
        Command::Init => {
            let created = app::init(&settings)?;
            let key = settings.key_path();
            say!(
                "{} {}",
                if created {
                    "Ny nøgle skrevet:"
                } else {
                    "Nøglen findes allerede:"
                },
                key.display()
            );
            print_store_key(&settings);
            Ok(())
        }
        Command::Synth { out, synth } => synth_to(&out, &synth.config()),
        Command::Ingest { dir, dry_run } => {
            blocking("indlæsningen", move || ingest_cmd(settings, &dir, dry_run)).await
        }
        Command::Run { month, force } => {
            blocking("kørslen", move || {
                let app = App::open(settings)?;
                // The month the schedule would run now, as the cockpit's button.
                let month = month.unwrap_or_else(|| {
                    crate::schedule::current_target_month(&app.pipeline.schedule)
                });
                if !force {
                    app.check_not_behind(month)?;
                }
                let r = app.run_month(month, "cli")?;
                print_run(&r);
                Ok(())
            })
            .await
        }
        Command::Backfill => blocking("backfill", move || backfill(&App::open(settings)?)).await,
        Command::Model {
            command: ModelCommand::Verify { version },
        } => blocking("modelkontrollen", move || model_verify(settings, &version)).await,
        Command::Report { month } => {
            blocking("rapporten", move || report_cmd(settings, month)).await
        }
        Command::Dokumentation { month } => {
            blocking("dokumentationen", move || {
                documentation_cmd(settings, month)
            })
            .await
        }
        Command::Logeksport { fra, til, ud } => {
            blocking("logeksporten", move || {
                log_export_cmd(settings, fra, til, &ud)
            })
            .await
        }
        Command::User { command, server } => {
            let done = blocking("brugerkommandoen", move || {
                user_cmd(&settings, command, server.as_deref())
            })
            .await?;
            say!("{done}");
            Ok(())
        }
        Command::Borger { command } => {
            let done = blocking("borgerkommandoen", move || {
                // The number is read before the store is opened: nothing waits on it.
                let typed = crate::citizen::command::read_cpr()?;
                let app = App::open(settings)?;
                let parts = crate::citizen::command::Parts {
                    store: &app.store,
                    pseudonymiser: &app.pseudonymiser,
                    access: &app.access,
                    settings: &app.settings.citizen,
                };
                Ok(crate::citizen::command::run(&parts, command, &typed)?)
            })
            .await?;
            say!("{done}");
            Ok(())
        }
        Command::Backup { out, server } => {
            blocking("sikkerhedskopien", move || {
                backup_cmd(&settings, &out, server.as_deref())
            })
            .await
        }
        Command::Restore { file } => {
            blocking("gendannelsen", move || restore_cmd(&settings, &file)).await
        }
        Command::Serve => {
            let app =
                Arc::new(blocking("åbningen af databasen", move || App::open(settings)).await?);
            serve(app).await
        }
        Command::Demo {
            data_dir,
            synth,
            no_serve,
        } => demo(settings, data_dir, synth.config(), no_serve).await,
    }
}

/// Runs a command's blocking work off the async executor. `what` names the
/// work in the message if it panics, so a failed ingest is not reported as the
/// web server's.
async fn blocking<T: Send + 'static>(
    what: &'static str,
    f: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        let detail = match e.try_into_panic() {
            Ok(panic) => panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "ukendt årsag".into()),
            Err(e) => e.to_string(),
        };
        AppError::Crashed { what, detail }
    })?
}

fn synth_to(out: &Path, cfg: &SynthConfig) -> Result<(), AppError> {
    let started = Instant::now();
    let s = synth::generate(cfg, out).map_err(|e| AppError::Io {
        path: out.display().to_string(),
        source: std::io::Error::other(e.to_string()),
    })?;
    say!(
        "Syntetiske udtræk skrevet til {}: {} måneder, {} borgere, {} forløb, {} samtaler, {} indsatser, {} statusrækker ({:.1} s)",
        out.display(),
        s.months.len(),
        s.citizens,
        s.spells,
        s.interviews,
        s.programmes,
        s.status_rows,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn ingest_cmd(settings: Settings, dir: &Path, dry_run: bool) -> Result<(), AppError> {
    let app = App::open(settings)?;
    let folders = match ingest::folder_month(dir) {
        Ok(month) => vec![(month, dir.to_path_buf())],
        // A name that tries to be a month is a delivery with a bad name (or a
        // future month, or a link), not an inbox to look inside.
        Err(e) if ingest::looks_like_month(dir) => {
            return Err(crate::pipeline::PipelineError::from(e).into())
        }
        Err(_) => Inbox::new(dir)
            .months()
            .map_err(crate::pipeline::PipelineError::from)?,
    };
    if folders.is_empty() {
        return Err(
            crate::pipeline::PipelineError::from(ingest::IngestError::NoDeliveries(
                dir.to_path_buf(),
            ))
            .into(),
        );
    }
    // Folders whose files were deleted after an earlier load: loaded, if the
    // store says so; otherwise they stay in the list and fail with the missing file.
    let mut todo = Vec::new();
    for (month, folder) in folders {
        match MonthFolder::of(&app.store, &folder, month)
            .map_err(crate::pipeline::PipelineError::from)?
        {
            MonthFolder::Loaded(folder) => say!(
                "{}: allerede indlæst; filerne er slettet efter indlæsningen (se {})",
                folder.display(),
                ingest::RECEIPT_FILE
            ),
            // A folder that vanished meanwhile fails in the load with its path.
            MonthFolder::Pending(folder) | MonthFolder::Missing(folder) => todo.push(folder),
        }
    }
    let folders = todo;
    if folders.is_empty() {
        return Ok(());
    }
    let remove = app.settings.remove_loaded_deliveries;
    let bar = ingest::TerminalBar::if_terminal();
    let progress: &dyn ingest::Progress = match &bar {
        Some(b) => b,
        None => &ingest::NoProgress,
    };
    let opts = ingest::LoadOptions {
        max_bad_share: app.pipeline.ingest.max_bad_share,
        max_incomplete_history_share: app.pipeline.ingest.max_incomplete_history_share,
        dry_run,
        progress,
    };
    if !dry_run {
        ingest::load_many(
            &app.store,
            &folders,
            &app.pseudonymiser,
            &opts,
            |folder, r| {
                print_load(folder, r, false);
                // The month is committed: its files with raw CPRs can go. A
                // failure to delete is reported and does not stop the load.
                if let Some(removal) = remove_if_configured(remove, folder, r) {
                    match removal {
                        Ok(done) => {
                            if !done.deleted.is_empty() {
                                say!(
                                    "  {} filer slettet efter indlæsningen ({})",
                                    done.deleted.len(),
                                    ingest::RECEIPT_FILE
                                );
                            }
                            if !done.kept.is_empty() {
                                say!(
                                    "  ADVARSEL: beholdt, fordi indholdet ikke er det indlæste: {}",
                                    done.kept.join(", ")
                                );
                            }
                        }
                        Err(e) => say!("  ADVARSEL: filerne kunne ikke slettes: {e}"),
                    }
                }
                true
            },
        )
        .map_err(crate::pipeline::PipelineError::from)?;
        return Ok(());
    }
    for (i, folder) in folders.iter().enumerate() {
        let r = ingest::load(&app.store, folder, &app.pseudonymiser, &opts)
            .map_err(crate::pipeline::PipelineError::from)?;
        print_load(folder, &r, dry_run);
        // A dry run loads nothing, so a later month, whose rows refer to this
        // month's citizens and spells, cannot be checked until this one is loaded.
        let remaining = folders.len() - i - 1;
        if !r.already_loaded && remaining > 0 {
            say!(
                "{remaining} senere måned(er) kontrolleres først, når denne er indlæst (de henviser til dens borgere og forløb)"
            );
            break;
        }
    }
    Ok(())
}

fn print_load(folder: &Path, r: &ingest::LoadReport, dry_run: bool) {
    if r.already_loaded {
        let later = r
            .superseded_by
            .as_ref()
            .map(|b| format!(" (siden erstattet af batch {b})"))
            .unwrap_or_default();
        say!(
            "{}: batch {} er allerede indlæst{later}; intet indlæst igen",
            folder.display(),
            r.batch_id
        );
        return;
    }
    say!(
        "{}: batch {} {}, {} rækker, {} i karantæne",
        folder.display(),
        r.batch_id,
        if dry_run {
            "kontrolleret (intet indlæst)"
        } else {
            "indlæst"
        },
        r.total_rows(),
        r.quarantined.len()
    );
    if let Some(old) = &r.supersedes {
        say!(
            "  {} batch {} for {} ({} rækker); de gemmes til revision, men bruges ikke længere",
            if dry_run {
                "ville erstatte"
            } else {
                "erstatter"
            },
            old.batch_id,
            r.month.format("%Y-%m"),
            old.rows
        );
    }
    for e in &r.quarantined {
        say!("  karantæne: {e}");
    }
    for w in &r.warnings {
        say!("  advarsel: {w}");
    }
}

fn print_run(r: &crate::pipeline::RunReport) {
    say!("Kørsel {} for {}:", r.run_id, r.month.format("%Y-%m"));
    for s in &r.steps {
        say!(
            "  {:<9} {:>8} rækker {:>7} ms  {}",
            s.step,
            s.rows,
            s.duration_ms,
            s.detail
        );
    }
}

/// `report --month`: regenerates one month's committee report and says whether it
/// came out byte for byte as the one already in the archive.
fn model_verify(settings: Settings, version: &str) -> Result<(), AppError> {
    use crate::model::verify::{verify, Verdict};
    let app = App::open(settings)?;
    say!("Modelversion {version}: genberegnes ud fra leverancerne i dens kørselsmåned …");
    let verdict = verify(
        &app.store.lock(),
        version,
        &app.pipeline,
        &app.policy,
        app.settings.disclosure_k.get(),
        &app.settings.data_dir.models(),
    )?;
    match verdict {
        Verdict::Identical { bytes } => {
            say!("Modelversion {version} er genskabt: artefaktfilen er ens byte for byte ({bytes} byte).");
            Ok(())
        }
        Verdict::Differs { why, .. } => Err(crate::model::ModelError::Unverified(why).into()),
    }
}

fn report_cmd(settings: Settings, month: NaiveDate) -> Result<(), AppError> {
    use crate::report::{self, Layout, ReportContext, Source};
    let app = App::open(settings)?;
    let layout = Layout::load(&app.settings.reports_dir)?;
    let ctx = ReportContext {
        settings: &app.settings,
        pipeline: &app.pipeline,
        layout: &layout,
    };
    let w = report::regenerate(&app.store.lock(), &ctx, month)?;
    let from = match w.source {
        Source::Marts => "tabellerne fra kørslen for måneden",
        Source::Archive => "det grundlag, arkivet gemte",
    };
    say!(
        "Rapporten for {} er dannet af {from}:",
        month.format("%Y-%m")
    );
    for f in &w.files {
        say!("  {}", f.display());
    }
    match w.same_as_before {
        Some(true) => say!("Filerne er byte for byte de samme som dem, arkivet havde."),
        Some(false) => say!("Filerne afviger fra dem, arkivet havde (data, tekster eller skabeloner er ændret); de nye er gemt."),
        None => {}
    }
    Ok(())
}

/// `dokumentation [--month]`: the month's accountability documents again.
fn documentation_cmd(settings: Settings, month: Option<NaiveDate>) -> Result<(), AppError> {
    use crate::documentation::{self, DocContext, Layout, Source};
    let app = App::open(settings)?;
    let layout = Layout::load(&app.settings.reports_dir)?;
    let ctx = DocContext {
        settings: &app.settings,
        pipeline: &app.pipeline,
        policy: &app.policy,
        layout: &layout,
    };
    let conn = app.store.lock();
    let month = match month {
        Some(m) => m,
        None => crate::report::inputs::marts_month(&conn)?.ok_or_else(|| {
            crate::documentation::DocError::NoInputs {
                month: "seneste måned".into(),
                built: "ingen måned".into(),
            }
        })?,
    };
    let w = documentation::regenerate(&conn, &ctx, month)?;
    let from = match w.source {
        Source::Marts => "tabellerne fra kørslen for måneden",
        Source::Archive => "det grundlag, arkivet gemte",
    };
    say!(
        "Dokumentationen for {} er dannet af {from}:",
        month.format("%Y-%m")
    );
    for f in &w.files {
        say!("  {}", f.display());
    }
    match w.same_as_before {
        Some(true) => say!("Filerne er byte for byte de samme som dem, arkivet havde."),
        Some(false) => say!("Filerne afviger fra dem, arkivet havde (data, tekster eller skabeloner er ændret); de nye er gemt."),
        None => {}
    }
    Ok(())
}

/// `logeksport --fra --til --ud`: the run and audit logs of a period as CSV.
fn log_export_cmd(
    settings: Settings,
    from: NaiveDate,
    to: NaiveDate,
    out: &std::path::Path,
) -> Result<(), AppError> {
    let app = App::open(settings)?;
    let export = crate::documentation::logs::export(
        &app.store,
        app.access.audit(),
        from,
        to,
        app.settings.access.log_retention_months,
    )?;
    for (name, bytes) in &export.files {
        let path = out.join(name);
        std::fs::write(&path, bytes).map_err(crate::documentation::DocError::io(&path))?;
        say!("  {}", path.display());
    }
    say!(
        "{} rækker fra kørselsloggen og {} fra revisionsloggen; revisionsloggens hashkæde er {}.",
        export.run_rows,
        export.audit_rows,
        if export.chain_intact {
            "intakt"
        } else {
            "BRUDT"
        }
    );
    Ok(())
}

/// Whether opening the store failed because another process (the server) holds it.
fn held_by_another_process(e: &crate::store::StoreError) -> bool {
    let text = e.to_string();
    text.contains("Could not set lock") || text.contains("Conflicting lock")
}

/// `user …`: on the store directly when it is free, else through the running
/// server (DuckDB has one writer), which applies the same change.
fn user_cmd(
    settings: &Settings,
    command: crate::access::command::UserCommand,
    server: Option<&str>,
) -> Result<String, AppError> {
    use crate::access::command::{self, UserChange};
    use crate::access::AccessError;
    let change = UserChange::read(command)?;
    match command::open(settings) {
        Ok((_store, access)) => Ok(command::apply(
            &access,
            change,
            &command::cli_client(false),
        )?),
        Err(AccessError::Store(e)) if held_by_another_process(&e) => {
            use crate::encryption::EncryptionKey;
            use crate::ops::{backup, remote};
            let key = EncryptionKey::load(&settings.data_dir.store_key_file())?;
            let address = server
                .map(str::to_string)
                .unwrap_or_else(|| remote::local_address(&settings.bind));
            say!("Serveren kører; den gennemfører ændringen ({address}) …");
            let json = serde_json::to_string(&change).map_err(|e| AppError::Web(e.to_string()))?;
            Ok(remote::request_user_change(
                &address,
                &backup::token(&key),
                &json,
            )?)
        }
        Err(e) => Err(e.into()),
    }
}

/// `backup --out`: directly when the store is free, else through the running server.
fn backup_cmd(settings: &Settings, out: &Path, server: Option<&str>) -> Result<(), AppError> {
    use crate::encryption::EncryptionKey;
    use crate::ops::{backup, remote};
    if out.exists() {
        return Err(AppError::Io {
            path: out.display().to_string(),
            source: std::io::Error::new(std::io::ErrorKind::AlreadyExists, "findes allerede"),
        });
    }
    let key = EncryptionKey::load(&settings.data_dir.store_key_file())?;
    let started = Instant::now();
    let manifest =
        match crate::store::Store::open_within(&settings.store_path(), &key, &settings.store) {
            Ok(store) => {
                let conn = store.reader()?;
                backup::create(&conn, &key, &settings.data_dir, out)?
            }
            Err(e) if held_by_another_process(&e) => {
                let address = server
                    .map(str::to_string)
                    .unwrap_or_else(|| remote::local_address(&settings.bind));
                say!("Serveren kører; den laver kopien ({address}) …");
                let name = format!("kopi-{}", chrono::Utc::now().format("%Y%m%d-%H%M%S"));
                let made = remote::request_backup(&address, &backup::token(&key), &name)?;
                // Checked here too: what is moved into place is a whole, unchanged copy.
                let (manifest, _) = backup::read(&made)?;
                if std::fs::rename(&made, out).is_err() {
                    // Another file system: copy, then remove the server's file.
                    std::fs::copy(&made, out).map_err(|source| AppError::Io {
                        path: out.display().to_string(),
                        source,
                    })?;
                    let _ = std::fs::remove_file(&made);
                }
                manifest
            }
            Err(e) => return Err(e.into()),
        };
    say!(
        "Sikkerhedskopi skrevet til {} på {:.1} s: {} tabeller, {} filer, {} bytes, SHA-256 {}",
        out.display(),
        started.elapsed().as_secs_f64(),
        manifest.tables,
        manifest.files,
        manifest.database_bytes,
        manifest.database_sha256
    );
    say!(
        "Kopien er krypteret med databasenøglen (nøgle-id {}); gem nøglerne adskilt fra kopien.",
        manifest.key_id
    );
    Ok(())
}

/// `restore FILE`: into the configured data dir, which must be empty but for keys/.
fn restore_cmd(settings: &Settings, file: &Path) -> Result<(), AppError> {
    use crate::encryption::EncryptionKey;
    let key = EncryptionKey::load(&settings.data_dir.store_key_file())?;
    let r = crate::ops::backup::restore(file, &settings.data_dir, &key)?;
    // Opening applies any migration newer than the copy, as a start would.
    crate::store::Store::open_within(&settings.store_path(), &key, &settings.store)?;
    say!(
        "Gendannet i {}: {} tabeller, {} rækker, {} filer (kopi fra {}, jobcockpit {}).",
        settings.data_dir.display(),
        r.tables,
        r.rows,
        r.files,
        r.manifest.created_at,
        r.manifest.jobcockpit_version
    );
    if !settings.key_path().exists() && settings.pseudonym_key.is_none() {
        say!(
            "Læg også pseudonymiseringsnøglen i {} (eller sæt JOBCOCKPIT_PSEUDONYM_KEY), før næste kørsel.",
            settings.key_path().display()
        );
    }
    Ok(())
}

fn backfill(app: &App) -> Result<(), AppError> {
    let started = Instant::now();
    say!("Backfill: pipelinen køres for hver leveret måned i rækkefølge …");
    // One line per month, so a long backfill visibly moves.
    let reports = app.backfill_with_progress(|done, of, run| {
        let model = run.model_version.as_deref().unwrap_or("ingen model endnu");
        say!(
            "  {done:>3}/{of} {}  ({model}, {:.0} s)",
            run.month.format("%Y-%m"),
            started.elapsed().as_secs_f64()
        );
    })?;
    let scored = reports.iter().filter(|r| r.scored_a_cohort()).count();
    say!(
        "Backfill: {} måneder kørt, {} kohorter scoret, {:.1} s",
        reports.len(),
        scored,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The cockpit's listening socket, or an error that names the setting to change.
async fn listen(settings: &Settings) -> Result<tokio::net::TcpListener, AppError> {
    let bind = settings.bind.clone();
    tokio::net::TcpListener::bind(&bind)
        .await
        .map_err(|source| AppError::Bind { bind, source })
}

async fn serve(app: Arc<App>) -> Result<(), AppError> {
    let listener = listen(&app.settings).await?;
    serve_on(app, listener).await
}

async fn serve_on(app: Arc<App>, listener: tokio::net::TcpListener) -> Result<(), AppError> {
    let bind = app.settings.bind.clone();
    let addr = listener
        .local_addr()
        .map_err(|source| AppError::Bind { bind, source })?;
    say!("Cockpittet kører på http://{addr}/  (stop med Ctrl+C)");
    if app.access.users().is_empty() {
        say!(
            "Der er endnu ingen brugere, så ingen kan logge ind: stop serveren, og opret en administrator med 'jobcockpit user add NAVN --role admin'."
        );
    }
    let served = app::serve(app.clone(), listener, stop_signal()).await;
    // Store what is still queued and stop the audit writer before the process
    // ends: `app` may outlive this function in a run's thread, so its drop
    // cannot be relied on.
    let audit_app = app.clone();
    let _ = tokio::task::spawn_blocking(move || audit_app.access.audit().close()).await;
    served
}

/// Completes on Ctrl+C (SIGINT) or SIGTERM (systemd's and Docker's stop), so both
/// stop the server gracefully: requests in progress are answered and logged.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "SIGTERM kan ikke opfanges; kun Ctrl+C stopper pænt");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    tracing::info!("stopsignal modtaget: serveren lukker ned");
}

/// Says where the key that encrypts the database comes from.
fn print_store_key(settings: &Settings) {
    if std::env::var_os(crate::encryption::STORE_KEY_ENV).is_some() {
        say!(
            "Databasenøglen (kryptering af databasen) tages fra {}",
            crate::encryption::STORE_KEY_ENV
        );
    } else {
        say!(
            "Databasenøgle (kryptering af databasen): {}",
            settings.data_dir.store_key_file().display()
        );
    }
}

/// Up to `per_month` CPR numbers from each month's citizens' file of a synthetic inbox.
fn demo_cprs(inbox: &Path, per_month: usize) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(months) = std::fs::read_dir(inbox) else {
        return out;
    };
    for month in months.filter_map(|m| m.ok().map(|m| m.path())) {
        let Ok(bytes) = std::fs::read(month.join("borgere.csv")) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        let mut lines = text.lines();
        let Some(header) = lines.next() else { continue };
        let Some(col) = header
            .trim_start_matches('\u{feff}')
            .split(';')
            .position(|h| h == "cpr")
        else {
            continue;
        };
        out.extend(
            lines
                .filter_map(|l| l.split(';').nth(col).map(str::to_string))
                .take(per_month),
        );
    }
    out.sort();
    out.dedup();
    out
}

/// Prints one citizen of each risk band among `candidates` whose current spell has a
/// score, for the demo user to look up (synthetic numbers, on the terminal only).
fn demo_examples(app: &App, candidates: &[String]) {
    let Ok(index) = app.lookup.index() else {
        return;
    };
    let mut shown: Vec<(String, String)> = Vec::new();
    for raw in candidates {
        let Ok(cpr) = crate::pseudonym::Cpr::parse(raw) else {
            continue;
        };
        let band = index
            .citizens
            .get(&app.pseudonymiser.key(&cpr))
            .and_then(|e| e.score.as_ref())
            .map(|s| s.risk_band.to_string());
        if let Some(band) = band.filter(|b| !shown.iter().any(|(_, seen)| seen == b)) {
            shown.push((raw.clone(), band));
        }
    }
    if !shown.is_empty() {
        let list: Vec<String> = shown
            .iter()
            .map(|(cpr, band)| {
                let label = crate::vocabulary::get().label_or_code("risk_band", band);
                format!("{cpr} ({})", label.to_lowercase())
            })
            .collect();
        say!(
            "Syntetiske borgere at slå op som demo-sagsbehandler på /borger: {}",
            list.join(", ")
        );
    }
}

/// Creates one demo user per role, prints the passwords once and writes them
/// to `<data dir>/demo-brugere.txt` (0600) for later.
fn demo_users(app: &App) -> Result<(), AppError> {
    let users = crate::access::command::create_demo_users(&app.access)?;
    let mut text = String::from("Demobrugere (syntetiske data). Log ind på cockpittet med:\n");
    for (name, role, password) in &users {
        text.push_str(&format!("  {name:<20} {:<14} {password}\n", role.label()));
    }
    let path = app.settings.data_dir.demo_users_file();
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    use std::io::Write;
    opts.open(&path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|source| AppError::Io {
            path: path.display().to_string(),
            source,
        })?;
    say!("{}", text.trim_end_matches('\n'));
    say!("(gemt i {}, kun læsbar for dig)", path.display());
    Ok(())
}

async fn demo(
    mut settings: Settings,
    data_dir: PathBuf,
    cfg: SynthConfig,
    no_serve: bool,
) -> Result<(), AppError> {
    let started = Instant::now();
    let data_dir = DataDir::new(data_dir);
    let io = |source| AppError::Io {
        path: data_dir.display().to_string(),
        source,
    };
    if data_dir.exists() {
        // Only a folder the demo made itself (or an empty one) is emptied: pointed at
        // a real data dir, this would destroy its keys and every pseudonym with them.
        let is_demo = data_dir.demo_marker().exists();
        let is_empty = std::fs::read_dir(&data_dir).map_err(io)?.next().is_none();
        if !is_demo && !is_empty {
            return Err(AppError::Io {
                path: data_dir.display().to_string(),
                source: std::io::Error::other(
                    "mappen er ikke en demomappe; demoen sletter kun sine egne mapper",
                ),
            });
        }
        std::fs::remove_dir_all(data_dir.root()).map_err(io)?;
    }
    std::fs::create_dir_all(data_dir.root()).map_err(io)?;
    std::fs::write(
        data_dir.demo_marker(),
        "Syntetiske demodata fra 'jobcockpit demo'.\n",
    )
    .map_err(io)?;
    settings.data_dir = data_dir;
    // The port is taken now, not after the backfill: a busy port fails at once.
    let listener = if no_serve {
        None
    } else {
        Some(listen(&settings).await?)
    };
    app::init(&settings)?;
    say!(
        "Demo: pseudonymiseringsnøgle oprettet i {}",
        settings.key_path().display()
    );
    print_store_key(&settings);
    synth_to(&settings.inbox_dir(), &cfg)?;
    // Read before the backfill deletes the deliveries: a few synthetic numbers to
    // suggest for the look-up. Printed only, never written to a file.
    let candidates = demo_cprs(&settings.inbox_dir(), 20);
    let app = blocking("demoens backfill", move || {
        let app = App::open(settings)?;
        backfill(&app)?;
        // Synthetic caseworkers judge a share of the scored spells (docs/extracts.md,
        // "Syntetiske sagsbehandlere"), so the oversight page has figures.
        let sim = app.simulate_caseworkers(&crate::lookup::simulate::Caseworkers::default())?;
        say!(
            "Syntetiske sagsbehandlere: {} vurderinger, {} uenige med modellen, {} med kendt udfald",
            sim.judgements,
            sim.disagreements,
            sim.with_outcome
        );
        demo_examples(&app, &candidates);
        Ok(app)
    })
    .await?;
    demo_users(&app)?;
    say!(
        "Demo klar efter {:.1} s (syntetiske data + alle måneder gennem pipelinen)",
        started.elapsed().as_secs_f64()
    );
    match listener {
        Some(listener) => serve_on(Arc::new(app), listener).await,
        None => Ok(()),
    }
}
