//! The first of two passes over a delivered CSV file: its bytes are read once,
//! in blocks, to learn the file's encoding and to refuse what is wrong with the
//! file as a whole before a single row is parsed. Danish systems write UTF-8
//! (with or without a BOM) or Windows-1252; anything else is refused at its
//! first bad byte, never guessed at, because a wrong guess silently turns
//! "Østerhøj" into "Ã˜sterhÃ¸j" and splits one district into two.
//!
//! Streaming, not the whole file in memory: a 2 GB file of NUL bytes is
//! refused at byte 0 after reading one block. The second pass (`read.rs`)
//! parses the rows with the encoding found here.

use std::io::{self, Read};

use sha2::{Digest, Sha256};

/// Where a file-level problem is and why.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct EncodingError {
    /// 1 = the first line (the header).
    pub line: u64,
    /// The field of the line (0 = first), counting `;` outside quotes; none
    /// for a problem of the line as a whole.
    pub field: Option<usize>,
    /// The offending bytes, written as hex (`0x81`), or empty.
    pub value: String,
    pub reason: String,
}

/// How the file's text is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Encoding {
    Utf8,
    Windows1252,
}

/// What the first pass learnt about a file.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Scanned {
    pub encoding: Encoding,
    /// Whether the file starts with a UTF-8 BOM (3 bytes, skipped when parsing).
    pub bom: bool,
    pub size: u64,
    /// SHA-256 of the whole file, hex.
    pub checksum: String,
    /// Line breaks in the file: the header plus one per row.
    pub line_breaks: u64,
    /// The first line's bytes, without BOM and line break.
    pub header: Vec<u8>,
    /// The bytes after the last line break: empty unless the file was cut off.
    pub last_line: Vec<u8>,
    /// Whether the file holds anything but white space.
    pub has_text: bool,
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Bytes with no character in Windows-1252. encoding_rs (following the WHATWG
/// standard) maps them to C1 control characters, which no extract contains.
const UNDEFINED_IN_1252: [u8; 5] = [0x81, 0x8D, 0x8F, 0x90, 0x9D];

/// Why a file whose lines end in CR alone is refused.
const CR_ALONE: &str =
    "filen bruger CR alene som linjeskift (gammelt Mac-format); levér CRLF eller LF";

/// How much of the file is read at a time.
const BLOCK: usize = 1 << 20;

/// Reads `r` to its end once. `Err` is an I/O error; `Ok(Err)` a refused file.
pub(super) fn scan(
    r: &mut impl Read,
    delimiter: u8,
    max_line: usize,
) -> io::Result<Result<Scanned, EncodingError>> {
    let mut s = Scanner {
        delimiter,
        max_line,
        hasher: Sha256::new(),
        offset: 0,
        line: 1,
        carry: Vec::new(),
        header: None,
        bom: false,
        pending_cr: false,
        utf8_tail: Vec::new(),
        first_invalid: None,
        first_multibyte: None,
        first_undefined: None,
        has_text: false,
    };
    let mut buf = vec![0u8; BLOCK];
    // The first block holds at least the 3 bytes a BOM needs (or the whole file).
    let mut first = 0;
    loop {
        let n = match r.read(&mut buf[first..]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        first += n;
        if n == 0 || first >= UTF8_BOM.len() {
            break;
        }
    }
    let mut n = first;
    while n > 0 {
        if let Err(e) = s.block(&buf[..n]) {
            return Ok(Err(e));
        }
        n = loop {
            match r.read(&mut buf) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
    }
    Ok(s.finish())
}

/// A position to report later: where, and the byte there.
#[derive(Debug, Clone, Copy)]
struct Seen {
    offset: u64,
    line: u64,
    field: usize,
    byte: u8,
}

struct Scanner {
    delimiter: u8,
    max_line: usize,
    hasher: Sha256,
    /// Offset of the current block's first byte in the file.
    offset: u64,
    /// The line the current block starts in.
    line: u64,
    /// The bytes of the line the current block starts in, before the block.
    carry: Vec<u8>,
    header: Option<Vec<u8>>,
    bom: bool,
    /// The previous block ended in a CR: the next byte must be a LF.
    pending_cr: bool,
    /// The start of a UTF-8 sequence cut by the block's end (at most 3 bytes).
    utf8_tail: Vec<u8>,
    first_invalid: Option<Seen>,
    first_multibyte: Option<Seen>,
    first_undefined: Option<Seen>,
    has_text: bool,
}

impl Scanner {
    /// The line and field of byte `i` of `block`.
    fn locate(&self, block: &[u8], i: usize) -> (u64, usize) {
        let before = &block[..i.min(block.len())];
        let breaks = memchr::memchr_iter(b'\n', before).count() as u64;
        let field = match memchr::memrchr(b'\n', before) {
            Some(nl) => fields_before(&before[nl + 1..], self.delimiter),
            None => {
                let (carried, quoted) = fields_state(&self.carry, self.delimiter, false);
                carried + fields_state(before, self.delimiter, quoted).0
            }
        };
        (self.line + breaks, field)
    }

    fn seen(&self, block: &[u8], i: usize) -> Seen {
        let (line, field) = self.locate(block, i);
        Seen {
            offset: self.offset + i as u64,
            line,
            field,
            byte: block[i],
        }
    }

    fn error(&self, block: &[u8], i: usize, value: String, reason: String) -> EncodingError {
        let (line, field) = self.locate(block, i);
        EncodingError {
            line,
            field: Some(field),
            value,
            reason,
        }
    }

    fn block(&mut self, mut block: &[u8]) -> Result<(), EncodingError> {
        self.hasher.update(block);
        if self.offset == 0 {
            if block.starts_with(b"\xFF\xFE") || block.starts_with(b"\xFE\xFF") {
                return Err(EncodingError {
                    line: 1,
                    field: None,
                    value: hex(&block[..2]),
                    reason: "filen er kodet som UTF-16; levér UTF-8 (med BOM) eller Windows-1252"
                        .into(),
                });
            }
            if block.starts_with(UTF8_BOM) {
                // The BOM is not part of the text: lines, fields and the
                // encoding are counted after it.
                self.bom = true;
                self.offset = UTF8_BOM.len() as u64;
                block = &block[UTF8_BOM.len()..];
            }
        }
        if let Some(at) = memchr::memchr(0, block) {
            return Err(self.error(
                block,
                at,
                hex(&block[at..at + 1]),
                "filen indeholder NUL-bytes (UTF-16 uden BOM eller en binær fil?); levér UTF-8 eller Windows-1252".into(),
            ));
        }
        let breaks = self.check_line_breaks(block)?;
        self.check_encoding(block);
        if !self.has_text {
            self.has_text = block
                .iter()
                .any(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'));
        }
        // Move on: the line count, the header and the carried partial line.
        if let (Some(first), Some(last)) =
            (memchr::memchr(b'\n', block), memchr::memrchr(b'\n', block))
        {
            if self.header.is_none() {
                let mut h = std::mem::take(&mut self.carry);
                h.extend_from_slice(&block[..first]);
                if h.last() == Some(&b'\r') {
                    h.pop();
                }
                self.header = Some(h);
            }
            self.carry.clear();
            self.carry.extend_from_slice(&block[last + 1..]);
        } else {
            self.carry.extend_from_slice(block);
        }
        self.line += breaks;
        self.offset += block.len() as u64;
        Ok(())
    }

    /// Every line within [`Scanner::max_line`] bytes, and every CR followed by
    /// a LF: the contract has no line break inside a value, so a lone CR is
    /// either an old Mac line ending or a value with a line break in it.
    /// Returns the number of line breaks in the block.
    fn check_line_breaks(&mut self, block: &[u8]) -> Result<u64, EncodingError> {
        if self.pending_cr && block.first() != Some(&b'\n') {
            return Err(self.lone_cr(block, 0));
        }
        self.pending_cr = false;
        let mut start = 0usize;
        let mut carried = self.carry.len();
        let mut breaks = 0u64;
        for nl in memchr::memchr_iter(b'\n', block).chain(std::iter::once(block.len())) {
            if carried + (nl - start) > self.max_line {
                return Err(EncodingError {
                    field: None,
                    ..self.error(
                        block,
                        start,
                        String::new(),
                        format!(
                            "linjen er længere end {} bytes; ingen række i kontrakten er så lang (mangler der linjeskift?)",
                            self.max_line
                        ),
                    )
                });
            }
            start = nl + 1;
            carried = 0;
            breaks += 1;
        }
        for cr in memchr::memchr_iter(b'\r', block) {
            match block.get(cr + 1) {
                Some(b'\n') => {}
                Some(_) => return Err(self.lone_cr(block, cr)),
                None => self.pending_cr = true,
            }
        }
        // The loop also counted the block's end, which is no line break.
        Ok(breaks - 1)
    }

    fn lone_cr(&self, block: &[u8], at: usize) -> EncodingError {
        // The file so far has no LF at all: it ends its lines with CR alone.
        let no_lf_yet = self.line == 1 && memchr::memchr(b'\n', &block[..at]).is_none();
        let reason = if no_lf_yet {
            CR_ALONE
        } else {
            "et CR-tegn uden LF efter sig: kontrakten har ingen linjeskift inde i en værdi"
        };
        self.error(block, at, "0x0D".into(), reason.into())
    }

    /// Follows UTF-8 validity, the first valid multi-byte UTF-8 sequence and
    /// the first byte with no Windows-1252 character, to decide at the end.
    fn check_encoding(&mut self, block: &[u8]) {
        if self.first_invalid.is_none() {
            // A sequence cut by the last block's end is completed with this
            // block; nearly always there is none, and the block is not copied.
            let tail = std::mem::take(&mut self.utf8_tail);
            let tail_len = tail.len();
            let data: std::borrow::Cow<'_, [u8]> = if tail.is_empty() {
                std::borrow::Cow::Borrowed(block)
            } else {
                std::borrow::Cow::Owned([tail.as_slice(), block].concat())
            };
            // Index `j` of `data` is byte `j - tail_len` of the block.
            let at = |j: usize| {
                j.saturating_sub(tail_len)
                    .min(block.len().saturating_sub(1))
            };
            let valid_up_to = match std::str::from_utf8(&data) {
                Ok(_) => data.len(),
                Err(e) => match e.error_len() {
                    Some(_) => {
                        let i = at(e.valid_up_to());
                        self.first_invalid = Some(self.seen(block, i));
                        e.valid_up_to()
                    }
                    // A sequence cut by the block's end: completed by the next.
                    None => {
                        self.utf8_tail = data[e.valid_up_to()..].to_vec();
                        e.valid_up_to()
                    }
                },
            };
            // `is_ascii` runs a word at a time: most blocks are all ASCII.
            if self.first_multibyte.is_none() && !data[..valid_up_to].is_ascii() {
                if let Some(j) = data[..valid_up_to].iter().position(|&b| b >= 0x80) {
                    let i = at(j);
                    self.first_multibyte = Some(self.seen(block, i));
                }
            }
            if self.first_invalid.is_none() {
                return;
            }
            // The rest of the block, after the first invalid byte.
            let from = at(valid_up_to);
            self.scan_not_utf8(block, from);
        } else {
            self.scan_not_utf8(block, 0);
        }
    }

    /// In a file that is not UTF-8: where a valid multi-byte UTF-8 sequence
    /// stands (the file mixes encodings) and where a byte undefined in
    /// Windows-1252 stands. A sequence cut by a block's end is not looked at;
    /// a mixed file has more than one.
    fn scan_not_utf8(&mut self, block: &[u8], from: usize) {
        for i in from..block.len() {
            let b = block[i];
            if b < 0x80 {
                continue;
            }
            if self.first_undefined.is_none() && UNDEFINED_IN_1252.contains(&b) {
                self.first_undefined = Some(self.seen(block, i));
            }
            if self.first_multibyte.is_none() {
                let width = match b {
                    0xC2..=0xDF => 2,
                    0xE0..=0xEF => 3,
                    0xF0..=0xF4 => 4,
                    _ => 0,
                };
                if width > 0
                    && i + width <= block.len()
                    && std::str::from_utf8(&block[i..i + width]).is_ok()
                {
                    self.first_multibyte = Some(self.seen(block, i));
                }
            }
            if self.first_undefined.is_some() && self.first_multibyte.is_some() {
                return;
            }
        }
    }

    fn finish(mut self) -> Result<Scanned, EncodingError> {
        let located = |s: Seen, reason: String| EncodingError {
            line: s.line,
            field: Some(s.field),
            value: hex(&[s.byte]),
            reason,
        };
        if self.pending_cr {
            return Err(EncodingError {
                line: self.line,
                field: Some(fields_before(&self.carry, self.delimiter)),
                value: "0x0D".into(),
                reason: CR_ALONE.into(),
            });
        }
        if self.first_invalid.is_none() && !self.utf8_tail.is_empty() {
            // The file ends inside a UTF-8 sequence.
            self.first_invalid = Some(Seen {
                offset: self.offset - self.utf8_tail.len() as u64,
                line: self.line,
                field: fields_before(&self.carry, self.delimiter),
                byte: self.utf8_tail[0],
            });
        }
        let encoding = match self.first_invalid {
            None => Encoding::Utf8,
            Some(invalid) if self.bom => {
                // A BOM declares UTF-8: a file that then is not valid UTF-8 is damaged.
                return Err(located(
                    invalid,
                    "ugyldig UTF-8, selv om filen begynder med en UTF-8-BOM".into(),
                ));
            }
            Some(invalid) => {
                // Valid UTF-8 for a non-ASCII character next to bytes that are
                // not UTF-8: the file mixes encodings, and either reading
                // corrupts one part ("André" in UTF-8 reads "AndrÃ©" in 1252).
                if let Some(m) = self.first_multibyte {
                    return Err(located(
                        invalid,
                        format!(
                            "filen blander UTF-8 (fx linje {}, byte {}) og Windows-1252; levér hele filen i én kodning",
                            m.line, m.offset
                        ),
                    ));
                }
                if let Some(u) = self.first_undefined {
                    return Err(located(
                        u,
                        "byten er hverken gyldig UTF-8 eller et tegn i Windows-1252".into(),
                    ));
                }
                Encoding::Windows1252
            }
        };
        let header = match self.header.take() {
            Some(h) => h,
            None => {
                let mut h = self.carry.clone();
                if h.last() == Some(&b'\r') {
                    h.pop();
                }
                h
            }
        };
        Ok(Scanned {
            encoding,
            bom: self.bom,
            size: self.offset,
            checksum: hex::encode(self.hasher.finalize()),
            line_breaks: self.line - 1,
            header,
            last_line: self.carry,
            has_text: self.has_text,
        })
    }
}

/// The delimiters outside quotes in `bytes` (starting inside quotes or not),
/// and whether it ends inside quotes.
fn fields_state(bytes: &[u8], delimiter: u8, mut quoted: bool) -> (usize, bool) {
    let mut field = 0;
    for &b in bytes {
        match b {
            b'"' => quoted = !quoted,
            d if d == delimiter && !quoted => field += 1,
            _ => {}
        }
    }
    (field, quoted)
}

/// The field number of the end of `bytes`, a line's start.
fn fields_before(bytes: &[u8], delimiter: u8) -> usize {
    fields_state(bytes, delimiter, false).0
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("0x{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reads a Windows-1252 file as UTF-8 for the CSV parser. Windows-1252 has
/// one byte per character, so each block decodes on its own.
pub(super) struct Windows1252<R> {
    inner: R,
    raw: Vec<u8>,
    out: Vec<u8>,
    pos: usize,
}

impl<R: Read> Windows1252<R> {
    pub(super) fn new(inner: R) -> Self {
        Windows1252 {
            inner,
            raw: vec![0; 1 << 16],
            out: Vec::new(),
            pos: 0,
        }
    }
}

impl<R: Read> Read for Windows1252<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.out.len() {
            let n = self.inner.read(&mut self.raw)?;
            if n == 0 {
                return Ok(0);
            }
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&self.raw[..n]);
            self.out.clear();
            self.out.extend_from_slice(text.as_bytes());
            self.pos = 0;
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_bytes(bytes: &[u8]) -> Result<Scanned, EncodingError> {
        scan(&mut &bytes[..], b';', 4096).unwrap()
    }

    /// Scans through a reader that hands out `step` bytes at a time, so every
    /// check meets block boundaries in every place.
    fn scan_in_steps(bytes: &[u8], step: usize) -> Result<Scanned, EncodingError> {
        struct Steps<'a>(&'a [u8], usize);
        impl Read for Steps<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        scan(&mut Steps(bytes, step), b';', 4096).unwrap()
    }

    #[test]
    fn utf8_with_a_bom_and_windows_1252_are_told_apart() {
        let text = "distrikt\r\nØsterhøj\r\n";
        let mut utf8 = UTF8_BOM.to_vec();
        utf8.extend_from_slice(text.as_bytes());
        let (cp1252, _, _) = encoding_rs::WINDOWS_1252.encode(text);
        let a = scan_bytes(&utf8).unwrap();
        assert_eq!(
            (a.encoding, a.bom, a.line_breaks),
            (Encoding::Utf8, true, 2)
        );
        assert_eq!(a.header, b"distrikt");
        let b = scan_bytes(&cp1252).unwrap();
        assert_eq!(b.encoding, Encoding::Windows1252);
        let mut decoded = String::new();
        Windows1252::new(&cp1252[..])
            .read_to_string(&mut decoded)
            .unwrap();
        assert_eq!(decoded, text);
    }

    #[test]
    fn a_utf16_file_is_refused() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "cpr;maaned".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let e = scan_bytes(&bytes).unwrap_err();
        assert!(e.reason.contains("UTF-16"), "{e:?}");
        let without_bom: Vec<u8> = bytes[2..].to_vec();
        assert!(scan_bytes(&without_bom).unwrap_err().reason.contains("NUL"));
    }

    #[test]
    fn a_byte_undefined_in_windows_1252_is_refused_where_it_is() {
        let bytes = b"a;b\r\nx;y\x81z\r\n";
        let e = scan_bytes(bytes).unwrap_err();
        assert_eq!((e.line, e.field, e.value.as_str()), (2, Some(1), "0x81"));
    }

    #[test]
    fn a_file_mixing_utf8_and_windows_1252_is_refused_for_any_character() {
        // A Danish letter, as before, and an "é" (0xC3 0xA9) in an otherwise
        // Windows-1252 file, which used to load as "AndrÃ©".
        for utf8 in ["Ø", "é", "ü", "€"] {
            let mut bytes = format!("a\r\n{utf8}\r\n").into_bytes();
            bytes.extend_from_slice(b"\xF8\r\n");
            let e = scan_bytes(&bytes).unwrap_err();
            assert!(e.reason.contains("blander"), "{utf8}: {e:?}");
            assert_eq!(e.line, 3, "{utf8}");
            // The other order: the 1252 byte first.
            let mut bytes = b"a\r\n\xF8\r\n".to_vec();
            bytes.extend_from_slice(format!("Andr{utf8}\r\n").as_bytes());
            assert!(scan_bytes(&bytes).unwrap_err().reason.contains("blander"));
        }
    }

    #[test]
    fn a_bom_with_invalid_utf8_after_it_is_refused() {
        let bytes = b"\xEF\xBB\xBFa\r\n\xF8\r\n";
        let e = scan_bytes(bytes).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.reason.contains("BOM"));
    }

    #[test]
    fn the_field_of_a_byte_skips_delimiters_inside_quotes() {
        let bytes = b"a;b;c\r\n\"x;y\";z;\x81\r\n";
        let e = scan_bytes(bytes).unwrap_err();
        assert_eq!((e.line, e.field), (2, Some(2)));
    }

    #[test]
    fn cr_alone_is_refused_with_its_own_reason() {
        let e = scan_bytes(b"a;b\rx;y\r").unwrap_err();
        assert!(e.reason.contains("CR alene"), "{e:?}");
        let e = scan_bytes(b"a;b\r\nx;y\rz\r\n").unwrap_err();
        assert!(e.reason.contains("inde i en værdi"), "{e:?}");
        assert_eq!(e.line, 2);
    }

    #[test]
    fn a_line_over_the_limit_is_refused_without_reading_on() {
        let mut bytes = b"a;b\r\n".to_vec();
        bytes.extend(std::iter::repeat_n(b'x', 5000));
        let e = scan_bytes(&bytes).unwrap_err();
        assert!(e.reason.contains("længere end 4096"), "{e:?}");
        assert_eq!(e.line, 2);
    }

    #[test]
    fn block_boundaries_change_nothing() {
        let mut good = UTF8_BOM.to_vec();
        good.extend_from_slice(
            "cpr;distrikt\r\n010190-1233;Østerhøj\r\n020285-2346;Nørrevang\r\n".as_bytes(),
        );
        let whole = scan_bytes(&good).unwrap();
        let mixed = b"a;b\r\nx;\xC3\xA9\r\ny;\xF8\r\n";
        let lone_cr = b"a;b\r\nx;y\r\rz\r\n";
        for step in 1..8 {
            assert_eq!(scan_in_steps(&good, step).unwrap(), whole, "step {step}");
            let e = scan_in_steps(mixed, step).unwrap_err();
            assert!(e.reason.contains("blander"), "step {step}: {e:?}");
            assert_eq!(e.line, 3, "step {step}");
            assert!(scan_in_steps(lone_cr, step).is_err(), "step {step}");
        }
    }

    #[test]
    fn a_file_cut_off_keeps_its_last_line() {
        let s = scan_bytes(b"a;b\r\nx;y\r\nz;01-0").unwrap();
        assert_eq!(s.last_line, b"z;01-0");
        assert_eq!(s.line_breaks, 2);
        assert!(scan_bytes(b"a;b\r\n").unwrap().last_line.is_empty());
    }
}
