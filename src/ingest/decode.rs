//! Decoding a delivered file's bytes to text. Danish systems write UTF-8 (with or
//! without a BOM) or Windows-1252; anything else is refused at its first bad byte,
//! never guessed at, because a wrong guess silently turns "Østerhøj" into
//! "Ã˜sterhÃ¸j" and splits one district into two.

use std::borrow::Cow;

/// Where decoding failed: a byte offset into the file and why.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct EncodingError {
    pub offset: usize,
    /// The offending bytes, written as hex (`0x81`).
    pub value: String,
    pub reason: String,
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Bytes with no character in Windows-1252. encoding_rs (following the WHATWG
/// standard) maps them to C1 control characters, which no extract contains.
const UNDEFINED_IN_1252: [u8; 5] = [0x81, 0x8D, 0x8F, 0x90, 0x9D];

/// Decodes a file: UTF-8 with or without a BOM, otherwise Windows-1252.
pub(super) fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, EncodingError> {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(EncodingError {
            offset: 0,
            value: hex(&bytes[..2]),
            reason: "filen er kodet som UTF-16; levér UTF-8 (med BOM) eller Windows-1252".into(),
        });
    }
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(EncodingError {
            offset: at,
            value: hex(&bytes[at..at + 1]),
            reason: "filen indeholder NUL-bytes (UTF-16 uden BOM eller en binær fil?); levér UTF-8 eller Windows-1252".into(),
        });
    }
    if let Some(body) = bytes.strip_prefix(UTF8_BOM) {
        // A BOM declares UTF-8: a file that then is not valid UTF-8 is damaged.
        return std::str::from_utf8(body).map(Cow::Borrowed).map_err(|e| {
            let at = e.valid_up_to();
            EncodingError {
                offset: UTF8_BOM.len() + at,
                value: hex(&body[at..(at + e.error_len().unwrap_or(1)).min(body.len())]),
                reason: "ugyldig UTF-8, selv om filen begynder med en UTF-8-BOM".into(),
            }
        });
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(Cow::Borrowed(s)),
        Err(e) => {
            let at = e.valid_up_to();
            if let Some(pos) = bytes.iter().position(|b| UNDEFINED_IN_1252.contains(b)) {
                return Err(EncodingError {
                    offset: pos,
                    value: hex(&bytes[pos..pos + 1]),
                    reason: "byten er hverken gyldig UTF-8 eller et tegn i Windows-1252".into(),
                });
            }
            // Valid UTF-8 for a Danish letter next to bytes that are not UTF-8:
            // the file mixes encodings, and either reading corrupts one part.
            if let Some(pos) = utf8_danish_letter(bytes) {
                return Err(EncodingError {
                    offset: at,
                    value: hex(&bytes[at..at + 1]),
                    reason: format!(
                        "filen blander UTF-8 (fx byte {}) og Windows-1252; levér hele filen i én kodning",
                        pos
                    ),
                });
            }
            Ok(encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0)
        }
    }
}

/// The offset of the first UTF-8 encoded æ, ø, å, Æ, Ø or Å, if any. In
/// Windows-1252 these byte pairs read as "Ã¦", "Ã¸" ..., which no real text has.
fn utf8_danish_letter(bytes: &[u8]) -> Option<usize> {
    bytes
        .windows(2)
        .position(|w| w[0] == 0xC3 && matches!(w[1], 0x85 | 0x86 | 0x98 | 0xA5 | 0xA6 | 0xB8))
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("0x{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The line (1 = first line) and the field number (0 = first field) of a byte
/// offset, counting `;` outside quotes: enough to name the column of a bad byte.
pub(super) fn line_and_field(bytes: &[u8], offset: usize, delimiter: u8) -> (u64, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count() as u64;
    let start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let mut quoted = false;
    let mut field = 0;
    for &b in &before[start..] {
        match b {
            b'"' => quoted = !quoted,
            d if d == delimiter && !quoted => field += 1,
            _ => {}
        }
    }
    (line, field)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_a_bom_and_windows_1252_decode_to_the_same_text() {
        let text = "distrikt\r\nØsterhøj\r\n";
        let mut utf8 = UTF8_BOM.to_vec();
        utf8.extend_from_slice(text.as_bytes());
        let (cp1252, _, _) = encoding_rs::WINDOWS_1252.encode(text);
        assert_eq!(decode(&utf8).unwrap(), text);
        assert_eq!(decode(&cp1252).unwrap(), text);
    }

    #[test]
    fn a_utf16_file_is_refused() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "cpr;maaned".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let e = decode(&bytes).unwrap_err();
        assert!(e.reason.contains("UTF-16"), "{e:?}");
        let without_bom: Vec<u8> = bytes[2..].to_vec();
        assert!(decode(&without_bom).unwrap_err().reason.contains("NUL"));
    }

    #[test]
    fn a_byte_undefined_in_windows_1252_is_refused_where_it_is() {
        let bytes = b"a;b\r\nx;y\x81z\r\n";
        let e = decode(bytes).unwrap_err();
        assert_eq!(e.offset, 8);
        assert_eq!(e.value, "0x81");
        assert_eq!(line_and_field(bytes, e.offset, b';'), (2, 1));
    }

    #[test]
    fn a_file_mixing_utf8_and_windows_1252_is_refused() {
        let mut bytes = "a\r\nØ\r\n".as_bytes().to_vec();
        bytes.extend_from_slice(b"\xF8\r\n");
        assert!(decode(&bytes).unwrap_err().reason.contains("blander"));
    }

    #[test]
    fn a_bom_with_invalid_utf8_after_it_is_refused() {
        let bytes = b"\xEF\xBB\xBFa\r\n\xF8\r\n";
        let e = decode(bytes).unwrap_err();
        assert_eq!(e.offset, 6);
        assert!(e.reason.contains("BOM"));
    }

    #[test]
    fn the_field_of_a_byte_skips_delimiters_inside_quotes() {
        let bytes = b"a;b;c\r\n\"x;y\";z;!\r\n";
        let at = bytes.iter().position(|&b| b == b'!').unwrap();
        assert_eq!(line_and_field(bytes, at, b';'), (2, 2));
    }
}
