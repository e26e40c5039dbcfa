//! Draws a chart laid out by the cockpit's chart module (`present::chart`) as PDF
//! vectors: the same geometry, colours and dash patterns as the inline SVG of the
//! HTML report, so the two show the same picture.

use super::{Anchor, Op, Pen, Rgb, INK, LINE, MUTED, WHITE};
use crate::present::chart::ChartView;

/// Chart text size in chart units (as `svg.chart text` in the CSS).
const TEXT: f32 = 13.0;
/// Opacity of an interval band.
const BAND: f32 = 0.18;

/// The colour and dash pattern of series class `s1`..`s4`.
fn style(class: &str) -> (Rgb, Option<Vec<f32>>) {
    match class {
        "s2" => (Rgb(0xb3, 0x47, 0x0b), Some(vec![7.0, 4.0])),
        "s3" => (Rgb(0x2e, 0x7d, 0x32), Some(vec![2.0, 3.0])),
        "s4" => (Rgb(0x6a, 0x3d, 0x9a), Some(vec![10.0, 3.0, 2.0, 3.0])),
        _ => (Rgb(0x0b, 0x53, 0x94), None),
    }
}

/// The chart's drawing operations, its top-left corner at (`x0`, `y0`), scaled.
pub fn ops(c: &ChartView, x0: f32, y0: f32, scale: f32) -> Vec<Op> {
    let p = |x: f64, y: f64| (x0 + x as f32 * scale, y0 + y as f32 * scale);
    let size = TEXT * scale;
    let label = |x: f64, y: f64, anchor: Anchor, color: Rgb, s: &str| {
        let (x, y) = p(x, y);
        Op::Text {
            x,
            y,
            size,
            bold: false,
            color,
            anchor,
            text: s.to_string(),
        }
    };
    let pen = |color: Rgb, width: f32, dash: Option<Vec<f32>>| Pen {
        color,
        width: width * scale,
        dash: dash.map(|d| d.iter().map(|v| v * scale).collect()),
    };
    let line = |x1: f64, y1: f64, x2: f64, y2: f64, pen: Pen| {
        let (a, b) = p(x1, y1);
        let (c, d) = p(x2, y2);
        Op::line(a, b, c, d, pen)
    };
    let rect = |x: f64, y: f64, w: f64, h: f64, color: Rgb, opacity: f32| {
        let (a, b) = p(x, y);
        Op::rect(a, b, w as f32 * scale, h as f32 * scale, color, opacity)
    };
    let mut out = Vec::new();
    if c.empty {
        return out;
    }
    for l in &c.legend {
        let (color, dash) = style(&l.class);
        out.push(match l.shape {
            "band" => rect(c.left, l.y - 10.0, 24.0, 10.0, color, BAND),
            "bar" => rect(c.left + 6.0, l.y - 11.0, 12.0, 12.0, color, 1.0),
            _ => line(
                c.left,
                l.y - 5.0,
                c.left + 24.0,
                l.y - 5.0,
                pen(color, 2.0, dash),
            ),
        });
        out.push(label(c.left + 32.0, l.y, Anchor::Start, INK, &l.label));
    }
    out.push(label(8.0, c.y_label_y, Anchor::Start, MUTED, &c.y_label));
    for t in &c.y_ticks {
        out.push(line(c.left, t.pos, c.right, t.pos, pen(LINE, 1.0, None)));
        out.push(label(c.left - 8.0, t.pos + 4.0, Anchor::End, INK, &t.label));
    }
    out.push(line(
        c.left,
        c.bottom,
        c.right,
        c.bottom,
        pen(INK, 1.0, None),
    ));
    for t in &c.x_ticks {
        out.push(line(
            t.pos,
            c.bottom,
            t.pos,
            c.bottom + 5.0,
            pen(INK, 1.0, None),
        ));
        out.push(label(t.pos, c.bottom + 20.0, Anchor::Middle, INK, &t.label));
    }
    out.push(label(
        (c.left + c.right) / 2.0,
        c.height - 8.0,
        Anchor::Middle,
        MUTED,
        &c.x_label,
    ));
    for b in &c.bands {
        let (color, _) = style(&b.class);
        for d in &b.paths {
            out.push(Op::Path {
                segs: path(d, &p),
                fill: Some((color, BAND)),
                stroke: None,
            });
        }
    }
    for s in &c.series {
        let (color, dash) = style(&s.class);
        for d in &s.paths {
            out.push(Op::Path {
                segs: path(d, &p),
                fill: None,
                stroke: Some(pen(color, 2.0, dash.clone())),
            });
        }
        for (x, y) in &s.points {
            let (cx, cy) = p(*x, *y);
            out.push(Op::circle(
                cx,
                cy,
                3.0 * scale,
                color,
                Some(pen(WHITE, 1.0, None)),
            ));
        }
        for (x, y, w, h) in &s.bars {
            out.push(rect(*x, *y, *w, *h, color, 1.0));
        }
    }
    out
}

/// Parses the chart module's path data: `M x,y`, `L x,y` and `Z` only.
fn path(d: &str, p: &impl Fn(f64, f64) -> (f32, f32)) -> Vec<super::Seg> {
    use super::Seg;
    let mut out = Vec::new();
    for token in d.split_whitespace() {
        if token == "Z" {
            out.push(Seg::Close);
            continue;
        }
        let (cmd, rest) = token.split_at(1);
        let Some((x, y)) = rest.split_once(',') else {
            continue;
        };
        let (Ok(x), Ok(y)) = (x.parse::<f64>(), y.parse::<f64>()) else {
            continue;
        };
        let (x, y) = p(x, y);
        out.push(match cmd {
            "M" => Seg::Move(x, y),
            _ => Seg::Line(x, y),
        });
    }
    out
}
