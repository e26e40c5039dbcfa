//! Scales and SVG path data for the charts: where a value goes, round tick steps,
//! and lines that break at gaps.

use super::{Input, Kind, Pt};
use crate::format::{self, Format};
use jobcockpit_table::Cell;

/// Inset of the first and last x position, so their tick labels fit in the picture.
const X_INSET: f64 = 32.0;

pub(super) fn finite_at(values: &[Option<f64>], i: usize) -> Option<f64> {
    values.get(i).copied().flatten().filter(|v| v.is_finite())
}

pub(super) fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// Runs of consecutive present points; a missing point ends a run.
pub(super) fn segments<T: Copy>(points: &[Option<T>]) -> Vec<Vec<T>> {
    points
        .split(|p| p.is_none())
        .filter(|run| !run.is_empty())
        .map(|run| run.iter().flatten().copied().collect())
        .collect()
}

pub(super) fn polyline(points: &[Pt]) -> String {
    let mut d = String::new();
    for (i, (x, y)) in points.iter().enumerate() {
        d.push_str(&format!("{}{x:.1},{y:.1}", if i == 0 { "M" } else { " L" }));
    }
    d
}

/// A step line: each value holds until the next x, then drops (or rises) to the next.
pub(super) fn step_line(points: &[Pt]) -> String {
    let mut d = String::new();
    for (i, (x, y)) in points.iter().enumerate() {
        if i == 0 {
            d.push_str(&format!("M{x:.1},{y:.1}"));
        } else {
            let prev_y = points[i - 1].1;
            d.push_str(&format!(" L{x:.1},{prev_y:.1} L{x:.1},{y:.1}"));
        }
    }
    d
}

/// A band between two step lines (the interval of a survival curve).
pub(super) fn step_band_path(points: &[(Pt, Pt)]) -> String {
    if points.len() < 2 {
        return band_path(points);
    }
    let lows: Vec<Pt> = points.iter().map(|p| p.0).collect();
    let mut d = step_line(&lows);
    let highs: Vec<Pt> = points.iter().rev().map(|p| p.1).collect();
    // Back along the upper line: the step's vertical comes first when walking left.
    for (i, (x, y)) in highs.iter().enumerate() {
        if i == 0 {
            d.push_str(&format!(" L{x:.1},{y:.1}"));
        } else {
            let prev_x = highs[i - 1].0;
            d.push_str(&format!(" L{prev_x:.1},{y:.1} L{x:.1},{y:.1}"));
        }
    }
    d.push_str(" Z");
    d
}

pub(super) fn band_path(points: &[(Pt, Pt)]) -> String {
    if let [((x, lo), (_, hi))] = points {
        // A lone interval is drawn as a narrow bar, so it does not vanish.
        return format!(
            "M{:.1},{lo:.1} L{:.1},{lo:.1} L{:.1},{hi:.1} L{:.1},{hi:.1} Z",
            x - 4.0,
            x + 4.0,
            x + 4.0,
            x - 4.0
        );
    }
    let lows: Vec<Pt> = points.iter().map(|p| p.0).collect();
    let mut d = polyline(&lows);
    for (x, y) in points.iter().rev().map(|p| p.1) {
        d.push_str(&format!(" L{x:.1},{y:.1}"));
    }
    d.push_str(" Z");
    d
}

/// The y range (including 0 unless `y_min` says where to start, so bars and rates
/// are not exaggerated) and a round tick step.
pub(super) fn y_scale(
    values: &[f64],
    y_min: Option<f64>,
    y_max: Option<f64>,
    fmt: Format,
) -> (f64, f64, f64) {
    let min = values.iter().copied().fold(y_min.unwrap_or(0.0), f64::min);
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

pub(super) fn nice_step(raw: f64) -> f64 {
    let magnitude = 10f64.powf(raw.log10().floor());
    let m = raw / magnitude;
    let nice = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .find(|n| m <= *n + 1e-9)
        .unwrap_or(10.0);
    nice * magnitude
}

pub(super) fn tick_label(v: f64, step: f64, fmt: Format) -> String {
    let scaled = if fmt == Format::Percent {
        step * 100.0
    } else {
        step
    };
    let decimals = (0..4)
        .find(|d| (scaled * 10f64.powi(*d)).fract().abs() < 1e-6)
        .unwrap_or(4) as usize;
    match fmt {
        Format::Percent => format::percent(v, decimals),
        _ => format::number(v, decimals),
    }
}

pub(super) fn x_positions(input: &Input, left: f64, right: f64) -> Vec<f64> {
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
        Some(v) if input.kind != Kind::Bar && n > 1 => {
            let (min, max) = v
                .iter()
                .fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(*x), b.max(*x)));
            let span = if max > min { max - min } else { 1.0 };
            // Inset so the first and last tick labels fit inside the picture.
            let (left, right) = (left + X_INSET, right - X_INSET);
            v.iter()
                .map(|x| round1(left + (x - min) / span * (right - left)))
                .collect()
        }
        _ => (0..n)
            .map(|i| round1(left + (i as f64 + 0.5) * (right - left) / n as f64))
            .collect(),
    }
}
