//! Complementary (secondary) suppression over a [`Breakdown`]: after primary suppression,
//! a set of siblings under one total must not have exactly one hidden cell, nor hidden
//! cells that add up to fewer than k persons, or "total minus the visible siblings"
//! gives a small group back. Decisions use the true values.

use std::collections::BTreeMap;

use super::Breakdown;
use jobcockpit_table::{Cell, Table};

/// Hides further cells in `hidden[count][row]` until every sibling set is safe.
/// `counts` are the rule's counts (the row count first when `row_count`).
pub(super) fn complete(
    truth: &Table,
    breakdown: &Breakdown,
    k: i64,
    counts: &[&str],
    hidden: &mut [Vec<bool>],
    row_count: bool,
) {
    let Some(col) = truth.column_index(&breakdown.column) else {
        return;
    };
    let within: Vec<usize> = breakdown
        .within
        .iter()
        .filter_map(|w| truth.column_index(w))
        .collect();
    // Groups: within-key -> breakdown value -> rows.
    let mut groups: BTreeMap<String, BTreeMap<String, Vec<usize>>> = BTreeMap::new();
    for (r, row) in truth.rows.iter().enumerate() {
        let key = within
            .iter()
            .map(|&i| format!("{:?}", row.get(i)))
            .collect::<Vec<_>>()
            .join("\u{1f}");
        let value = match row.get(col) {
            Some(Cell::Text(s)) => s.clone(),
            other => format!("{other:?}"),
        };
        groups
            .entry(key)
            .or_default()
            .entry(value)
            .or_default()
            .push(r);
    }
    for (ci, count) in counts.iter().enumerate() {
        let Some(vi) = truth.column_index(count) else {
            continue;
        };
        let value = |r: usize| truth.rows[r].get(vi).and_then(Cell::as_i64).unwrap_or(0);
        for by_value in groups.values() {
            let totals = by_value.get(&breakdown.total).cloned().unwrap_or_default();
            for (v, siblings) in by_value {
                if *v == breakdown.total {
                    continue;
                }
                protect(siblings, &totals, &value, k, &mut hidden[ci]);
            }
        }
        if row_count && ci == 0 {
            // Rows hidden by the row count hide their partial counts too.
            let (row, rest) = hidden.split_at_mut(1);
            for h in rest {
                h.iter_mut().zip(&row[0]).for_each(|(p, r)| *p |= *r);
            }
        }
    }
}

/// Hides the smallest visible sibling until the hidden ones are none, or at least two
/// that together hold k persons or more; hides the total when no sibling is left.
fn protect(
    siblings: &[usize],
    totals: &[usize],
    value: &dyn Fn(usize) -> i64,
    k: i64,
    hidden: &mut [bool],
) {
    loop {
        let hid: Vec<usize> = siblings.iter().copied().filter(|&r| hidden[r]).collect();
        // A hidden zero gives no one away; only hidden persons need partners.
        let persons: i64 = hid.iter().map(|&r| value(r).max(0)).sum();
        if persons == 0 || (hid.len() >= 2 && persons >= k) {
            return;
        }
        match siblings
            .iter()
            .copied()
            .filter(|&r| !hidden[r])
            .min_by_key(|&r| (value(r), r))
        {
            Some(r) => hidden[r] = true,
            None => {
                for &t in totals {
                    hidden[t] = true;
                }
                return;
            }
        }
    }
}
