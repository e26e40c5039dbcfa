//! Chart geometry for server-side SVG. This module only computes positions, paths
//! and labels; `templates/charts.html` draws them, so every text goes through the
//! template's HTML escaping. Missing values (null or suppressed) are gaps.

use serde::Serialize;

use super::format::{self, Format};
use super::messages::Messages;
use crate::table::Cell;

const WIDTH: f64 = 720.0;
const PLOT_HEIGHT: f64 = 240.0;
const LEFT: f64 = 72.0;
const RIGHT: f64 = 24.0;
const LINE: f64 = 18.0;
const BOTTOM: f64 = 52.0;
const MAX_X_TICKS: usize = 6;

/// Line or bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Line,
    Bar,
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
    pub y_max: Option<f64>,
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
    let finite: Vec<f64> = values.flatten().copied().filter(|v| v.is_finite()).collect();
    let (lo, hi, step) = y_scale(&finite, input.y_max, input.y_format);
    let y = |v: f64| round1(bottom - (v - lo) / (hi - lo) * PLOT_HEIGHT);
    let xs = x_positions(input, left, right);

    let y_ticks = (0..)
        .map(|i| lo + step * i as f64)
        .take_while(|v| *v <= hi + step * 1e-6)
        .map(|v| Tick { pos: y(v), label: tick_label(v, step, input.y_format) })
        .collect();
    let every = n.div_ceil(MAX_X_TICKS).max(1);
    let x_ticks = (0..n)
        .step_by(every)
        .map(|i| Tick { pos: xs[i], label: input.x_labels.get(i).cloned().unwrap_or_default() })
        .collect();

    let mut series = Vec::new();
    let mut bands = Vec::new();
    for (si, s) in input.series.iter().enumerate() {
        let class = format!("s{}", si % 4 + 1);
        let mut mark = Mark { label: s.label.clone(), class: class.clone(), paths: vec![], points: vec![], bars: vec![] };
        match input.kind {
            Kind::Line => {
                let pts: Vec<Option<Pt>> =
                    (0..n).map(|i| finite_at(&s.values, i).map(|v| (xs[i], y(v)))).collect();
                mark.paths = segments(&pts).iter().map(|seg| polyline(seg)).collect();
                mark.points = pts.into_iter().flatten().collect();
            }
            Kind::Bar => {
                let group = (right - left) / n.max(1) as f64 * 0.8;
                let width = group / input.series.len() as f64;
                let base = y(0f64.clamp(lo, hi));
                for (i, x) in xs.iter().enumerate() {
                    if let Some(v) = finite_at(&s.values, i) {
                        let x0 = x - group / 2.0 + width * si as f64;
                        let (top, bot) = if y(v) < base { (y(v), base) } else { (base, y(v)) };
                        mark.bars.push((round1(x0), top, round1(width), round1(bot - top)));
                    }
                }
            }
        }
        if let Some(band) = &s.band {
            let pts: Vec<Option<(Pt, Pt)>> = (0..n)
                .map(|i| match (finite_at(&band.low, i), finite_at(&band.high, i)) {
                    (Some(l), Some(h)) => Some(((xs[i], y(l)), (xs[i], y(h)))),
                    _ => None,
                })
                .collect();
            let paths = segments(&pts).iter().map(|seg| band_path(seg)).collect();
            bands.push(Mark { label: band.label.clone(), class, paths, points: vec![], bars: vec![] });
        }
        series.push(mark);
    }

    let has_gaps = input.series.iter().any(|s| (0..n).any(|i| finite_at(&s.values, i).is_none()));
    ChartView {
        id: input.id.clone(),
        kind: input.kind,
        title: input.title.clone(),
        desc: describe(input, t),
        width: WIDTH,
        height: bottom + BOTTOM,
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
    }
}

fn legend_rows(input: &Input) -> Vec<LegendItem> {
    let shape = if input.kind == Kind::Bar { "bar" } else { "line" };
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
        .map(|(i, (label, class, shape))| LegendItem { label, class, shape, y: LINE * (i as f64 + 1.0) })
        .collect()
}

fn finite_at(values: &[Option<f64>], i: usize) -> Option<f64> {
    values.get(i).copied().flatten().filter(|v| v.is_finite())
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// Runs of consecutive present points; a missing point ends a run.
fn segments<T: Copy>(points: &[Option<T>]) -> Vec<Vec<T>> {
    points
        .split(|p| p.is_none())
        .filter(|run| !run.is_empty())
        .map(|run| run.iter().flatten().copied().collect())
        .collect()
}

fn polyline(points: &[Pt]) -> String {
    let mut d = String::new();
    for (i, (x, y)) in points.iter().enumerate() {
        d.push_str(&format!("{}{x:.1},{y:.1}", if i == 0 { "M" } else { " L" }));
    }
    d
}

fn band_path(points: &[(Pt, Pt)]) -> String {
    let lows: Vec<Pt> = points.iter().map(|p| p.0).collect();
    let mut d = polyline(&lows);
    for (x, y) in points.iter().rev().map(|p| p.1) {
        d.push_str(&format!(" L{x:.1},{y:.1}"));
    }
    d.push_str(" Z");
    d
}

/// The y range (always including 0, so bars and rates are not exaggerated) and a
/// round tick step.
fn y_scale(values: &[f64], y_max: Option<f64>, fmt: Format) -> (f64, f64, f64) {
    let min = values.iter().copied().fold(0.0, f64::min);
    let max = values.iter().copied().fold(y_max.unwrap_or(0.0), f64::max);
    let span = if max > min { max - min } else { 1.0 };
    let mut step = nice_step(span / 5.0);
    if fmt == Format::Integer {
        step = step.max(1.0);
    }
    let lo = (min / step).floor() * step;
    let hi = ((max / step).ceil() * step).max(lo + step);
    (lo, hi, step)
}

fn nice_step(raw: f64) -> f64 {
    let magnitude = 10f64.powf(raw.log10().floor());
    let m = raw / magnitude;
    let nice = [1.0, 2.0, 2.5, 5.0, 10.0].into_iter().find(|n| m <= *n + 1e-9).unwrap_or(10.0);
    nice * magnitude
}

fn tick_label(v: f64, step: f64, fmt: Format) -> String {
    let scaled = if fmt == Format::Percent { step * 100.0 } else { step };
    let decimals = (0..4).find(|d| (scaled * 10f64.powi(*d)).fract().abs() < 1e-6).unwrap_or(4) as usize;
    match fmt {
        Format::Percent => format::percent(v, decimals),
        _ => format::number(v, decimals),
    }
}

fn x_positions(input: &Input, left: f64, right: f64) -> Vec<f64> {
    let n = input.x.len();
    let scaled: Option<Vec<f64>> = input
        .x
        .iter()
        .map(|c| match c {
            Cell::Date(d) => Some(f64::from(chrono::Datelike::num_days_from_ce(d))),
            Cell::Int(_) | Cell::Float(_) => c.as_f64().filter(|v| v.is_finite()),
            _ => None,
        })
        .collect();
    match scaled {
        Some(v) if input.kind == Kind::Line && n > 1 => {
            let (min, max) = v.iter().fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(*x), b.max(*x)));
            let span = if max > min { max - min } else { 1.0 };
            v.iter().map(|x| round1(left + (x - min) / span * (right - left))).collect()
        }
        _ => (0..n).map(|i| round1(left + (i as f64 + 0.5) * (right - left) / n as f64)).collect(),
    }
}

fn describe(input: &Input, t: &Messages) -> String {
    let kind = if input.kind == Kind::Bar { t.bar_chart } else { t.line_chart };
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
#[path = "chart_tests.rs"]
mod tests;
