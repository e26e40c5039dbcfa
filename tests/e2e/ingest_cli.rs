//! The `ingest` and `run` verbs as a script sees them: the binary's exit codes and
//! what it prints, for a good delivery, a repeat, a correction, a rejected
//! delivery, bad usage and a wrong store key.

use std::path::Path;
use std::process::{Command, Output};

use crate::helpers::repo_path;

fn jobcockpit(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jobcockpit"))
        .args(args)
        .current_dir(repo_path(""))
        .env("JOBCOCKPIT_DATA_DIR", data_dir)
        .env_remove("JOBCOCKPIT_STORE_KEY")
        .env_remove("JOBCOCKPIT_PSEUDONYM_KEY")
        .output()
        .expect("run the binary")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

#[test]
fn ingest_exit_codes_are_the_documented_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let good = repo_path("tests/fixtures/good/2024-03");
    assert_eq!(jobcockpit(&data, &["init"]).status.code(), Some(0));

    let delivery = tmp.path().join("first/2024-03");
    copy_dir(&good, &delivery);
    let d = delivery.to_str().unwrap();

    let dry = jobcockpit(&data, &["ingest", "--dry-run", d]);
    assert_eq!(dry.status.code(), Some(0), "{}", text(&dry));
    assert!(text(&dry).contains("intet indlæst"), "{}", text(&dry));

    let first = jobcockpit(&data, &["ingest", d]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    assert!(
        text(&first).contains("indlæst, 18 rækker"),
        "{}",
        text(&first)
    );

    // The dry run kept the files; the load deleted them (they hold raw CPRs)
    // and left a receipt naming the batch.
    assert!(!delivery.join("status.csv").exists() && !delivery.join("borgere.csv").exists());
    let receipt = std::fs::read_to_string(delivery.join("indlaest.txt")).unwrap();
    assert!(
        receipt.contains("er indlæst som batch") && receipt.contains("status.csv"),
        "{receipt}"
    );
    assert!(!receipt.contains("010190"), "{receipt}");
    assert!(
        text(&first).contains("filer slettet efter indlæsningen"),
        "{}",
        text(&first)
    );

    // Loading the folder again is not an error, and says that nothing was loaded.
    let again = jobcockpit(&data, &["ingest", d]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(
        text(&again).contains("allerede indlæst; filerne er slettet"),
        "{}",
        text(&again)
    );
    // The same files delivered again are recognised by their checksums.
    let repeat = tmp.path().join("repeat/2024-03");
    copy_dir(&good, &repeat);
    let o = jobcockpit(&data, &["ingest", repeat.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("er allerede indlæst"), "{}", text(&o));

    // A correction of the month replaces it and says which batch it replaced.
    let corrected = tmp.path().join("corrected/2024-03");
    copy_dir(&good, &corrected);
    let status = std::fs::read_to_string(corrected.join("status.csv")).unwrap();
    std::fs::write(
        corrected.join("status.csv"),
        status.replace("020285-2346;01-02-2024;ydelse\r\n", ""),
    )
    .unwrap();
    let fix = jobcockpit(&data, &["ingest", corrected.to_str().unwrap()]);
    assert_eq!(fix.status.code(), Some(0), "{}", text(&fix));
    assert!(text(&fix).contains("erstatter batch"), "{}", text(&fix));

    // A rejected delivery: 3, for the dry run too, with the reason and a masked CPR.
    let bad = tmp.path().join("bad/2024-04");
    copy_dir(&good, &bad);
    std::fs::write(
        bad.join("status.csv"),
        "cpr;maaned\r\n010190-1233;01-04-2024\r\n",
    )
    .unwrap();
    for args in [vec!["ingest", "--dry-run"], vec!["ingest"]] {
        let mut args = args;
        args.push(bad.to_str().unwrap());
        let o = jobcockpit(&data, &args);
        assert_eq!(o.status.code(), Some(3), "{args:?}: {}", text(&o));
        assert!(text(&o).contains("kolonne 'status'"), "{}", text(&o));
        assert!(!text(&o).contains("010190-1233"), "{}", text(&o));
    }

    // Bad usage: 2.
    let nowhere = tmp.path().join("no-such-folder");
    let o = jobcockpit(&data, &["ingest", nowhere.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert_eq!(
        jobcockpit(&data, &["ingest", "--no-such-flag", d])
            .status
            .code(),
        Some(2)
    );

    // The month has no delivery in the inbox: `run` says the delivery is missing (3).
    let o = jobcockpit(&data, &["run", "--month", "2030-01"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));

    // A wrong store key: 4.
    let o = Command::new(env!("CARGO_BIN_EXE_jobcockpit"))
        .args(["ingest", d])
        .current_dir(repo_path(""))
        .env("JOBCOCKPIT_DATA_DIR", &data)
        .env("JOBCOCKPIT_STORE_KEY", "00".repeat(32))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));

    // The codes are in --help.
    let help = text(&jobcockpit(&data, &["ingest", "--help"]));
    for line in [
        "0  gennemført",
        "2  forkert brug",
        "3  leveringen",
        "4  databasen",
    ] {
        assert!(help.contains(line), "{help}");
    }
}
