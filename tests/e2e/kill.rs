//! The kill harness: the real binary is killed with SIGKILL at every step of a
//! monthly run, and during a multi-month ingest. Each time the store opens, the
//! cut-off run is marked failed with its reason, a re-run completes, and every
//! table (raw, staging results, features, model, scores, metrics, marts) holds what
//! an uninterrupted run leaves, apart from the record of the failed run itself.
//!
//! The kill is timed by the log line each step writes as it starts ("trinnet
//! starter step=..."), so it lands in that step or, for a step shorter than the
//! signal's way, just after it; either way the store must come out whole.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use jobcockpit::app::{self, App};
use jobcockpit::config::Settings;
use jobcockpit::store::query_table;
use jobcockpit::synth::{self, SynthConfig};
use jobcockpit::table::Cell;

use crate::helpers::{repo_path, small_synth};

/// The run's steps in order, from `pipelines/monthly.toml`.
fn steps() -> Vec<String> {
    jobcockpit::config::PipelineConfig::load(&repo_path("pipelines/monthly.toml"))
        .unwrap()
        .steps
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// Tables that record the process, not the data: the run log (a killed run adds
/// a failed row) and access control (users, audit rows of each start).
fn is_process_record(table: &str) -> bool {
    table.starts_with("pipeline_") || table.starts_with("access_")
}

/// Columns that differ between any two runs of the same data: which run (ids),
/// when and how long, where the data dir is (file paths); the count of open
/// alerts, which includes the killed run's own alert; and the day a delivery was
/// loaded (`mart_data_quality.loaded_on`), which the reference and a rerun after
/// midnight disagree on (seen once in a suite that ran across midnight).
fn differs_between_runs(column: &str) -> bool {
    column.contains("run")
        || column.ends_with("_path")
        || matches!(
            column,
            "duration_ms" | "source_dir" | "open_alerts" | "open_alarms" | "loaded_on"
        )
}

/// A run id as `RunLog` makes them: month, then the start time.
const RUN_ID: &str = r"\d{4}-\d{2}-\d{8}T\d{6}\.\d+";

/// Rows that are the record of the killed run itself: its failed-run alert.
fn rows_of(table: &str) -> &'static str {
    match table {
        "alerts" | "mart_alerts" => " where kind <> 'koersel'",
        _ => "",
    }
}

fn settings(data: &Path) -> Settings {
    Settings {
        data_dir: data.to_path_buf().into(),
        ..Settings::default()
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// Removes terminal colour codes from a log line.
fn plain(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn jobcockpit(data: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jobcockpit"));
    cmd.args(args)
        .current_dir(repo_path(""))
        .env("JOBCOCKPIT_DATA_DIR", data)
        .env("RUST_LOG", "jobcockpit=debug,warn")
        .env_remove("JOBCOCKPIT_STORE_KEY")
        .env_remove("JOBCOCKPIT_PSEUDONYM_KEY");
    cmd
}

/// Runs the command to its end; panics with its output if it fails.
fn complete(data: &Path, args: &[&str]) {
    let o = jobcockpit(data, args).output().unwrap();
    assert!(
        o.status.success(),
        "{args:?}: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Starts the command and SIGKILLs it as soon as a line of its output (stderr
/// or stdout) contains `marker`. Returns whether the marker was seen before the
/// process ended by itself.
fn kill_at(data: &Path, args: &[&str], marker: &str) -> bool {
    let mut child = jobcockpit(data, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let readers: Vec<_> = [
        Box::new(child.stderr.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stdout.take().unwrap()),
    ]
    .into_iter()
    .map(|stream| {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if tx.send(plain(&line)).is_err() {
                    break;
                }
            }
        })
    })
    .collect();
    drop(tx);
    let mut seen = false;
    for line in rx.iter() {
        if line.contains(marker) {
            // SIGKILL: no handler, no flush, no rollback; as a power cut for the process.
            child.kill().unwrap();
            seen = true;
            break;
        }
    }
    child.wait().unwrap();
    for r in readers {
        let _ = r.join();
    }
    seen
}

/// Every data table's rows, order-free: name -> (rows, sum of row hashes),
/// leaving out time stamps and run ids, which differ between any two runs.
fn fingerprint(data: &Path) -> Vec<(String, String)> {
    let app = App::open(settings(data)).unwrap();
    let conn = app.store.lock();
    let tables = query_table(
        &conn,
        "select table_name from information_schema.tables \
         where table_schema = 'main' and table_type = 'BASE TABLE' order by table_name",
        [],
    )
    .unwrap();
    let mut out = Vec::new();
    for row in &tables.rows {
        let Cell::Text(table) = &row[0] else {
            panic!("{row:?}")
        };
        if is_process_record(table) {
            continue;
        }
        let columns = query_table(
            &conn,
            "select column_name, data_type from information_schema.columns \
             where table_schema = 'main' and table_name = ? \
               and data_type not like 'TIMESTAMP%' \
             order by ordinal_position",
            [table.as_str()],
        )
        .unwrap();
        let names: Vec<String> = columns
            .rows
            .iter()
            .map(|r| match (&r[0], &r[1]) {
                (Cell::Text(c), Cell::Text(t)) => (c.clone(), t.clone()),
                other => panic!("{other:?}"),
            })
            .filter(|(c, _)| !differs_between_runs(c))
            .map(|(c, t)| {
                let quoted = format!("\"{}\"", c.replace('"', "\"\""));
                // A run id quoted in a text (the model card names the run that
                // wrote it) is the run's identity, not data.
                if t == "VARCHAR" {
                    format!("regexp_replace({quoted}, '{RUN_ID}', '<kørsel>', 'g')")
                } else {
                    quoted
                }
            })
            .collect();
        if names.is_empty() {
            continue;
        }
        // Identifiers from the catalogue, never input: quoted, not bound.
        let sql = format!(
            "select count(*)::varchar || ':' || coalesce(sum(hash(row({}))::hugeint), 0)::varchar \
             from \"{}\"{}",
            names.join(", "),
            table.replace('"', "\"\""),
            rows_of(table)
        );
        let t = query_table(&conn, &sql, []).unwrap();
        let Cell::Text(v) = &t.rows[0][0] else {
            panic!("{:?}", t.rows)
        };
        out.push((table.clone(), v.clone()));
    }
    out
}

/// The killed run's record: failed, with the reason the next start gives it.
fn killed_run_recorded(data: &Path, month: &str) -> Vec<(String, String)> {
    let app = App::open(settings(data)).unwrap();
    let runs = query_table(
        &app.store.lock(),
        "select status, coalesce(error, '') from pipeline_runs \
         where strftime(run_month, '%Y-%m') = ? order by started_at",
        [month],
    )
    .unwrap();
    runs.rows
        .iter()
        .map(|r| match (&r[0], &r[1]) {
            (Cell::Text(s), Cell::Text(e)) => (s.clone(), e.clone()),
            other => panic!("{other:?}"),
        })
        .collect()
}

/// A store backfilled through `through`, with the deliveries of `held` months
/// kept aside in `<root>/held/`; returns the data dir.
fn base_store(root: &Path, held: &[&str]) -> PathBuf {
    let data = root.join("base");
    let s = settings(&data);
    app::init(&s).unwrap();
    synth::generate(
        &SynthConfig {
            // Big enough for a model that beats guessing (the promotion gate).
            years: 4,
            population: 20_000,
            ..small_synth()
        },
        &s.inbox_dir(),
    )
    .unwrap();
    let aside = root.join("held");
    std::fs::create_dir_all(&aside).unwrap();
    for m in held {
        std::fs::rename(s.inbox_dir().join(m), aside.join(m)).unwrap();
    }
    App::open(s).unwrap().backfill().unwrap();
    data
}

fn with_held_months(root: &Path, base: &Path, name: &str, held: &[&str]) -> PathBuf {
    let data = root.join(name);
    copy_dir(base, &data);
    for m in held {
        copy_dir(&root.join("held").join(m), &data.join("inbox").join(m));
    }
    data
}

#[test]
fn a_run_killed_at_every_step_is_marked_failed_and_its_rerun_equals_an_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    let month = "2022-12";
    let base = base_store(dir.path(), &[month]);

    let reference = with_held_months(dir.path(), &base, "reference", &[month]);
    complete(&reference, &["run", "--month", month]);
    let expected = fingerprint(&reference);
    assert!(
        expected
            .iter()
            .any(|(t, v)| t == "model_scores" && !v.starts_with("0:"))
            && expected.len() > 20,
        "a model scored the month: {expected:?}"
    );

    let steps = steps();
    assert!(steps.len() >= 8, "{steps:?}");
    let mut killed_in = Vec::new();
    for step in &steps {
        let data = with_held_months(dir.path(), &base, &format!("killed-{step}"), &[month]);
        let seen = kill_at(
            &data,
            &["run", "--month", month],
            &format!("trinnet starter step={step}"),
        );
        assert!(seen, "the run never reached {step}");
        killed_in.push(step.clone());
        let runs = killed_run_recorded(&data, month);
        assert_eq!(
            runs,
            [(
                "failed".to_string(),
                "afbrudt: processen stoppede under kørslen".to_string()
            )],
            "killed at {step}"
        );
        complete(&data, &["run", "--month", month]);
        let got = fingerprint(&data);
        let differing: Vec<_> = got
            .iter()
            .zip(&expected)
            .filter(|(g, e)| g != e)
            .map(|(g, e)| format!("{}: {} against {}", g.0, g.1, e.1))
            .collect();
        assert_eq!(got.len(), expected.len(), "killed at {step}: tables");
        assert!(
            differing.is_empty(),
            "killed at {step}, then run again: {differing:?}"
        );
        let runs = killed_run_recorded(&data, month);
        assert_eq!(runs.len(), 2, "{runs:?}");
        assert_eq!(runs[1].0, "succeeded", "{runs:?}");
    }
    assert_eq!(killed_in, steps);
}

#[test]
fn an_ingest_of_several_months_killed_between_months_loads_the_rest_on_the_next_try() {
    let dir = tempfile::tempdir().unwrap();
    let held = ["2022-10", "2022-11", "2022-12"];
    let base = base_store(dir.path(), &held);

    let reference = with_held_months(dir.path(), &base, "reference", &held);
    let inbox = |data: &Path| data.join("inbox").display().to_string();
    complete(&reference, &["ingest", &inbox(&reference)]);
    let expected = fingerprint(&reference);

    // Killed once the first month is committed, while the second is loading.
    let data = with_held_months(dir.path(), &base, "killed", &held);
    assert!(kill_at(&data, &["ingest", &inbox(&data)], "2022-10"));
    // The first month is in, the last is not: the kill fell between them.
    let batches = |f: &[(String, String)]| -> usize {
        let (_, v) = f.iter().find(|(t, _)| t == "load_batches").unwrap();
        v.split(':').next().unwrap().parse().unwrap()
    };
    let partial = fingerprint(&data);
    let before = fingerprint(&base);
    assert!(
        batches(&before) < batches(&partial) && batches(&partial) < batches(&expected),
        "{} < {} < {}",
        batches(&before),
        batches(&partial),
        batches(&expected)
    );
    complete(&data, &["ingest", &inbox(&data)]);
    assert_eq!(fingerprint(&data), expected);
}
