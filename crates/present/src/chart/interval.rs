//! The interval plot: one row per group, a point with its 95 % interval as a
//! horizontal whisker, rows gathered under group headings, and the value written at
//! the right so the numbers can be read without the picture.

use serde::Serialize;

use super::scale::{nice_step, round1, tick_label};
use super::{LegendItem, Tick};
use crate::format::Format;
use crate::messages::Messages;

const WIDTH: f64 = 720.0;
const RIGHT_TEXT: f64 = 150.0;
const RIGHT: f64 = 12.0;
const ROW_H: f64 = 22.0;
const HEAD_H: f64 = 28.0;
const LINE: f64 = 18.0;
const CHAR_W: f64 = 6.6;
const MAX_LABEL_W: f64 = 280.0;
const BOTTOM: f64 = 48.0;

/// One row to draw; values of `None` (hidden or unknown) draw no point.
#[derive(Debug, Clone, PartialEq)]
pub struct IntervalRow {
    pub group: Option<String>,
    pub label: String,
    pub value: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// The value and interval as text, for the right-hand column.
    pub text: String,
    pub flagged: bool,
    /// The group the others in its block are compared with.
    pub reference: bool,
}

/// What to draw.
#[derive(Debug, Clone)]
pub struct IntervalInput {
    pub id: String,
    pub title: String,
    pub x_label: String,
    pub format: Format,
    pub x_max: Option<f64>,
    pub rows: Vec<IntervalRow>,
    /// Added to a flagged row's label ("markeret").
    pub flag_label: Option<String>,
}

/// A drawn line of the plot: a group heading or a row with its point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineMark {
    /// `heading` or `row`.
    pub kind: &'static str,
    pub y: f64,
    pub label: String,
    pub text: String,
    pub flagged: bool,
    pub point: Option<f64>,
    pub whisker: Option<(f64, f64)>,
}

/// Everything `charts.html` needs to draw the interval plot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntervalView {
    pub id: String,
    pub title: String,
    pub desc: String,
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub right: f64,
    pub text_x: f64,
    pub top: f64,
    pub bottom: f64,
    pub x_label: String,
    pub x_ticks: Vec<Tick>,
    pub lines: Vec<LineMark>,
    /// Dashed vertical lines at each block's reference value: x, top, bottom.
    pub reference_lines: Vec<(f64, f64, f64)>,
    pub legend: Vec<LegendItem>,
    pub has_gaps: bool,
    pub empty: bool,
}

/// Lays out an interval plot.
pub fn layout(input: &IntervalInput, t: &Messages) -> IntervalView {
    let suffix = |r: &IntervalRow| {
        let mut s = String::new();
        if r.reference {
            s.push_str(&format!(" ({})", t.reference_mark));
        }
        if let (Some(f), true) = (&input.flag_label, r.flagged) {
            s.push_str(&format!(" – {}", f.to_lowercase()));
        }
        s
    };
    let longest = input
        .rows
        .iter()
        .flat_map(|r| {
            [
                r.label.chars().count() + suffix(r).chars().count() + 2,
                r.group.as_ref().map_or(0, |g| g.chars().count()),
            ]
        })
        .max()
        .unwrap_or(0);
    let left = (longest as f64 * CHAR_W + 16.0)
        .clamp(100.0, MAX_LABEL_W)
        .round();
    let right = WIDTH - RIGHT - RIGHT_TEXT;
    let mut legend = vec![LegendItem {
        label: t.value_with_interval.into(),
        class: "s1".into(),
        shape: "hwhisker",
        y: LINE,
    }];
    if input.rows.iter().any(|r| r.reference) {
        legend.push(LegendItem {
            label: t.reference_line.into(),
            class: "reference".into(),
            shape: "vline",
            y: LINE * 2.0,
        });
    }
    let top = LINE * (legend.len() as f64 + 1.0) + 12.0;

    let max = input
        .rows
        .iter()
        .flat_map(|r| [r.value, r.high])
        .flatten()
        .filter(|v| v.is_finite())
        .fold(input.x_max.unwrap_or(0.0), f64::max);
    let min = input
        .rows
        .iter()
        .flat_map(|r| [r.value, r.low])
        .flatten()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::min);
    let span = if max > min { max - min } else { 1.0 };
    let step = nice_step(span / 5.0);
    let lo = (min / step).floor() * step;
    let hi = ((max / step).ceil() * step).max(lo + step);
    let x = |v: f64| round1(left + (v.clamp(lo, hi) - lo) / (hi - lo) * (right - left));

    let mut lines = Vec::new();
    let mut y = top;
    let mut current_group: Option<&String> = None;
    let mut has_gaps = false;
    // Per block: its first and last row's y and its reference value's x.
    let mut blocks: Vec<(f64, f64, Option<f64>)> = Vec::new();
    for r in &input.rows {
        if blocks.is_empty() || (r.group.is_some() && r.group.as_ref() != current_group) {
            blocks.push((f64::MAX, 0.0, None));
        }
        if r.group.is_some() && r.group.as_ref() != current_group {
            current_group = r.group.as_ref();
            y += HEAD_H;
            lines.push(LineMark {
                kind: "heading",
                y: round1(y - 8.0),
                label: r.group.clone().unwrap_or_default(),
                text: String::new(),
                flagged: false,
                point: None,
                whisker: None,
            });
        }
        y += ROW_H;
        let point = r.value.filter(|v| v.is_finite()).map(x);
        has_gaps |= point.is_none();
        if let Some(block) = blocks.last_mut() {
            block.0 = block.0.min(y - 7.0 - ROW_H / 2.0);
            block.1 = y - 7.0 + ROW_H / 2.0;
            if r.reference {
                block.2 = point;
            }
        }
        lines.push(LineMark {
            kind: "row",
            y: round1(y - 7.0),
            label: format!("{}{}", r.label, suffix(r)),
            text: r.text.clone(),
            flagged: r.flagged,
            point,
            whisker: match (r.low, r.high) {
                (Some(l), Some(h)) if l.is_finite() && h.is_finite() && point.is_some() => {
                    Some((x(l), x(h)))
                }
                _ => None,
            },
        });
    }
    let bottom = y + 10.0;
    let x_ticks = (0..)
        .map(|i| lo + step * i as f64)
        .take_while(|v| *v <= hi + step * 1e-6)
        .map(|v| Tick::new(x(v), tick_label(v, step, input.format)))
        .collect();
    let flagged = input.rows.iter().filter(|r| r.flagged).count();
    IntervalView {
        id: input.id.clone(),
        title: input.title.clone(),
        desc: Messages::fill(
            t.interval_desc,
            &[
                ("n", &input.rows.len().to_string()),
                ("flagged", &flagged.to_string()),
            ],
        ),
        width: WIDTH,
        height: bottom + BOTTOM,
        left,
        right,
        text_x: WIDTH - RIGHT,
        top,
        bottom,
        x_label: input.x_label.clone(),
        x_ticks,
        lines,
        reference_lines: blocks
            .into_iter()
            .filter_map(|(top, bottom, x)| x.map(|x| (x, round1(top), round1(bottom))))
            .collect(),
        legend,
        has_gaps,
        empty: input.rows.is_empty(),
    }
}
