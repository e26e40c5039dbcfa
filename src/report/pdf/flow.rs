//! Lays the document out on A4 pages: the cover, the summary and the contents on
//! page 1, then each section (a new page when little room is left, always for an
//! appendix). Charts and boxes are never split; a table that runs over a page
//! repeats its header row.

use super::chart;
use super::text::Fonts;
use super::{Anchor, Op, Pen, Rgb, ACCENT, INK, LINE, MUTED, PAGE_H, PAGE_W, WASH};
use crate::report::content::{Block, Document, Section};

pub(super) const MARGIN_X: f32 = 56.0;
const TOP: f32 = 54.0;
/// Content ends here; the footer sits below.
const BOTTOM: f32 = PAGE_H - 66.0;
pub(super) const WIDTH: f32 = PAGE_W - 2.0 * MARGIN_X;

pub(super) const BODY: f32 = 10.0;
pub(super) const BODY_LEAD: f32 = 14.6;
pub(super) const SMALL: f32 = 8.2;
pub(super) const SMALL_LEAD: f32 = 11.2;
pub(super) const CELL: f32 = 7.9;
pub(super) const CELL_LEAD: f32 = 10.4;

/// The laid-out pages and the bookmarks (title, page index, y).
pub struct Laid {
    pub pages: Vec<Vec<Op>>,
    pub outline: Vec<(String, usize, f32)>,
}

pub(super) struct Flow<'a> {
    pub(super) fonts: &'a Fonts,
    pages: Vec<Vec<Op>>,
    pub(super) y: f32,
    outline: Vec<(String, usize, f32)>,
}

pub fn lay_out(doc: &Document, fonts: &Fonts) -> Laid {
    let mut f = Flow {
        fonts,
        pages: vec![Vec::new()],
        y: TOP,
        outline: Vec::new(),
    };
    f.cover(doc);
    let mut starts = Vec::new();
    let mut contents_at = None;
    for (i, s) in doc.sections.iter().enumerate() {
        if i == 1 {
            contents_at = Some(f.contents(doc));
        }
        starts.push(f.section(s, i == 0));
    }
    if let Some(slots) = contents_at {
        for ((page, op), start) in slots.into_iter().zip(&starts) {
            if let Some(Op::Text { text, .. }) = f.pages.get_mut(page).and_then(|p| p.get_mut(op)) {
                *text = (start + 1).to_string();
            }
        }
    }
    Laid {
        pages: f.pages,
        outline: f.outline,
    }
}

/// The footer of page `n` of `total`.
pub fn footer(doc: &Document, n: usize, total: usize) -> Vec<Op> {
    let y = PAGE_H - 40.0;
    vec![
        Op::line(
            MARGIN_X,
            y - 12.0,
            PAGE_W - MARGIN_X,
            y - 12.0,
            pen(LINE, 0.6),
        ),
        text(MARGIN_X, y, SMALL, false, MUTED, Anchor::Start, &doc.footer),
        text(
            PAGE_W - MARGIN_X,
            y,
            SMALL,
            false,
            MUTED,
            Anchor::End,
            &format!("{} {n} / {total}", doc.page_label),
        ),
    ]
}

pub(super) fn pen(color: Rgb, width: f32) -> Pen {
    Pen {
        color,
        width,
        dash: None,
    }
}

pub(super) fn text(
    x: f32,
    y: f32,
    size: f32,
    bold: bool,
    color: Rgb,
    anchor: Anchor,
    s: &str,
) -> Op {
    Op::Text {
        x,
        y,
        size,
        bold,
        color,
        anchor,
        text: s.to_string(),
    }
}

impl Flow<'_> {
    fn page(&self) -> usize {
        self.pages.len() - 1
    }

    pub(super) fn push(&mut self, op: Op) {
        if let Some(p) = self.pages.last_mut() {
            p.push(op);
        }
    }

    pub(super) fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    pub(super) fn room(&self) -> f32 {
        BOTTOM - self.y
    }

    /// Starts a new page unless `h` fits (or the page is still empty).
    pub(super) fn ensure(&mut self, h: f32) {
        if h > self.room() && self.y > TOP + 0.5 {
            self.new_page();
        }
    }

    /// Lines of text from the current position, each moved to a new page if needed.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn lines(
        &mut self,
        lines: &[String],
        x: f32,
        size: f32,
        lead: f32,
        bold: bool,
        color: Rgb,
    ) {
        for line in lines {
            self.ensure(lead);
            let baseline = self.y + lead * 0.74;
            self.push(text(x, baseline, size, bold, color, Anchor::Start, line));
            self.y += lead;
        }
    }

    pub(super) fn paragraph(&mut self, s: &str, size: f32, lead: f32, color: Rgb, after: f32) {
        let wrapped = self.fonts.wrap(s, size, false, WIDTH);
        self.lines(&wrapped, MARGIN_X, size, lead, false, color);
        self.y += after;
    }

    fn cover(&mut self, doc: &Document) {
        self.push(Op::rect(MARGIN_X, self.y, 46.0, 4.0, ACCENT, 1.0));
        self.y += 16.0;
        let kicker = self
            .fonts
            .wrap(&doc.kicker.to_uppercase(), SMALL, true, WIDTH);
        self.lines(&kicker, MARGIN_X, SMALL, SMALL_LEAD, true, MUTED);
        self.y += 6.0;
        let title = self.fonts.wrap(&doc.title, 21.0, true, WIDTH);
        self.lines(&title, MARGIN_X, 21.0, 26.0, true, INK);
        self.lines(
            std::slice::from_ref(&doc.month_label),
            MARGIN_X,
            15.0,
            22.0,
            true,
            ACCENT,
        );
        self.y += 6.0;
        for m in &doc.meta {
            self.paragraph(m, SMALL, SMALL_LEAD, MUTED, 0.0);
        }
        self.y += 8.0;
        self.push(Op::line(
            MARGIN_X,
            self.y,
            PAGE_W - MARGIN_X,
            self.y,
            pen(LINE, 0.8),
        ));
        self.y += 10.0;
        self.paragraph(&doc.intro, BODY, BODY_LEAD, INK, 6.0);
    }

    /// The table of contents; returns where each page number goes.
    fn contents(&mut self, doc: &Document) -> Vec<(usize, usize)> {
        let h = 24.0 + doc.sections.len() as f32 * 13.0;
        self.ensure(h);
        self.y += 6.0;
        self.lines(
            std::slice::from_ref(&doc.contents_title),
            MARGIN_X,
            10.5,
            16.0,
            true,
            INK,
        );
        let mut slots = Vec::new();
        for s in &doc.sections {
            let baseline = self.y + 9.5;
            let label = format!("{}  {}", s.number, s.title);
            self.push(text(
                MARGIN_X,
                baseline,
                9.0,
                false,
                INK,
                Anchor::Start,
                &label,
            ));
            self.push(text(
                PAGE_W - MARGIN_X,
                baseline,
                9.0,
                false,
                MUTED,
                Anchor::End,
                "",
            ));
            slots.push((self.page(), self.pages[self.page()].len() - 1));
            self.y += 13.0;
        }
        self.y += 8.0;
        slots
    }

    /// Lays out one section; returns the index of its first page.
    fn section(&mut self, s: &Section, first: bool) -> usize {
        if !first && (s.appendix || self.room() < (BOTTOM - TOP) * 0.35) {
            self.new_page();
        } else if !first {
            self.y += 14.0;
        }
        self.ensure(120.0);
        let title = format!("{}  {}", s.number, s.title);
        self.outline.push((title.clone(), self.page(), self.y));
        let start = self.page();
        let wrapped = self.fonts.wrap(&title, 15.0, true, WIDTH);
        self.lines(&wrapped, MARGIN_X, 15.0, 20.0, true, ACCENT);
        self.push(Op::line(
            MARGIN_X,
            self.y + 2.0,
            PAGE_W - MARGIN_X,
            self.y + 2.0,
            pen(ACCENT, 1.0),
        ));
        self.y += 10.0;
        for b in &s.blocks {
            self.block(b);
        }
        start
    }

    fn block(&mut self, b: &Block) {
        match b {
            Block::Heading { text: t } => {
                self.ensure(90.0);
                self.y += 4.0;
                let wrapped = self.fonts.wrap(t, 11.0, true, WIDTH);
                self.lines(&wrapped, MARGIN_X, 11.0, 15.0, true, INK);
                self.y += 3.0;
            }
            Block::Paragraph { text: t } => self.paragraph(t, BODY, BODY_LEAD, INK, 7.0),
            Block::Summary { items } => self.summary(items),
            Block::Bullets { items } => {
                for item in items {
                    let wrapped = self.fonts.wrap(item, BODY, false, WIDTH - 14.0);
                    // An item stays on one page.
                    self.ensure(wrapped.len() as f32 * BODY_LEAD);
                    self.push(text(
                        MARGIN_X + 2.0,
                        self.y + BODY_LEAD * 0.74,
                        BODY,
                        false,
                        ACCENT,
                        Anchor::Start,
                        "•",
                    ));
                    self.lines(&wrapped, MARGIN_X + 14.0, BODY, BODY_LEAD, false, INK);
                    self.y += 3.0;
                }
                self.y += 5.0;
            }
            Block::Table(t) if t.print => self.table(t),
            Block::Table(_) => {}
            Block::Chart {
                chart,
                caption,
                note,
            } => {
                let scale = WIDTH / chart.width as f32;
                let title = self.fonts.wrap(&chart.title, 9.5, true, WIDTH);
                let cap = self.fonts.wrap(caption, SMALL, false, WIDTH);
                let notes = self.fonts.wrap(note, SMALL, false, WIDTH);
                let h = title.len() as f32 * 13.0
                    + chart.height as f32 * scale
                    + (cap.len() + notes.len()) as f32 * SMALL_LEAD
                    + 12.0;
                self.ensure(h);
                self.lines(&title, MARGIN_X, 9.5, 13.0, true, INK);
                for op in chart::ops(chart, MARGIN_X, self.y, scale) {
                    self.push(op);
                }
                self.y += chart.height as f32 * scale + 2.0;
                self.lines(&cap, MARGIN_X, SMALL, SMALL_LEAD, false, MUTED);
                if !note.is_empty() {
                    self.lines(&notes, MARGIN_X, SMALL, SMALL_LEAD, false, MUTED);
                }
                self.y += 10.0;
            }
            Block::Caveat { title, text: t } => {
                let inner = WIDTH - 24.0;
                let head = self.fonts.wrap(title, BODY, true, inner);
                let body = self.fonts.wrap(t, 9.5, false, inner);
                let h = head.len() as f32 * BODY_LEAD + body.len() as f32 * 13.6 + 18.0;
                self.ensure(h + 8.0);
                self.push(Op::rect(MARGIN_X, self.y, WIDTH, h, WASH, 1.0));
                self.push(Op::rect(MARGIN_X, self.y, 3.5, h, MUTED, 1.0));
                self.y += 9.0;
                self.lines(&head, MARGIN_X + 14.0, BODY, BODY_LEAD, true, INK);
                self.lines(&body, MARGIN_X + 14.0, 9.5, 13.6, false, INK);
                self.y += 17.0;
            }
        }
    }

    fn summary(&mut self, items: &[String]) {
        let inner = WIDTH - 40.0;
        let wrapped: Vec<Vec<String>> = items
            .iter()
            .map(|i| self.fonts.wrap(i, 10.5, false, inner))
            .collect();
        let h = wrapped
            .iter()
            .map(|w| w.len() as f32 * 15.4 + 6.0)
            .sum::<f32>()
            + 16.0;
        self.ensure(h + 8.0);
        self.push(Op::rect(MARGIN_X, self.y, WIDTH, h, WASH, 1.0));
        self.push(Op::rect(MARGIN_X, self.y, 3.5, h, ACCENT, 1.0));
        self.y += 10.0;
        for (n, lines) in wrapped.iter().enumerate() {
            let baseline = self.y + 15.4 * 0.74;
            self.push(text(
                MARGIN_X + 26.0,
                baseline,
                10.5,
                true,
                ACCENT,
                Anchor::End,
                &format!("{}.", n + 1),
            ));
            self.lines(lines, MARGIN_X + 32.0, 10.5, 15.4, false, INK);
            self.y += 6.0;
        }
        self.y += 16.0;
    }
}
