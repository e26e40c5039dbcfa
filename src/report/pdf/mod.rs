//! The PDF, made here with krilla (no browser): A4 pages laid out from the same
//! document as the HTML, fonts subset and embedded, charts drawn as vectors from
//! the cockpit's chart geometry, a footer with page numbers and bookmarks per
//! section. The creation date is the report's, so the same report gives the same
//! bytes. The PDF is tagged for screen readers (krilla's tagged PDF): every line of
//! text is a heading or a paragraph in reading order, lines and fills are artifacts,
//! and the footer is a page artifact.

mod chart;
mod flow;
mod table;
mod text;

use krilla::color::rgb;
use krilla::destination::XyzDestination;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke, StrokeDash};
use krilla::surface::Surface;
use krilla::tagging::{ArtifactType, ContentTag, Node, SpanTag, Tag, TagGroup, TagTree};
use krilla::text::TextDirection;
use krilla::Document as PdfDocument;

use self::text::Fonts;
use super::content::Document;
use super::ReportError;

/// A4 in points.
pub const PAGE_W: f32 = 595.28;
pub const PAGE_H: f32 = 841.89;

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rgb(pub u8, pub u8, pub u8);

pub const INK: Rgb = Rgb(0x1b, 0x1f, 0x24);
pub const MUTED: Rgb = Rgb(0x59, 0x61, 0x6b);
pub const LINE: Rgb = Rgb(0xd6, 0xda, 0xe0);
pub const WASH: Rgb = Rgb(0xf4, 0xf6, 0xf8);
pub const ACCENT: Rgb = Rgb(0x0b, 0x53, 0x94);
pub const WHITE: Rgb = Rgb(0xff, 0xff, 0xff);

/// Where a text's x is: its left end, centre or right end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

/// A path segment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Seg {
    Move(f32, f32),
    Line(f32, f32),
    Cubic(f32, f32, f32, f32, f32, f32),
    Close,
}

/// A stroke: colour, width and dash pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Pen {
    pub color: Rgb,
    pub width: f32,
    pub dash: Option<Vec<f32>>,
}

/// One drawing operation of a laid-out page (y grows downwards, as in krilla).
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        color: Rgb,
        anchor: Anchor,
        text: String,
    },
    Path {
        segs: Vec<Seg>,
        fill: Option<(Rgb, f32)>,
        stroke: Option<Pen>,
    },
}

impl Op {
    /// A filled rectangle.
    pub fn rect(x: f32, y: f32, w: f32, h: f32, color: Rgb, opacity: f32) -> Op {
        Op::Path {
            segs: vec![
                Seg::Move(x, y),
                Seg::Line(x + w, y),
                Seg::Line(x + w, y + h),
                Seg::Line(x, y + h),
                Seg::Close,
            ],
            fill: Some((color, opacity)),
            stroke: None,
        }
    }

    /// A straight line.
    pub fn line(x1: f32, y1: f32, x2: f32, y2: f32, pen: Pen) -> Op {
        Op::Path {
            segs: vec![Seg::Move(x1, y1), Seg::Line(x2, y2)],
            fill: None,
            stroke: Some(pen),
        }
    }

    /// A circle, as four cubic arcs.
    pub fn circle(cx: f32, cy: f32, r: f32, fill: Rgb, stroke: Option<Pen>) -> Op {
        let k = 0.552_284_8 * r;
        Op::Path {
            segs: vec![
                Seg::Move(cx + r, cy),
                Seg::Cubic(cx + r, cy + k, cx + k, cy + r, cx, cy + r),
                Seg::Cubic(cx - k, cy + r, cx - r, cy + k, cx - r, cy),
                Seg::Cubic(cx - r, cy - k, cx - k, cy - r, cx, cy - r),
                Seg::Cubic(cx + k, cy - r, cx + r, cy - k, cx + r, cy),
                Seg::Close,
            ],
            fill: Some((fill, 1.0)),
            stroke,
        }
    }
}

/// Renders the document to PDF bytes; `built_at` (RFC 3339) is its creation date.
pub fn render(doc: &Document, built_at: &str) -> Result<Vec<u8>, ReportError> {
    let fonts = Fonts::load().map_err(|e| ReportError::Pdf(e.to_string()))?;
    let laid = flow::lay_out(doc, &fonts);
    let mut pdf = PdfDocument::new();
    pdf.set_metadata(metadata(doc, built_at)?);
    let pages = laid.pages.len();
    let mut tree = TagTree::new();
    for (i, ops) in laid.pages.iter().enumerate() {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
            .ok_or_else(|| ReportError::Pdf("ugyldig sidestørrelse".into()))?;
        let mut page = pdf.start_page_with(settings);
        let mut surface = page.surface();
        for op in ops {
            match structure(op) {
                Some(kind) => {
                    let id = surface.start_tagged(ContentTag::Span(SpanTag::empty()));
                    draw(&mut surface, op, &fonts);
                    surface.end_tagged();
                    let node: Node = id.into();
                    tree.push(match kind {
                        Some(level) => TagGroup::with_children(Tag::Hn(level, None), vec![node]),
                        None => TagGroup::with_children(Tag::P, vec![node]),
                    });
                }
                None => {
                    surface.start_tagged(ContentTag::Artifact(ArtifactType::Other));
                    draw(&mut surface, op, &fonts);
                    surface.end_tagged();
                }
            }
        }
        for op in &flow::footer(doc, i + 1, pages) {
            surface.start_tagged(ContentTag::Artifact(ArtifactType::Footer));
            draw(&mut surface, op, &fonts);
            surface.end_tagged();
        }
        surface.finish();
        page.finish();
    }
    pdf.set_tag_tree(tree);
    let mut outline = Outline::new();
    for (title, page, y) in &laid.outline {
        if *page < pages {
            let dest = XyzDestination::new(*page, Point::from_xy(0.0, *y));
            outline.push_child(OutlineNode::new(title.clone(), dest));
        }
    }
    pdf.set_outline(outline);
    pdf.finish().map_err(|e| ReportError::Pdf(format!("{e:?}")))
}

/// What a drawing is in the document's structure: `None` an artifact (lines,
/// fills, bars), `Some(None)` a paragraph line, `Some(Some(level))` a heading line.
/// The layout marks headings by bold type of their sizes (flow.rs: title 20 and
/// up, sections 15, headings and the contents' title 10.5 to 11).
fn structure(op: &Op) -> Option<Option<std::num::NonZeroU16>> {
    let Op::Text {
        size, bold, text, ..
    } = op
    else {
        return None;
    };
    if text.trim().is_empty() {
        return None;
    }
    let level = match (*bold, *size) {
        (true, s) if s >= 18.0 => 1,
        (true, s) if s >= 14.5 => 2,
        (true, s) if s >= 10.5 => 3,
        _ => return Some(None),
    };
    Some(std::num::NonZeroU16::new(level))
}

fn metadata(doc: &Document, built_at: &str) -> Result<Metadata, ReportError> {
    use chrono::{Datelike, Timelike};
    let t = chrono::DateTime::parse_from_rfc3339(built_at)
        .map_err(|e| ReportError::BuiltAt(format!("{built_at}: {e}")))?
        .naive_utc();
    let date = DateTime::new(t.year() as u16)
        .month(t.month() as u8)
        .day(t.day() as u8)
        .hour(t.hour() as u8)
        .minute(t.minute() as u8)
        .second(t.second() as u8)
        .utc_offset_hour(0)
        .utc_offset_minute(0);
    Ok(Metadata::new()
        .title(doc.file_title.clone())
        .language(doc.lang.clone())
        .creator("Jobcockpit".into())
        .producer("Jobcockpit (krilla)".into())
        .creation_date(date))
}

fn color(c: Rgb) -> rgb::Color {
    rgb::Color::new(c.0, c.1, c.2)
}

fn draw(surface: &mut Surface<'_>, op: &Op, fonts: &Fonts) {
    match op {
        Op::Text {
            x,
            y,
            size,
            bold,
            color: c,
            anchor,
            text,
        } => {
            let width = fonts.width(text, *size, *bold);
            let x = match anchor {
                Anchor::Start => *x,
                Anchor::Middle => x - width / 2.0,
                Anchor::End => x - width,
            };
            surface.set_stroke(None);
            surface.set_fill(Some(Fill {
                paint: color(*c).into(),
                ..Default::default()
            }));
            let font = if *bold { &fonts.bold } else { &fonts.regular };
            surface.draw_text(
                Point::from_xy(x, *y),
                font.clone(),
                *size,
                text,
                false,
                TextDirection::Auto,
            );
        }
        Op::Path { segs, fill, stroke } => {
            let mut pb = PathBuilder::new();
            for s in segs {
                match *s {
                    Seg::Move(x, y) => pb.move_to(x, y),
                    Seg::Line(x, y) => pb.line_to(x, y),
                    Seg::Cubic(a, b, c, d, e, f) => pb.cubic_to(a, b, c, d, e, f),
                    Seg::Close => pb.close(),
                }
            }
            let Some(path) = pb.finish() else {
                return;
            };
            surface.set_fill(fill.map(|(c, opacity)| Fill {
                paint: color(c).into(),
                opacity: NormalizedF32::new(opacity).unwrap_or(NormalizedF32::ONE),
                ..Default::default()
            }));
            surface.set_stroke(stroke.as_ref().map(|p| {
                Stroke {
                    paint: color(p.color).into(),
                    width: p.width,
                    dash: p
                        .dash
                        .clone()
                        .map(|array| StrokeDash { array, offset: 0.0 }),
                    ..Default::default()
                }
            }));
            surface.draw_path(&path);
        }
    }
}
