//! Fonts and line breaking for the PDF. The fonts are DejaVu Sans and DejaVu Sans
//! Bold, bundled in `reports/fonts/` (free to redistribute, with æ, ø and å) and
//! compiled into the binary, so the PDF is the same on every machine. Widths come
//! from rustybuzz, the shaper krilla draws with, so measured and drawn lines agree.

use std::sync::Arc;

use krilla::text::Font;

static REGULAR: &[u8] = include_bytes!("../../../reports/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../../reports/fonts/DejaVuSans-Bold.ttf");

/// The two fonts, for drawing (krilla) and measuring (rustybuzz).
pub struct Fonts {
    pub regular: Font,
    pub bold: Font,
    regular_face: rustybuzz::Face<'static>,
    bold_face: rustybuzz::Face<'static>,
}

impl Fonts {
    pub fn load() -> Result<Fonts, String> {
        let font = |bytes: &'static [u8]| {
            let data: Arc<dyn AsRef<[u8]> + Send + Sync> = Arc::new(bytes);
            Font::new(data.into(), 0).ok_or("skrifttypen kan ikke læses")
        };
        let face = |bytes: &'static [u8]| {
            rustybuzz::Face::from_slice(bytes, 0).ok_or("skrifttypen kan ikke læses")
        };
        Ok(Fonts {
            regular: font(REGULAR)?,
            bold: font(BOLD)?,
            regular_face: face(REGULAR)?,
            bold_face: face(BOLD)?,
        })
    }

    /// The advance width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32, bold: bool) -> f32 {
        if text.is_empty() {
            return 0.0;
        }
        let face = if bold {
            &self.bold_face
        } else {
            &self.regular_face
        };
        let mut buf = rustybuzz::UnicodeBuffer::new();
        buf.push_str(text);
        let shaped = rustybuzz::shape(face, &[], buf);
        let units: i32 = shaped.glyph_positions().iter().map(|p| p.x_advance).sum();
        units as f32 * size / face.units_per_em() as f32
    }

    /// Breaks `text` into lines no wider than `max` (greedy, at spaces; a word
    /// wider than a line is broken between characters).
    pub fn wrap(&self, text: &str, size: f32, bold: bool, max: f32) -> Vec<String> {
        let space = self.width(" ", size, bold);
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            let mut width = 0.0;
            for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
                let w = self.width(word, size, bold);
                if !line.is_empty() && width + space + w <= max {
                    line.push(' ');
                    line.push_str(word);
                    width += space + w;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                if w <= max {
                    line = word.to_string();
                    width = w;
                } else {
                    let mut pieces = self.break_word(word, size, bold, max);
                    let last = pieces.pop().unwrap_or_default();
                    lines.extend(pieces);
                    width = self.width(&last, size, bold);
                    line = last;
                }
            }
            lines.push(line);
        }
        lines
    }

    fn break_word(&self, word: &str, size: f32, bold: bool, max: f32) -> Vec<String> {
        let mut out = Vec::new();
        let mut piece = String::new();
        for ch in word.chars() {
            piece.push(ch);
            if self.width(&piece, size, bold) > max && piece.chars().count() > 1 {
                piece.pop();
                out.push(std::mem::take(&mut piece));
                piece.push(ch);
            }
        }
        out.push(piece);
        out
    }

    /// The width of the longest word, the narrowest a column can get without
    /// breaking a word.
    pub fn longest_word(&self, text: &str, size: f32, bold: bool) -> f32 {
        text.split([' ', '\n'])
            .map(|w| self.width(w, size, bold))
            .fold(0.0, f32::max)
    }
}
