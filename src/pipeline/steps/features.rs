//! `features`: the staging views and the feature tables, rebuilt for the run month.

use duckdb::Connection;

use super::StepResult;
use crate::store::{self, count_rows, run_file};

pub(super) fn run(conn: &Connection) -> StepResult {
    for f in store::STAGING.iter().chain(store::FEATURES) {
        run_file(conn, f)?;
    }
    Ok((count_rows(conn, "feat_features")?, String::new()))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::encryption::EncryptionKey;
    use crate::extracts;
    use crate::pseudonym::Pseudonymiser;
    use crate::store::{query_table, Store};

    fn write(root: &Path, month: &str, files: &[(&str, Vec<String>)]) -> std::path::PathBuf {
        let dir = root.join(month);
        std::fs::create_dir_all(&dir).unwrap();
        for e in extracts::ALL {
            let rows = files
                .iter()
                .find(|(f, _)| *f == e.file)
                .map_or(&[][..], |(_, r)| r.as_slice());
            let mut text = e.header().join(";") + "\r\n";
            for r in rows {
                text.push_str(r);
                text.push_str("\r\n");
            }
            std::fs::write(dir.join(e.file), text).unwrap();
        }
        dir
    }

    /// Three citizens with a 2nd interview in January 2024, outcome one month
    /// later: A in a job, B moved out, C's status missing in the registers. A's CV
    /// says DISCO-08 `0310` (armed forces) and does not know education or licence.
    #[test]
    fn unobserved_outcomes_are_unknown_labels_and_disco_group_0_is_an_occupation() {
        let tmp = tempfile::tempdir().unwrap();
        let key = EncryptionKey::from_hex(&"cd".repeat(32)).unwrap();
        let store = Store::open(&tmp.path().join("s.duckdb"), &key).unwrap();
        let pseudo = Pseudonymiser::new(vec![9; 32]).unwrap();
        let cprs = ["010190-1233", "020285-2346", "150375-3451"];
        let history = |cpr: &str| -> Vec<String> {
            (1..=36)
                .map(|back| {
                    let m = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()
                        - chrono::Months::new(back);
                    format!("{cpr};{};ydelse", m.format("%d-%m-%Y"))
                })
                .collect()
        };
        let mut status: Vec<String> = cprs
            .iter()
            .map(|c| format!("{c};01-01-2024;ydelse"))
            .collect();
        status.extend(cprs.iter().flat_map(|c| history(c)));
        let jan = write(
            tmp.path(),
            "2024-01",
            &[
                (
                    "borgere.csv",
                    cprs.iter()
                        .map(|c| format!("{c};7100;Midtby;dansk"))
                        .collect(),
                ),
                (
                    "ydelsesforloeb.csv",
                    cprs.iter()
                        .enumerate()
                        .map(|(i, c)| format!("F{i};{c};dagpenge;02-01-2024;"))
                        .collect(),
                ),
                (
                    "samtaler.csv",
                    cprs.iter()
                        .enumerate()
                        .flat_map(|(i, c)| {
                            [
                                format!("S{i}a;F{i};{c};05-01-2024;1;Team Midt"),
                                format!("S{i}b;F{i};{c};20-01-2024;2;Team Midt"),
                            ]
                        })
                        .collect(),
                ),
                (
                    "cv.csv",
                    vec![
                        format!("{};03-01-2024;ukendt;4,0;0310;ukendt", cprs[0]),
                        format!("{};03-01-2024;erhvervsfaglig;4,0;;ja", cprs[1]),
                        format!("{};03-01-2024;kvu;4,0;7212;nej", cprs[2]),
                    ],
                ),
                ("status.csv", status),
            ],
        );
        let feb = write(
            tmp.path(),
            "2024-02",
            &[(
                "status.csv",
                vec![
                    format!("{};01-02-2024;beskaeftiget", cprs[0]),
                    format!("{};01-02-2024;fraflyttet", cprs[1]),
                    format!("{};01-02-2024;ukendt", cprs[2]),
                ],
            )],
        );
        for dir in [&jan, &feb] {
            crate::ingest::load_batch(&store, dir, &pseudo, 0.0).unwrap();
        }
        let conn = store.lock();
        conn.execute("delete from run_params", []).unwrap();
        conn.execute("insert into run_params values ('2024-02-01'::date, 1)", [])
            .unwrap();
        super::run(&conn).unwrap();
        let t = query_table(
            &conn,
            "select l.mature, l.label, m.disco_major, m.education_level, m.driving_licence
             from feat_labels l join feat_model_matrix m using (spell_id)
             order by l.spell_id",
            [],
        )
        .unwrap();
        use crate::table::Cell::{Float as F, Int as I, Null as N};
        assert_eq!(
            t.rows,
            vec![
                vec![I(1), I(0), F(0.0), F(-1.0), F(0.0)],
                vec![I(1), N, F(-1.0), F(2.0), F(1.0)],
                vec![I(1), N, F(7.0), F(3.0), F(0.0)],
            ]
        );
    }
}
