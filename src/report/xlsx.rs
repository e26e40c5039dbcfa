//! The spreadsheet for analysts: a first sheet about the report, then one sheet per
//! table of the report, numbers as numbers (shares as percentages, dates as dates),
//! hidden cells as "–". The document properties carry a fixed creation date (the
//! report's), so the same report gives the same bytes.

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, Worksheet, XlsxError,
};

use super::content::{Block, Document, NumFmt, RCell, TableBlock, XValue};
use super::ReportError;

/// Excel's limit on sheet names.
const MAX_SHEET_NAME: usize = 31;

pub fn render(doc: &Document, built_at: &str) -> Result<Vec<u8>, ReportError> {
    let mut wb = Workbook::new();
    let props = DocProperties::new()
        .set_title(&doc.file_title)
        .set_author("Jobcockpit")
        .set_creation_datetime(&excel_datetime(built_at)?);
    wb.set_properties(&props);
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);

    let about = wb.add_worksheet();
    about.set_name(sheet_name(&doc.about_sheet, &mut Vec::new()))?;
    about.write_string_with_format(0, 0, &doc.file_title, &bold)?;
    for (row, line) in (2..).zip(std::iter::once(&doc.intro).chain(&doc.meta)) {
        about.write_string_with_format(row, 0, line, &wrap)?;
    }
    about.set_column_width(0, 110)?;

    let mut names = vec![doc.about_sheet.clone()];
    for table in tables(doc) {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&table.sheet, &mut names))?;
        write_table(ws, table, &bold)?;
    }
    Ok(wb.save_to_buffer()?)
}

fn tables(doc: &Document) -> impl Iterator<Item = &TableBlock> {
    doc.sections
        .iter()
        .flat_map(|s| &s.blocks)
        .filter_map(|b| match b {
            Block::Table(t) => Some(t),
            _ => None,
        })
}

fn write_table(ws: &mut Worksheet, t: &TableBlock, bold: &Format) -> Result<(), XlsxError> {
    ws.write_string_with_format(0, 0, &t.title, bold)?;
    ws.write_string(1, 0, &t.caption)?;
    let head = 3;
    let mut widths: Vec<usize> = t.columns.iter().map(|c| c.label.chars().count()).collect();
    for (c, col) in t.columns.iter().enumerate() {
        ws.write_string_with_format(head, c as u16, &col.label, bold)?;
    }
    for (r, cells) in t.rows.iter().enumerate() {
        let row = head + 1 + r as u32;
        for (c, cell) in cells.iter().enumerate() {
            write_cell(ws, row, c as u16, cell)?;
            if let Some(w) = widths.get_mut(c) {
                *w = (*w).max(cell.text.chars().count());
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, (*w as f64 + 2.0).min(80.0))?;
    }
    let mut below = head + 2 + t.rows.len() as u32;
    if t.rows.is_empty() {
        ws.write_string(below - 1, 0, &t.empty)?;
        below += 1;
    }
    if !t.note.is_empty() {
        ws.write_string(below, 0, &t.note)?;
    }
    ws.set_freeze_panes(head + 1, 0)?;
    Ok(())
}

fn write_cell(ws: &mut Worksheet, row: u32, col: u16, cell: &RCell) -> Result<(), XlsxError> {
    match &cell.value {
        XValue::Number(v, fmt) => {
            let code = match fmt {
                NumFmt::Integer => "#,##0".to_string(),
                NumFmt::Percent(0) => "0%".to_string(),
                NumFmt::Percent(d) => format!("0.{}%", "0".repeat(*d)),
                NumFmt::Decimal(d) => format!("0.{}", "0".repeat((*d).max(1))),
            };
            ws.write_number_with_format(row, col, *v, &Format::new().set_num_format(code))?;
        }
        XValue::Date(d) => {
            // A month is shown as a month; a day (a delivery date) as a date.
            let code = if cell.text.contains('-') {
                "dd-mm-yyyy"
            } else {
                "mmm yyyy"
            };
            ws.write_datetime_with_format(
                row,
                col,
                excel_date(*d)?,
                &Format::new().set_num_format(code),
            )?;
        }
        // Written as text, never as a formula, whatever the first character is.
        XValue::Text(s) => {
            ws.write_string(row, col, s)?;
        }
    }
    Ok(())
}

/// A sheet name Excel accepts, unique within the workbook.
fn sheet_name(wanted: &str, taken: &mut Vec<String>) -> String {
    let clean: String = wanted
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { ' ' } else { c })
        .collect::<String>()
        .trim_matches('\'')
        .chars()
        .take(MAX_SHEET_NAME)
        .collect();
    let mut name = if clean.trim().is_empty() {
        "Ark".to_string()
    } else {
        clean
    };
    let mut i = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
        let suffix = format!(" {i}");
        name = name
            .chars()
            .take(MAX_SHEET_NAME - suffix.len())
            .collect::<String>()
            + &suffix;
        i += 1;
    }
    taken.push(name.clone());
    name
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
}

fn excel_datetime(rfc3339: &str) -> Result<ExcelDateTime, ReportError> {
    let t = chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map_err(|e| ReportError::BuiltAt(format!("{rfc3339}: {e}")))?
        .naive_utc();
    use chrono::Timelike;
    Ok(
        ExcelDateTime::from_ymd(t.year() as u16, t.month() as u8, t.day() as u8)?.and_hms(
            t.hour() as u16,
            t.minute() as u8,
            t.second(),
        )?,
    )
}
