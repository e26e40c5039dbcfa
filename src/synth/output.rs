//! Turning the simulated world into monthly delta deliveries: identifiers in
//! chronological order, rows bucketed by the month they become known, and the
//! files written the way Danish systems write them.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;

use chrono::NaiveDate;

use super::calendar::Calendar;
use super::life::World;
use super::model::{Person, DISTRICTS};
use super::{SynthError, SynthSummary};
use crate::extracts::{self, Extract, DATE_FORMAT, DELIMITER};

type Row = Vec<String>;

/// Rows of one file in one batch, with a sort key (date, identifier number).
type Bucket = Vec<((NaiveDate, u64), Row)>;

/// Non-status rows of one monthly batch, one bucket per file in `extracts::ALL`
/// order (status rows are streamed when writing).
#[derive(Default)]
struct Batch {
    files: [Bucket; 5],
}

const CITIZENS: usize = 0;
const SPELLS: usize = 1;
const INTERVIEWS: usize = 2;
const CVS: usize = 3;
const PROGRAMMES: usize = 4;

/// All batches being filled; `put` files a row under the month of `date`.
struct Batches<'a> {
    cal: &'a Calendar,
    batches: Vec<Batch>,
}

impl Batches<'_> {
    fn put(&mut self, file: usize, date: NaiveDate, id: u64, row: Row) {
        let m = self.cal.index_of(date) as usize;
        self.batches[m].files[file].push(((date, id), row));
    }
}

fn date(d: NaiveDate) -> String {
    d.format(DATE_FORMAT).to_string()
}

/// One decimal with a decimal comma.
fn decimal(x: f64) -> String {
    format!("{x:.1}").replace('.', ",")
}

/// The number in each spell's delivered identifier (`F` and seven digits), by
/// person and spell.
pub(crate) fn spell_numbers(people: &[Person]) -> Vec<Vec<u64>> {
    Ids::assign(people).spell
}

/// Identifiers numbered by date, so numbers grow with time as in a case system.
struct Ids {
    spell: Vec<Vec<u64>>,
    interview: Vec<Vec<Vec<u64>>>,
    programme: Vec<Vec<Vec<u64>>>,
}

fn number<K: Ord>(mut keys: Vec<(K, (usize, usize, usize))>, out: &mut [Vec<Vec<u64>>]) {
    keys.sort();
    for (n, (_, (p, s, i))) in keys.into_iter().enumerate() {
        out[p][s][i] = n as u64 + 1;
    }
}

impl Ids {
    fn assign(people: &[Person]) -> Ids {
        let mut spell_keys = Vec::new();
        let mut interview_keys = Vec::new();
        let mut programme_keys = Vec::new();
        for (p, person) in people.iter().enumerate() {
            for (s, sp) in person.spells.iter().enumerate() {
                spell_keys.push((sp.start, (p, s, 0)));
                interview_keys.extend(
                    sp.interviews
                        .iter()
                        .enumerate()
                        .map(|(i, d)| (*d, (p, s, i))),
                );
                programme_keys.extend(
                    sp.programmes
                        .iter()
                        .enumerate()
                        .map(|(i, pr)| (pr.start, (p, s, i))),
                );
            }
        }
        let shape = |f: &dyn Fn(&super::model::Spell) -> usize| -> Vec<Vec<Vec<u64>>> {
            people
                .iter()
                .map(|p| p.spells.iter().map(|s| vec![0; f(s)]).collect())
                .collect()
        };
        let mut spell = shape(&|_| 1);
        let mut interview = shape(&|s| s.interviews.len());
        let mut programme = shape(&|s| s.programmes.len());
        number(spell_keys, &mut spell);
        number(interview_keys, &mut interview);
        number(programme_keys, &mut programme);
        let spell = spell
            .into_iter()
            .map(|v| v.into_iter().map(|x| x[0]).collect())
            .collect();
        Ids {
            spell,
            interview,
            programme,
        }
    }
}

/// Buckets every non-status row into the batch of the month it becomes known,
/// sorted by date and identifier within each file.
fn bucket(cal: &Calendar, people: &[Person], ids: &Ids) -> Vec<Batch> {
    let batches = (0..cal.months).map(|_| Batch::default()).collect();
    let mut b = Batches { cal, batches };
    for (pi, p) in people.iter().enumerate() {
        put_citizen(&mut b, p, pi);
        for si in 0..p.spells.len() {
            put_spell(&mut b, p, pi, si, ids);
        }
        put_cvs(&mut b, p, pi);
    }
    let mut batches = b.batches;
    for b in &mut batches {
        b.files.iter_mut().for_each(|f| f.sort_by_key(|r| r.0));
    }
    batches
}

/// The citizen in the month of their first spell.
fn put_citizen(b: &mut Batches, p: &Person, pi: usize) {
    let row = vec![
        p.cpr.clone(),
        p.postal.into(),
        DISTRICTS[p.district].name.into(),
        extracts::ORIGINS[p.origin].into(),
    ];
    b.put(CITIZENS, p.spells[0].start, pi as u64, row);
}

/// A spell with its interviews and programmes. The start month carries the end
/// only if the spell ended that month; otherwise the end month re-delivers the
/// spell with its slutdato.
fn put_spell(b: &mut Batches, p: &Person, pi: usize, si: usize, ids: &Ids) {
    let s = &p.spells[si];
    let id = ids.spell[pi][si];
    let fid = format!("F{id:07}");
    let spell_row = |end: Option<NaiveDate>| {
        let end = end.map(date).unwrap_or_default();
        vec![
            fid.clone(),
            p.cpr.clone(),
            s.group.code().into(),
            date(s.start),
            end,
        ]
    };
    let start_m = b.cal.index_of(s.start);
    let ends_later = s.end.filter(|e| b.cal.index_of(*e) > start_m);
    let ends_at_once = s.end.filter(|_| ends_later.is_none());
    b.put(SPELLS, s.start, id, spell_row(ends_at_once));
    if let Some(e) = ends_later {
        b.put(SPELLS, e, id, spell_row(Some(e)));
    }
    for (n, d) in s.interviews.iter().enumerate() {
        let iid = ids.interview[pi][si][n];
        let nr = (n + 1).to_string();
        let row = vec![
            format!("S{iid:07}"),
            fid.clone(),
            p.cpr.clone(),
            date(*d),
            nr,
            s.team.into(),
        ];
        b.put(INTERVIEWS, *d, iid, row);
    }
    for (n, pr) in s.programmes.iter().enumerate() {
        let pid = ids.programme[pi][si][n];
        let (kind, start, end) = (pr.kind.code().into(), date(pr.start), date(pr.end));
        let row = vec![
            format!("I{pid:07}"),
            fid.clone(),
            p.cpr.clone(),
            kind,
            start,
            end,
        ];
        b.put(PROGRAMMES, pr.start, pid, row);
    }
}

fn put_cvs(b: &mut Batches, p: &Person, pi: usize) {
    for cv in &p.cvs {
        let row = vec![
            p.cpr.clone(),
            date(cv.date),
            extracts::EDUCATION_LEVELS[cv.edu].into(),
            decimal(cv.exp_years),
            cv.disco.map(|c| format!("{c:04}")).unwrap_or_default(),
            if cv.licence { "ja" } else { "nej" }.into(),
        ];
        b.put(CVS, cv.date, pi as u64, row);
    }
}

/// Status rows of batch `m`: each known citizen's month `m`, preceded for new
/// citizens by their 36 months of register history.
fn status_rows<'a>(
    cal: &'a Calendar,
    people: &'a [Person],
    m: i32,
) -> impl Iterator<Item = Row> + 'a {
    people
        .iter()
        .filter(move |p| p.first_month <= m)
        .flat_map(move |p| {
            let from = if p.first_month == m {
                p.status_from()
            } else {
                m
            };
            (from..=m).map(move |k| {
                let s = p.status[(k - p.status_from()) as usize];
                vec![p.cpr.clone(), date(cal.first_day(k)), s.code().to_string()]
            })
        })
}

/// Writes one file: BOM, `;`, CRLF, header row, rows. Returns the row count.
fn write_file(
    path: &Path,
    e: &Extract,
    rows: impl Iterator<Item = Row>,
) -> Result<usize, SynthError> {
    let io = |source| SynthError::Io {
        path: path.to_path_buf(),
        source,
    };
    let csv_err = |source| SynthError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let mut buf = BufWriter::new(File::create(path).map_err(io)?);
    buf.write_all(b"\xEF\xBB\xBF").map_err(io)?;
    let mut w = csv::WriterBuilder::new()
        .delimiter(DELIMITER)
        .terminator(csv::Terminator::CRLF)
        .from_writer(buf);
    w.write_record(e.header()).map_err(csv_err)?;
    let mut n = 0;
    for r in rows {
        w.write_record(&r).map_err(csv_err)?;
        n += 1;
    }
    let buf = w.into_inner().map_err(|e| io(e.into_error()))?;
    buf.into_inner().map_err(|e| io(e.into_error()))?;
    Ok(n)
}

pub(crate) fn write_all(world: &World, out: &Path) -> Result<SynthSummary, SynthError> {
    let cal = &world.cal;
    let people = &world.people;
    let ids = Ids::assign(people);
    let batches = bucket(cal, people, &ids);
    let mut status_total = 0;
    for (m, batch) in batches.into_iter().enumerate() {
        let dir = out.join(cal.first_day(m as i32).format("%Y-%m").to_string());
        fs::create_dir_all(&dir).map_err(|source| SynthError::Io {
            path: dir.clone(),
            source,
        })?;
        for (e, rows) in extracts::ALL.iter().zip(batch.files) {
            write_file(&dir.join(e.file), e, rows.into_iter().map(|r| r.1))?;
        }
        status_total += write_file(
            &dir.join(extracts::STATUS.file),
            &extracts::STATUS,
            status_rows(cal, people, m as i32),
        )?;
    }
    let spells = people.iter().flat_map(|p| &p.spells);
    Ok(SynthSummary {
        months: (0..cal.months).map(|m| cal.first_day(m)).collect(),
        citizens: people.len(),
        spells: spells.clone().count(),
        interviews: spells.clone().map(|s| s.interviews.len()).sum(),
        programmes: spells.map(|s| s.programmes.len()).sum(),
        status_rows: status_total,
    })
}
