//! Danish numbers, in a file of their own: the catalogue's counted phrases need them
//! and the formats need the catalogue's messages, so the number sits below both.

/// `value` with `decimals` decimals, a decimal comma and `.` between thousands.
pub fn number(value: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, frac) = match text.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (text.as_str(), None),
    };
    let mut out = String::with_capacity(text.len() + whole.len() / 3 + 1);
    // A value that rounds to zero is shown without a sign ("0,0", never "-0,0").
    if value < 0.0 && text.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
        out.push('-');
    }
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(digit);
    }
    if let Some(frac) = frac {
        out.push(',');
        out.push_str(frac);
    }
    out
}
