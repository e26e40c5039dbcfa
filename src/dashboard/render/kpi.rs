//! The KPI component: one value from a chosen row, with its interval and details.

use super::{at, key_text, show, shown, ComponentView, Cx, KpiView, Mart, RenderError};
use crate::dashboard::spec::{ColumnSpec, Kpi};
use crate::table::Cell;

pub(super) fn kpi(k: &Kpi, mart: &Mart, cx: &Cx) -> Result<ComponentView, RenderError> {
    let t = cx.t;
    let value_i = mart.index(&k.column)?;
    let row = pick_row(k, mart)?;
    let cell_at = |i: usize| row.map_or(&Cell::Null, |r| at(r, i));
    let value_spec = ColumnSpec {
        column: k.column.clone(),
        label: k.label.clone(),
        format: k.format,
        decimals: k.decimals,
        if_null: k.if_null.clone(),
    };
    let value = show(cell_at(value_i), &value_spec, cx);
    let interval = match (&k.ci_low, &k.ci_high) {
        (Some(lo), Some(hi)) => {
            let (lo, hi) = (cell_at(mart.index(lo)?), cell_at(mart.index(hi)?));
            // An interval is only worth showing when both ends are known.
            (!matches!(lo, Cell::Null) && !matches!(hi, Cell::Null)).then(|| {
                (
                    shown(lo, k.format, k.decimals, None, t),
                    shown(hi, k.format, k.decimals, None, t),
                )
            })
        }
        _ => None,
    };
    let details = k
        .details
        .iter()
        .map(|d| {
            Ok((
                d.label.clone(),
                show(cell_at(mart.index(&d.column)?), d, cx),
            ))
        })
        .collect::<Result<Vec<_>, RenderError>>()?;
    let suppressed = value.state == "suppressed"
        || interval
            .iter()
            .any(|(a, b)| a.state == "suppressed" || b.state == "suppressed")
        || details.iter().any(|(_, s)| s.state == "suppressed");
    Ok(ComponentView::Kpi(KpiView {
        label: k.label.clone(),
        value,
        unit: k.unit.clone(),
        note: k.note.clone(),
        interval,
        details,
        suppressed,
    }))
}

fn pick_row<'a>(k: &Kpi, mart: &Mart<'a>) -> Result<Option<&'a Vec<Cell>>, RenderError> {
    let rows = &mart.table.rows;
    if let Some(col) = &k.row.last_with {
        let i = mart.index(col)?;
        return Ok(rows.iter().rev().find(|r| !matches!(at(r, i), Cell::Null)));
    }
    if let (Some(col), Some(want)) = (&k.row.column, &k.row.equals) {
        let i = mart.index(col)?;
        return Ok(rows
            .iter()
            .find(|r| key_text(at(r, i)).as_deref() == Some(want.as_str())));
    }
    Ok(rows.last())
}
