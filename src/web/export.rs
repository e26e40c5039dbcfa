//! Export of a page's tables: `/d/{slug}/eksport/{n}.csv` and `/d/{slug}/eksport/{n}.xlsx`,
//! where `n` is the component's place on the page (1 = the first) and the page's filter
//! query string applies as on the page.
//!
//! An export is the page's own table: the component is rendered by the same renderer
//! from the same protected, filtered marts, and the exported cells are the texts the
//! page shows (CSV) or those texts read back as numbers (XLSX). So an export is
//! suppressed and perturbed exactly as the page, and holds nothing the page does not.
//!
//! Formula injection: a text cell that begins with `=`, `+`, `-`, `@`, tab or carriage
//! return is prefixed with `'` in CSV, unless it is a number as the page formats it;
//! XLSX cells are written as strings or numbers, never formulas. The XLSX file's
//! document properties are fixed, so the same table gives the same bytes.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, XlsxError};

use super::{data, AppState, WebError};
use crate::dashboard::filter::{self, Selection};
use crate::dashboard::render::{self, ComponentView};
use crate::dashboard::spec::Dashboard;
use crate::disclosure;
use crate::present::messages::{Messages, DA};

/// The export routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/d/{slug}/eksport/{file}", get(export))
}

/// The two file types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Csv,
    Xlsx,
}

/// A table as exported: title, headers, the cells' texts as the page shows them and
/// whether each is a plain value (not suppressed or unknown), and the notes.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<(String, bool)>>,
    pub notes: Vec<String>,
}

#[tracing::instrument(skip_all, fields(slug = %slug, file = %file))]
async fn export(
    State(state): State<AppState>,
    Path((slug, file)): Path<(String, String)>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let page = state.catalog.get(&slug).ok_or(WebError::NotFound)?;
    let (number, kind) = parse_file(&file).ok_or(WebError::NotFound)?;
    if number == 0 || number > page.components.len() {
        return Err(WebError::NotFound);
    }
    let (version, protected) = data::protected(&state, page).await?;
    let selection = data::selection(&protected, &params)?;
    let (mime, ext) = match kind {
        Kind::Csv => ("text/csv; charset=utf-8", "csv"),
        Kind::Xlsx => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
    };
    // Kept like the page bodies: the same file until the marts change.
    let key = format!("{number}.{ext}{}", selection.query());
    let bytes = match state.cache.file(version, &slug, &key) {
        Some(bytes) => bytes,
        None => {
            let sheet = sheet(&state, page, &protected, &selection, number)?;
            let bytes = Bytes::from(match kind {
                Kind::Csv => csv(&sheet),
                Kind::Xlsx => {
                    xlsx(&sheet).map_err(|e| WebError::Source(anyhow::anyhow!("xlsx: {e}")))?
                }
            });
            state.cache.keep_file(version, &slug, &key, bytes.clone());
            bytes
        }
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    let name = format!("{}-{number}.{ext}", page.slug);
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// The n-th component's table as the page shows it, with the notes for the file.
fn sheet(
    state: &AppState,
    page: &Dashboard,
    protected: &data::Protected,
    selection: &Selection,
    number: usize,
) -> Result<Sheet, WebError> {
    let tables = data::select(page, protected, selection);
    let t = state.catalog.messages();
    let view = render::page(
        page,
        &tables,
        state.k.get(),
        &crate::dashboard::Extras {
            high_from: state.high_from,
            ..Default::default()
        },
        t,
    )
    .map_err(|e| WebError::Dashboard(crate::dashboard::DashboardError::Render(e)))?;
    let component = view.components.get(number - 1).ok_or(WebError::NotFound)?;
    let table = table_of(component).ok_or(WebError::NotFound)?;
    let mut notes = Vec::new();
    let active = filter::view(page, &protected.options, selection, state.k.get()).active;
    if !active.is_empty() {
        notes.push(format!("{} {}.", DA.filter.showing, active.join(", ")));
    }
    if table.suppressed {
        notes.push(Messages::with_k(t.suppressed_note, state.k.get()));
    }
    notes.push(disclosure::PERTURBATION_SHORT_DA.to_string());
    Ok(Sheet {
        title: table.title,
        headers: table.headers,
        rows: table.rows,
        notes,
    })
}

/// `3.csv` -> (3, Csv).
pub fn parse_file(file: &str) -> Option<(usize, Kind)> {
    let (number, ext) = file.rsplit_once('.')?;
    let kind = match ext {
        "csv" => Kind::Csv,
        "xlsx" => Kind::Xlsx,
        _ => return None,
    };
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) || number.len() > 4 {
        return None;
    }
    Some((number.parse().ok()?, kind))
}

/// A rendered component's table: a table component's, or the data table of a chart
/// of any kind (every view that carries a `table`), with the component's title.
/// Read through the views' serialised form, so new chart kinds export without a change.
struct Found {
    title: String,
    headers: Vec<String>,
    rows: Vec<Vec<(String, bool)>>,
    suppressed: bool,
}

fn table_of(component: &ComponentView) -> Option<Found> {
    let view = serde_json::to_value(component).ok()?;
    let table = view.get("table")?;
    let title = view
        .get("title")
        .or_else(|| view.get("chart").and_then(|c| c.get("title")))
        .and_then(|t| t.as_str())
        .unwrap_or_default()
        .to_string();
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let headers = table
        .get("headers")?
        .as_array()?
        .iter()
        .map(|h| text(&h[0]))
        .collect();
    let rows = table
        .get("rows")?
        .as_array()?
        .iter()
        .map(|r| {
            r.as_array()
                .map(|cells| {
                    cells
                        .iter()
                        .map(|c| (text(&c["text"]), c["state"] == "value"))
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    let suppressed = table["suppressed"].as_bool().unwrap_or(false);
    Some(Found {
        title,
        headers,
        rows,
        suppressed,
    })
}

/// Whether a text is a number exactly as the page formats one (`-1.234,5`, `41,3 %`).
fn is_formatted_number(text: &str) -> bool {
    let body = text.strip_suffix(" %").unwrap_or(text);
    let body = body.strip_prefix('-').unwrap_or(body);
    let (whole, frac) = match body.split_once(',') {
        Some((w, f)) => (w, Some(f)),
        None => (body, None),
    };
    let whole_ok = !whole.is_empty()
        && whole.split('.').enumerate().all(|(i, g)| {
            !g.is_empty()
                && g.bytes().all(|b| b.is_ascii_digit())
                && (i == 0 && g.len() <= 3 || g.len() == 3 || !whole.contains('.'))
        });
    whole_ok && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

/// A cell text made safe for spreadsheets: one that a spreadsheet would read as a
/// formula gets a leading apostrophe.
pub fn neutralise(text: &str) -> String {
    let risky = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !is_formatted_number(text) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// The page's number text read back: (value, Excel number format).
fn number_of(text: &str) -> Option<(f64, String)> {
    if !is_formatted_number(text) {
        return None;
    }
    let (body, percent) = match text.strip_suffix(" %") {
        Some(b) => (b, true),
        None => (text, false),
    };
    let decimals = body.split_once(',').map_or(0, |(_, f)| f.len());
    let value: f64 = body.replace('.', "").replace(',', ".").parse().ok()?;
    let zeros = "0".repeat(decimals);
    let fraction = if decimals > 0 {
        format!(".{zeros}")
    } else {
        String::new()
    };
    Some(if percent {
        (value / 100.0, format!("0{fraction}%"))
    } else {
        (value, format!("#,##0{fraction}"))
    })
}

/// The table as CSV for Danish spreadsheets: UTF-8 with BOM, `;`, CRLF, the page's texts.
pub fn csv(sheet: &Sheet) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    let mut line = |cells: Vec<String>| {
        let fields: Vec<String> = cells
            .iter()
            .map(|c| {
                let c = neutralise(c);
                if c.contains([';', '"', '\n', '\r']) {
                    format!("\"{}\"", c.replace('"', "\"\""))
                } else {
                    c
                }
            })
            .collect();
        out.extend_from_slice(fields.join(";").as_bytes());
        out.extend_from_slice(b"\r\n");
    };
    line(sheet.headers.clone());
    for row in &sheet.rows {
        line(row.iter().map(|(text, _)| text.clone()).collect());
    }
    out
}

/// The table as an XLSX workbook: one sheet, bold headers, numbers as numbers with the
/// page's decimals, everything else as text, the notes below the table.
pub fn xlsx(sheet: &Sheet) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    // Fixed properties: the file records no time of its own, so equal tables give
    // equal bytes.
    let fixed = ExcelDateTime::from_ymd(2000, 1, 1)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title(&sheet.title)
            .set_author("Jobcockpit")
            .set_company("Jobcockpit")
            .set_creation_datetime(&fixed),
    );
    let ws = workbook.add_worksheet();
    ws.set_name("Tabel")?;
    let bold = Format::new().set_bold();
    for (c, h) in sheet.headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold)?;
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, (text, value)) in row.iter().enumerate() {
            let c = c as u16;
            match number_of(text).filter(|_| *value) {
                Some((v, fmt)) => {
                    ws.write_number_with_format(r, c, v, &Format::new().set_num_format(&fmt))?;
                }
                None => {
                    ws.write_string(r, c, text)?;
                }
            }
        }
    }
    let first_note = sheet.rows.len() as u32 + 2;
    for (r, note) in (first_note..).zip(&sheet.notes) {
        ws.write_string(r, 0, note)?;
    }
    ws.autofit();
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet() -> Sheet {
        Sheet {
            title: "Kohorter".into(),
            headers: vec!["Kohorte".into(), "Personer".into(), "Andel".into()],
            rows: vec![
                vec![
                    ("jan. 2024".into(), true),
                    ("1.234".into(), true),
                    ("41,3 %".into(), true),
                ],
                vec![
                    ("=HYPERLINK(\"http://x\";\"klik\")".into(), true),
                    ("–".into(), false),
                    ("-0,5 %".into(), true),
                ],
                vec![
                    ("@SUM(A1)".into(), true),
                    ("+1+1".into(), true),
                    ("\tx".into(), true),
                ],
            ],
            notes: vec!["– Færre end 5 personer – vises ikke.".into()],
        }
    }

    #[test]
    fn csv_has_a_bom_semicolons_and_danish_headers() {
        let text = String::from_utf8(csv(&sheet())).unwrap();
        assert!(text.starts_with("\u{feff}Kohorte;Personer;Andel\r\n"));
        assert!(text.contains("jan. 2024;1.234;41,3 %\r\n"));
    }

    #[test]
    fn formula_like_text_is_neutralised_but_numbers_are_not() {
        let text = String::from_utf8(csv(&sheet())).unwrap();
        assert!(text.contains("\"'=HYPERLINK(\"\"http://x\"\";\"\"klik\"\")\""));
        assert!(text.contains(";-0,5 %"));
        assert!(text.contains("'@SUM(A1);'+1+1;'\tx"));
        for line in text.lines().skip(1) {
            for field in line.split(';') {
                let field = field.trim_start_matches('"');
                assert!(
                    !field.starts_with(['=', '+', '@', '\t']),
                    "unsafe field {field:?}"
                );
            }
        }
    }

    #[test]
    fn a_formatted_number_is_recognised_and_read_back() {
        assert_eq!(number_of("1.234"), Some((1234.0, "#,##0".into())));
        assert_eq!(number_of("41,3 %"), Some((0.413, "0.0%".into())));
        assert_eq!(number_of("0,137"), Some((0.137, "#,##0.000".into())));
        for not in ["–", "jan. 2024", "1.23", "1,", "=1", "+1", "12.345.6"] {
            assert_eq!(number_of(not), None, "{not}");
        }
    }

    #[test]
    fn the_same_table_gives_the_same_xlsx_bytes() {
        let a = xlsx(&sheet()).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let b = xlsx(&sheet()).unwrap();
        assert_eq!(a, b);
        assert_eq!(&a[..2], b"PK");
    }

    #[test]
    fn xlsx_cells_are_strings_and_numbers_never_formulas() {
        use std::io::Read;
        let bytes = xlsx(&sheet()).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        zip.by_name("xl/worksheets/sheet1.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        assert!(!xml.contains("<f>"), "a formula was written: {xml}");
        assert!(xml.contains("<v>1234</v>") && xml.contains("<v>0.413</v>"));
        let mut strings = String::new();
        zip.by_name("xl/sharedStrings.xml")
            .unwrap()
            .read_to_string(&mut strings)
            .unwrap();
        assert!(strings.contains("=HYPERLINK"));
        assert!(strings.contains("Færre end 5 personer"));
    }

    #[test]
    fn file_names_are_a_component_number_and_a_type() {
        assert_eq!(parse_file("3.csv"), Some((3, Kind::Csv)));
        assert_eq!(parse_file("12.xlsx"), Some((12, Kind::Xlsx)));
        for bad in ["x.csv", "3.pdf", ".csv", "3", "-1.csv", "99999.csv"] {
            assert_eq!(parse_file(bad), None, "{bad}");
        }
    }
}
