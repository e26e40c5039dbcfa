//! The reliability diagram: for each bin of predicted risk, the observed share with
//! its 95 % interval, against the mean predicted risk. Both axes share one scale, so
//! the diagonal (observed = predicted) is perfect calibration and a point above it
//! means the model predicted too low a risk for that bin.

use serde::Serialize;

use super::scale::{nice_step, round1, tick_label};
use super::{LegendItem, Tick};
use crate::format::Format;
use crate::messages::Messages;

const WIDTH: f64 = 560.0;
const SIDE: f64 = 380.0;
const LEFT: f64 = 72.0;
const LINE: f64 = 18.0;
const BOTTOM: f64 = 52.0;

/// One bin: mean predicted, observed share and its interval; `None` is not shown.
#[derive(Debug, Clone, PartialEq)]
pub struct BinInput {
    pub predicted: Option<f64>,
    pub observed: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// What to draw.
#[derive(Debug, Clone)]
pub struct ReliabilityInput {
    pub id: String,
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub bins: Vec<BinInput>,
}

/// One drawn bin: the point and its whisker (SVG coordinates).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BinMark {
    pub x: f64,
    pub y: f64,
    /// The interval's ends, when known.
    pub whisker: Option<(f64, f64)>,
}

/// Everything `charts.html` needs to draw the diagram.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReliabilityView {
    pub id: String,
    pub title: String,
    pub desc: String,
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
    pub x_label: String,
    pub y_label: String,
    pub y_label_y: f64,
    pub x_ticks: Vec<Tick>,
    pub y_ticks: Vec<Tick>,
    /// The diagonal from (0, 0) to the top right corner.
    pub diagonal: (f64, f64, f64, f64),
    pub bins: Vec<BinMark>,
    pub legend: Vec<LegendItem>,
    /// Bins not drawn because a figure is hidden or unknown.
    pub has_gaps: bool,
    pub empty: bool,
}

/// Lays out a reliability diagram.
pub fn layout(input: &ReliabilityInput, t: &Messages) -> ReliabilityView {
    let legend = vec![
        LegendItem {
            label: t.perfect_calibration.into(),
            class: "diagonal".into(),
            shape: "line",
            y: LINE,
        },
        LegendItem {
            label: t.observed_with_interval.into(),
            class: "s1".into(),
            shape: "whisker",
            y: LINE * 2.0,
        },
    ];
    let top = LINE * 3.0 + 16.0;
    let bottom = top + SIDE;
    let (left, right) = (LEFT, LEFT + SIDE);

    let drawn: Vec<&BinInput> = input
        .bins
        .iter()
        .filter(|b| finite(b.predicted).is_some() && finite(b.observed).is_some())
        .collect();
    // One scale for both axes, from 0 to a round number above every drawn value.
    let max = drawn
        .iter()
        .flat_map(|b| [b.predicted, b.observed, b.high])
        .filter_map(finite)
        .fold(0.0, f64::max);
    let step = nice_step((max.max(0.01)) / 5.0);
    let hi = ((max / step).ceil() * step).max(step);
    let x = |v: f64| round1(left + v.clamp(0.0, hi) / hi * SIDE);
    let y = |v: f64| round1(bottom - v.clamp(0.0, hi) / hi * SIDE);
    let ticks: Vec<f64> = (0..)
        .map(|i| step * i as f64)
        .take_while(|v| *v <= hi + step * 1e-6)
        .collect();
    let label = |v: f64| tick_label(v, step, Format::Percent);

    let bins = drawn
        .iter()
        .map(|b| {
            let (p, o) = (
                b.predicted.unwrap_or_default(),
                b.observed.unwrap_or_default(),
            );
            BinMark {
                x: x(p),
                y: y(o),
                whisker: match (finite(b.low), finite(b.high)) {
                    (Some(lo), Some(h)) => Some((y(lo), y(h))),
                    _ => None,
                },
            }
        })
        .collect();
    let has_gaps = drawn.len() < input.bins.len();
    ReliabilityView {
        id: input.id.clone(),
        title: input.title.clone(),
        desc: describe(input, drawn.len(), t),
        width: WIDTH,
        height: bottom + BOTTOM,
        left,
        right,
        top,
        bottom,
        x_label: input.x_label.clone(),
        y_label: input.y_label.clone(),
        y_label_y: top - 10.0,
        x_ticks: ticks.iter().map(|v| Tick::new(x(*v), label(*v))).collect(),
        y_ticks: ticks.iter().map(|v| Tick::new(y(*v), label(*v))).collect(),
        diagonal: (x(0.0), y(0.0), x(hi), y(hi)),
        bins,
        legend,
        has_gaps,
        empty: drawn.is_empty(),
    }
}

fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|v| v.is_finite())
}

/// A summary for screen readers: how many bins lie above and below the diagonal,
/// counting only those whose interval does not reach it.
fn describe(input: &ReliabilityInput, drawn: usize, t: &Messages) -> String {
    let (mut above, mut below) = (0, 0);
    for b in &input.bins {
        if let (Some(p), Some(lo), Some(hi)) = (finite(b.predicted), finite(b.low), finite(b.high))
        {
            if lo > p {
                above += 1;
            } else if hi < p {
                below += 1;
            }
        }
    }
    Messages::fill(
        t.reliability_desc,
        &[
            ("n", &drawn.to_string()),
            ("above", &above.to_string()),
            ("below", &below.to_string()),
        ],
    )
}
