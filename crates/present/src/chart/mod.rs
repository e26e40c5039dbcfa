//! Chart geometry for server-side SVG. This module only computes positions, paths
//! and labels; `templates/charts.html` draws them, so every text goes through the
//! template's HTML escaping. Missing values (null or suppressed) are gaps.

pub mod heatmap;
pub mod interval;
pub mod reliability;
mod scale;

pub use heatmap::{HeatmapInput, HeatmapView};
pub use interval::{IntervalInput, IntervalRow, IntervalView};
pub use reliability::{ReliabilityInput, ReliabilityView};

use serde::Serialize;

use self::scale::{
    band_path, finite_at, polyline, round1, segments, step_band_path, step_line, tick_label,
    x_positions, y_scale,
};
use super::format::Format;
use super::messages::Messages;
use chrono::{Datelike, NaiveDate};
use jobcockpit_table::Cell;

const WIDTH: f64 = 720.0;
const PLOT_HEIGHT: f64 = 240.0;
const LEFT: f64 = 72.0;
const RIGHT: f64 = 24.0;
const LINE: f64 = 18.0;
const BOTTOM: f64 = 52.0;
const MAX_X_TICKS: usize = 7;
/// Up to this many categories (text on the x axis) are all named.
const MAX_CATEGORIES: usize = 12;

/// Line, bar, or step line (survival curves: the value holds until the next x).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Line,
    Bar,
    Step,
}

/// What to draw: values already reduced to numbers (`None` is a gap).
#[derive(Debug, Clone)]
pub struct Input {
    pub id: String,
    pub kind: Kind,
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub y_format: Format,
    pub y_min: Option<f64>,
    pub y_max: Option<f64>,
    /// Decimals of the values in the markers' tips (default: the format's).
    pub y_decimals: Option<usize>,
    /// The x values: dates and numbers are placed to scale, text evenly.
    pub x: Vec<Cell>,
    pub x_labels: Vec<String>,
    pub series: Vec<SeriesInput>,
}

/// One series and its optional interval band.
#[derive(Debug, Clone)]
pub struct SeriesInput {
    pub label: String,
    pub values: Vec<Option<f64>>,
    pub band: Option<BandInput>,
}

/// An interval around a series: its legend label and its lower and upper ends.
#[derive(Debug, Clone)]
pub struct BandInput {
    pub label: String,
    pub low: Vec<Option<f64>>,
    pub high: Vec<Option<f64>>,
}

/// A point in SVG coordinates.
type Pt = (f64, f64);

/// A positioned axis label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tick {
    pub pos: f64,
    pub label: String,
    /// A second line under the label (long category names are split in two).
    pub second: String,
}

impl Tick {
    /// A one-line tick.
    pub fn new(pos: f64, label: String) -> Self {
        Tick {
            pos,
            label,
            second: String::new(),
        }
    }

    /// A tick whose label is split at the space nearest its middle when long.
    fn wrapped(pos: f64, label: String) -> Self {
        if label.chars().count() <= 11 {
            return Tick::new(pos, label);
        }
        let middle = label.len() / 2;
        let split = label
            .match_indices(' ')
            .map(|(i, _)| i)
            .min_by_key(|i| i.abs_diff(middle));
        match split {
            Some(i) => Tick {
                pos,
                second: label[i + 1..].to_string(),
                label: label[..i].to_string(),
            },
            None => Tick::new(pos, label),
        }
    }
}

/// A drawn series (or band): SVG path data and markers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mark {
    pub label: String,
    /// CSS class (`s1`, `s2`, …): colour and dash pattern, so print in black and white works.
    pub class: String,
    pub paths: Vec<String>,
    pub points: Vec<Pt>,
    /// Bars: x, y, width, height.
    pub bars: Vec<(f64, f64, f64, f64)>,
    /// The value of each point (or bar), in the same order: shown on hover as the
    /// marker's SVG `<title>` ("mar. 2024 – Nye ledighedsforløb: 987").
    pub tips: Vec<String>,
}

/// A legend row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LegendItem {
    pub label: String,
    pub class: String,
    /// `line`, `band` or `bar`.
    pub shape: &'static str,
    pub y: f64,
}

/// Everything the template needs to draw one chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChartView {
    pub id: String,
    pub kind: Kind,
    pub title: String,
    /// A one-sentence summary for screen readers (`<desc>`).
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
    pub bands: Vec<Mark>,
    pub series: Vec<Mark>,
    pub legend: Vec<LegendItem>,
    pub has_gaps: bool,
    pub empty: bool,
    /// The y position of 0 when the scale goes below it (drawn as a stronger line).
    pub zero: Option<f64>,
}

/// A marker's hover text: where it is, what it is and its value (with its interval
/// when the series has a band).
fn point_tip(input: &Input, s: &SeriesInput, i: usize, v: f64, t: &Messages) -> String {
    let decimals = input
        .y_decimals
        .unwrap_or_else(|| input.y_format.default_decimals());
    let show = |v: f64| match input.y_format {
        Format::Percent => super::format::percent(v, decimals),
        _ => super::format::number(v, decimals),
    };
    let at = input.x_labels.get(i).cloned().unwrap_or_default();
    let mut text = format!("{at} – {}: {}", s.label, show(v));
    if let Some(b) = &s.band {
        if let (Some(l), Some(h)) = (finite_at(&b.low, i), finite_at(&b.high, i)) {
            text.push_str(&format!(
                " ({}: {} {} {})",
                t.interval,
                show(l),
                t.interval_to,
                show(h)
            ));
        }
    }
    text
}

/// Lays out one chart.
pub fn layout(input: &Input, t: &Messages) -> ChartView {
    let n = input.x.len();
    let legend: Vec<LegendItem> = legend_rows(input);
    let top = LINE * (legend.len() as f64 + 1.0) + 16.0;
    let bottom = top + PLOT_HEIGHT;
    let (left, right) = (LEFT, WIDTH - RIGHT);

    let values = input.series.iter().flat_map(|s| {
        let band = s.band.iter().flat_map(|b| b.low.iter().chain(&b.high));
        s.values.iter().chain(band)
    });
    let finite: Vec<f64> = values
        .flatten()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    let (lo, hi, step) = y_scale(&finite, input.y_min, input.y_max, input.y_format);
    let y = |v: f64| round1(bottom - (v - lo) / (hi - lo) * PLOT_HEIGHT);
    let xs = x_positions(input, left, right);

    let y_ticks = (0..)
        .map(|i| lo + step * i as f64)
        .take_while(|v| *v <= hi + step * 1e-6)
        .map(|v| Tick::new(y(v), tick_label(v, step, input.y_format)))
        .collect();
    let label_at = |i: usize| input.x_labels.get(i).cloned().unwrap_or_default();
    let categories = input.x.iter().all(|c| matches!(c, Cell::Text(_)));
    let x_ticks: Vec<Tick> = if categories && n <= MAX_CATEGORIES {
        // Every category is named; long names take two lines.
        (0..n).map(|i| Tick::wrapped(xs[i], label_at(i))).collect()
    } else {
        tick_indices(&input.x, MAX_X_TICKS)
            .into_iter()
            .map(|i| Tick::new(xs[i], label_at(i)))
            .collect()
    };

    let mut series = Vec::new();
    let mut bands = Vec::new();
    for (si, s) in input.series.iter().enumerate() {
        let class = format!("s{}", si % 4 + 1);
        let mut mark = Mark {
            label: s.label.clone(),
            class: class.clone(),
            paths: vec![],
            points: vec![],
            bars: vec![],
            tips: vec![],
        };
        let tip = |i: usize, v: f64| point_tip(input, s, i, v, t);
        match input.kind {
            Kind::Line | Kind::Step => {
                let pts: Vec<Option<Pt>> = (0..n)
                    .map(|i| finite_at(&s.values, i).map(|v| (xs[i], y(v))))
                    .collect();
                let runs = segments(&pts);
                // A lone point between gaps is shown by its marker alone.
                mark.paths = runs
                    .iter()
                    .filter(|seg| seg.len() > 1)
                    .map(|seg| {
                        if input.kind == Kind::Step {
                            step_line(seg)
                        } else {
                            polyline(seg)
                        }
                    })
                    .collect();
                // Steps carry no markers (a survival curve has a value at every
                // point in time, not only at the drawn ones), except a lone point.
                mark.points = if input.kind == Kind::Step {
                    runs.into_iter()
                        .filter(|r| r.len() == 1)
                        .flatten()
                        .collect()
                } else {
                    pts.into_iter().flatten().collect()
                };
                mark.tips = (0..n)
                    .filter_map(|i| finite_at(&s.values, i).map(|v| (i, v)))
                    .filter(|(i, _)| {
                        // Only the points that carry a marker (steps: lone points).
                        input.kind == Kind::Line
                            || (finite_at(&s.values, i.wrapping_sub(1)).is_none()
                                && finite_at(&s.values, i + 1).is_none())
                    })
                    .map(|(i, v)| tip(i, v))
                    .collect();
            }
            Kind::Bar => {
                let group = (right - left) / n.max(1) as f64 * 0.8;
                let width = group / input.series.len() as f64;
                let base = y(0f64.clamp(lo, hi));
                for (i, x) in xs.iter().enumerate() {
                    if let Some(v) = finite_at(&s.values, i) {
                        let x0 = x - group / 2.0 + width * si as f64;
                        let (top, bot) = if y(v) < base {
                            (y(v), base)
                        } else {
                            (base, y(v))
                        };
                        mark.bars
                            .push((round1(x0), top, round1(width), round1(bot - top)));
                        mark.tips.push(tip(i, v));
                    }
                }
            }
        }
        if let Some(band) = &s.band {
            let pts: Vec<Option<(Pt, Pt)>> = (0..n)
                .map(
                    |i| match (finite_at(&band.low, i), finite_at(&band.high, i)) {
                        (Some(l), Some(h)) => Some(((xs[i], y(l)), (xs[i], y(h)))),
                        _ => None,
                    },
                )
                .collect();
            let paths = segments(&pts)
                .iter()
                .map(|seg| {
                    if input.kind == Kind::Step {
                        step_band_path(seg)
                    } else {
                        band_path(seg)
                    }
                })
                .collect();
            bands.push(Mark {
                label: band.label.clone(),
                class,
                paths,
                points: vec![],
                bars: vec![],
                tips: vec![],
            });
        }
        series.push(mark);
    }

    // A gap is a missing value between two known ones: a series that starts late
    // (not scored yet) or ends early (not mature yet) is explained by its caption.
    let has_gaps = input.series.iter().any(|s| {
        let known: Vec<usize> = (0..n)
            .filter(|i| finite_at(&s.values, *i).is_some())
            .collect();
        match (known.first(), known.last()) {
            (Some(a), Some(b)) => b - a + 1 > known.len(),
            _ => false,
        }
    });
    let two_line_ticks = if x_ticks.iter().any(|t: &Tick| !t.second.is_empty()) {
        16.0
    } else {
        0.0
    };
    ChartView {
        id: input.id.clone(),
        kind: input.kind,
        title: input.title.clone(),
        desc: describe(input, t),
        width: WIDTH,
        height: bottom + BOTTOM + two_line_ticks,
        left,
        right,
        top,
        bottom,
        x_label: input.x_label.clone(),
        y_label: input.y_label.clone(),
        y_label_y: top - 10.0,
        x_ticks,
        y_ticks,
        bands,
        series,
        legend,
        has_gaps,
        empty: n == 0,
        zero: (lo < 0.0).then(|| y(0.0)),
    }
}

/// Where to put x ticks: on monthly dates, every January (or every second, third …
/// January when there are many years); otherwise evenly, at most `max`.
fn tick_indices(x: &[Cell], max: usize) -> Vec<usize> {
    let months: Option<Vec<NaiveDate>> = x
        .iter()
        .map(|c| match c {
            Cell::Date(d) => Some(*d),
            _ => None,
        })
        .collect();
    if let Some(months) = months {
        let januaries: Vec<usize> = (0..months.len())
            .filter(|i| months[*i].month() == 1)
            .collect();
        if januaries.len() >= 2 {
            let every = januaries.len().div_ceil(max).max(1);
            return januaries.into_iter().step_by(every).collect();
        }
    }
    let every = x.len().div_ceil(max).max(1);
    (0..x.len()).step_by(every).collect()
}

fn legend_rows(input: &Input) -> Vec<LegendItem> {
    let shape = if input.kind == Kind::Bar {
        "bar"
    } else {
        "line"
    };
    let mut rows = Vec::new();
    for (si, s) in input.series.iter().enumerate() {
        let class = format!("s{}", si % 4 + 1);
        rows.push((s.label.clone(), class.clone(), shape));
        if let Some(band) = &s.band {
            rows.push((band.label.clone(), class, "band"));
        }
    }
    rows.into_iter()
        .enumerate()
        .map(|(i, (label, class, shape))| LegendItem {
            label,
            class,
            shape,
            y: LINE * (i as f64 + 1.0),
        })
        .collect()
}

fn describe(input: &Input, t: &Messages) -> String {
    let kind = match input.kind {
        Kind::Bar => t.bar_chart,
        Kind::Line => t.line_chart,
        Kind::Step => t.step_chart,
    };
    let labels: Vec<&str> = input.series.iter().map(|s| s.label.as_str()).collect();
    let plural = |n: usize, one, many| if n == 1 { one } else { many };
    let series = plural(labels.len(), t.series_one, t.series_many);
    let mut desc = format!("{kind}, {} {series}: {}.", labels.len(), labels.join(", "));
    if let (Some(first), Some(last)) = (input.x_labels.first(), input.x_labels.last()) {
        desc.push_str(&format!(
            " {} {} {} {first} {} {last}.",
            input.x.len(),
            plural(input.x.len(), t.points_one, t.points_many),
            t.from_word,
            t.to_word
        ));
    }
    desc
}

#[cfg(test)]
mod tests;
