//! One record, one line: control characters in a formatted log line are escaped before it is
//! queued, so no value (a flow's input, a Genesys message, anything a library logs) can end a
//! record early and have the rest read as a forged record of its own.
//!
//! tracing-subscriber's fmt layer formats each event into one buffer and hands it over in one
//! `write_all`, so the writer sees whole lines: everything but their final `\n` is a value or
//! the formatter's own text. The JSON format already escapes C0 controls inside strings but
//! writes the others (DEL, C1 such as NEL, U+2028, U+2029) as they are; the pretty format
//! writes field values as they are (tracing-subscriber escapes terminal controls only in the
//! message). Escapes are JSON's (`\n`, `\u2028`), so a JSON line stays valid JSON and still
//! decodes to the value logged. With colours on (stdout a terminal) an `ESC` that starts a
//! colour code is let through, as the formatter writes those: a value can colour text there,
//! but not move the cursor or erase a line.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};

use tracing_subscriber::fmt::MakeWriter;

/// A [`MakeWriter`] whose writers escape each line's control characters, then pass it on.
pub struct EscapedLines<M> {
    inner: M,
    /// Colours are on: the formatter's own colour codes (`ESC [ ... m`) must go through.
    colours: bool,
}

impl<M> EscapedLines<M> {
    pub fn new(inner: M, colours: bool) -> Self {
        EscapedLines { inner, colours }
    }
}

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for EscapedLines<M> {
    type Writer = EscapedLine<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        EscapedLine {
            inner: self.inner.make_writer(),
            colours: self.colours,
        }
    }
}

pub struct EscapedLine<W> {
    inner: W,
    colours: bool,
}

impl<W: Write> Write for EscapedLine<W> {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        self.write_all(line)?;
        Ok(line.len())
    }

    fn write_all(&mut self, line: &[u8]) -> io::Result<()> {
        self.inner.write_all(&escaped(line, self.colours))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// `text` as one line: escaped as a log line is, so no value in it can end the line early or
/// rewrite it on a terminal (`cobrowse-proxy doctor` prints its checks so). Borrowed when
/// there is nothing to escape.
pub fn one_line(text: &str) -> Cow<'_, str> {
    // `escaped` keeps a final newline as the line's own: here it is part of the text.
    if text.ends_with('\n') {
        let line = format!("{text}\n");
        let mut out = String::from_utf8_lossy(&escaped(line.as_bytes(), false)).into_owned();
        out.pop();
        return Cow::Owned(out);
    }
    match escaped(text.as_bytes(), false) {
        Cow::Borrowed(_) => Cow::Borrowed(text),
        // Escaping writes a `String`; lossy only to be total.
        Cow::Owned(bytes) => Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()),
    }
}

/// `line` with every character that could end it or rewrite it on a terminal escaped: C0
/// controls, DEL, C1 controls, U+2028 and U+2029; a final `\n` is the line's own and is
/// kept, and with `colours` so is an `ESC` that starts a colour code. Borrowed, without a
/// copy, when there is nothing to escape: the usual case, checked in one pass over the bytes.
fn escaped(line: &[u8], colours: bool) -> Cow<'_, [u8]> {
    let body = line.strip_suffix(b"\n").unwrap_or(line);
    let unsafe_at = |i: usize| match body[i] {
        0x1b => !(colours && starts_colour_code(&body[i..])),
        0x00..=0x1f | 0x7f => true,
        // UTF-8 for U+0080..=U+009F (C1) and for U+2028, U+2029.
        0xc2 => matches!(body.get(i + 1), Some(0x80..=0x9f)),
        0xe2 => body.get(i + 1) == Some(&0x80) && matches!(body.get(i + 2), Some(0xa8 | 0xa9)),
        _ => false,
    };
    if !(0..body.len()).any(unsafe_at) {
        return Cow::Borrowed(line);
    }
    // Lines are UTF-8 (the formatter writes a `String`); lossy only to be total.
    let text = String::from_utf8_lossy(body);
    let mut out = String::with_capacity(line.len() + 16);
    for (i, c) in text.char_indices() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{1b}' if colours && starts_colour_code(&text.as_bytes()[i..]) => out.push(c),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    if body.len() < line.len() {
        out.push('\n');
    }
    Cow::Owned(out.into_bytes())
}

/// Whether `text` starts with an SGR sequence (`ESC [ digits and ; m`): a colour, the only
/// escape sequence the formatter writes.
fn starts_colour_code(text: &[u8]) -> bool {
    let Some(rest) = text.strip_prefix(b"\x1b[") else {
        return false;
    };
    let params = rest
        .iter()
        .take_while(|b| b.is_ascii_digit() || **b == b';')
        .count();
    rest.get(params) == Some(&b'm')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escape(line: &str, colours: bool) -> String {
        String::from_utf8(escaped(line.as_bytes(), colours).into_owned()).unwrap()
    }

    #[test]
    fn one_line_escapes_a_final_newline_too() {
        assert!(matches!(one_line("ok: Acme"), Cow::Borrowed("ok: Acme")));
        assert_eq!(
            one_line("ok: Acme\nok   start-permission: FORGED\n"),
            r"ok: Acme\nok   start-permission: FORGED\n"
        );
        assert_eq!(one_line("a\u{2028}b\r"), r"a\u2028b\r");
    }

    #[test]
    fn a_plain_line_goes_through_uncopied() {
        let line = "2026-11-25T10:00:00Z  WARN cobrowse call conversation_id=ça → 5e0b\n";
        assert!(matches!(escaped(line.as_bytes(), false), Cow::Borrowed(_)));
    }

    #[test]
    fn breaks_inside_a_line_are_escaped_and_its_own_newline_kept() {
        assert_eq!(
            escape("a\nb\rc\td\u{b}e\u{7f}f\n", false),
            "a\\nb\\rc\\td\\u000be\\u007ff\n"
        );
        assert_eq!(
            escape("a\u{85}b\u{2028}c\u{2029}d\u{9b}e\n", false),
            "a\\u0085b\\u2028c\\u2029d\\u009be\n"
        );
        assert_eq!(escape("no newline\n\n", false), "no newline\\n\n");
        assert_eq!(escape("a\nb", false), "a\\nb");
    }

    #[test]
    fn a_json_line_stays_json_with_the_same_value() {
        let line = format!("{}\n", serde_json::json!({"v": "a\u{2028}b\u{85}c\nd"}));
        let escaped = escape(&line, false);
        assert_eq!(escaped.lines().count(), 1);
        let value: serde_json::Value = serde_json::from_str(&escaped).unwrap();
        assert_eq!(value["v"], "a\u{2028}b\u{85}c\nd");
    }

    #[test]
    fn escape_sequences_are_escaped_but_colours_kept_when_on() {
        let line = "\u{1b}[1;33mWARN\u{1b}[0m x=\u{1b}[2Kerased \u{1b}]0;title\u{7}\n";
        assert_eq!(
            escape(line, true),
            "\u{1b}[1;33mWARN\u{1b}[0m x=\\u001b[2Kerased \\u001b]0;title\\u0007\n"
        );
        assert_eq!(
            escape(line, false),
            "\\u001b[1;33mWARN\\u001b[0m x=\\u001b[2Kerased \\u001b]0;title\\u0007\n"
        );
    }
}
