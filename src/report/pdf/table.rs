//! Tables in the PDF: columns as wide as their cells need (headers wrap first),
//! numbers right-aligned, hidden and unknown cells in grey, and the header row
//! repeated on every page the table runs over.

use super::flow::{
    pen, text, Flow, BODY, BODY_LEAD, CELL, CELL_LEAD, MARGIN_X, SMALL, SMALL_LEAD, WIDTH,
};
use super::{Anchor, Op, INK, LINE, MUTED, WASH};
use crate::report::content::TableBlock;

impl Flow<'_> {
    pub(super) fn table(&mut self, t: &TableBlock) {
        let title = self.fonts.wrap(&t.title, 9.5, true, WIDTH);
        let caption = self.fonts.wrap(&t.caption, SMALL, false, WIDTH);
        let head_h = title.len() as f32 * 13.0 + caption.len() as f32 * SMALL_LEAD + 4.0;
        if t.rows.is_empty() {
            self.ensure(head_h + SMALL_LEAD * 2.0);
            self.lines(&title, MARGIN_X, 9.5, 13.0, true, INK);
            self.lines(&caption, MARGIN_X, SMALL, SMALL_LEAD, false, MUTED);
            self.paragraph(&t.empty, BODY, BODY_LEAD, MUTED, 8.0);
            return;
        }
        let widths = self.column_widths(t);
        let pad = 4.0;
        let header: Vec<Vec<String>> = t
            .columns
            .iter()
            .zip(&widths)
            .map(|(c, w)| self.fonts.wrap(&c.label, CELL, true, w - 2.0 * pad))
            .collect();
        let header_h = header.iter().map(Vec::len).max().unwrap_or(1) as f32 * CELL_LEAD + 6.0;
        let rows: Vec<Vec<Vec<String>>> = t
            .rows
            .iter()
            .map(|r| {
                r.iter()
                    .zip(&widths)
                    .map(|(c, w)| self.fonts.wrap(&c.text, CELL, false, w - 2.0 * pad))
                    .collect()
            })
            .collect();
        let row_h = |r: &Vec<Vec<String>>| {
            r.iter().map(Vec::len).max().unwrap_or(1) as f32 * CELL_LEAD + 5.0
        };
        let first = rows.first().map_or(0.0, row_h);
        self.ensure(head_h + header_h + first);
        self.lines(&title, MARGIN_X, 9.5, 13.0, true, INK);
        self.lines(&caption, MARGIN_X, SMALL, SMALL_LEAD, false, MUTED);
        self.y += 4.0;
        self.header_row(t, &header, &widths, header_h);
        for (cells, lines) in t.rows.iter().zip(&rows) {
            let h = row_h(lines);
            if h > self.room() {
                self.new_page();
                self.header_row(t, &header, &widths, header_h);
            }
            let mut x = MARGIN_X;
            for ((c, col), (cell, w)) in lines.iter().zip(&t.columns).zip(cells.iter().zip(&widths))
            {
                let color = if cell.state == "value" { INK } else { MUTED };
                let (tx, anchor) = if col.numeric {
                    (x + w - pad, Anchor::End)
                } else {
                    (x + pad, Anchor::Start)
                };
                for (i, line) in c.iter().enumerate() {
                    let baseline = self.y + 3.0 + CELL_LEAD * (i as f32 + 0.74);
                    self.push(text(tx, baseline, CELL, false, color, anchor, line));
                }
                x += w;
            }
            self.y += h;
            self.push(Op::line(
                MARGIN_X,
                self.y,
                MARGIN_X + WIDTH,
                self.y,
                pen(LINE, 0.5),
            ));
        }
        self.y += 4.0;
        if !t.note.is_empty() {
            self.paragraph(&t.note, SMALL, SMALL_LEAD, MUTED, 0.0);
        }
        self.y += 10.0;
    }

    fn header_row(&mut self, t: &TableBlock, header: &[Vec<String>], widths: &[f32], h: f32) {
        self.push(Op::rect(MARGIN_X, self.y, WIDTH, h, WASH, 1.0));
        let mut x = MARGIN_X;
        for ((lines, col), w) in header.iter().zip(&t.columns).zip(widths) {
            let (tx, anchor) = if col.numeric {
                (x + w - 4.0, Anchor::End)
            } else {
                (x + 4.0, Anchor::Start)
            };
            for (i, line) in lines.iter().enumerate() {
                let baseline = self.y + 3.0 + CELL_LEAD * (i as f32 + 0.74);
                self.push(text(tx, baseline, CELL, true, INK, anchor, line));
            }
            x += w;
        }
        self.y += h;
        self.push(Op::line(
            MARGIN_X,
            self.y,
            MARGIN_X + WIDTH,
            self.y,
            pen(INK, 0.8),
        ));
    }

    /// Column widths filling the text width: each column gets at least its
    /// longest word, and the rest of the room in proportion to how much more its
    /// longest cell needs.
    fn column_widths(&self, t: &TableBlock) -> Vec<f32> {
        let pad = 8.0;
        let n = t.columns.len();
        let mut natural = vec![0.0f32; n];
        let mut least = vec![0.0f32; n];
        for (i, c) in t.columns.iter().enumerate() {
            // A header wraps onto as many lines as it needs before a cell does.
            least[i] = self.fonts.longest_word(&c.label, CELL, true) + pad;
            natural[i] = least[i];
        }
        for row in &t.rows {
            for (i, cell) in row.iter().enumerate().take(n) {
                natural[i] = natural[i].max(self.fonts.width(&cell.text, CELL, false) + pad);
                least[i] = least[i].max(self.fonts.longest_word(&cell.text, CELL, false) + pad);
            }
        }
        for i in 0..n {
            natural[i] = natural[i].max(least[i]);
        }
        let total: f32 = natural.iter().sum();
        if total <= WIDTH {
            return natural.iter().map(|w| w * WIDTH / total).collect();
        }
        let base: f32 = least.iter().sum();
        if base >= WIDTH {
            return least.iter().map(|w| w * WIDTH / base).collect();
        }
        let extra: f32 = natural.iter().zip(&least).map(|(n, l)| n - l).sum();
        natural
            .iter()
            .zip(&least)
            .map(|(n, l)| l + (n - l) * (WIDTH - base) / extra)
            .collect()
    }
}
