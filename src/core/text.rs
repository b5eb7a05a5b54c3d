//! The core's one text toolkit: error-message text (how a page's value is shown, message parts joined), a
//! minimal JSON writer (strings, numbers, string arrays, nested objects — enough for the chat APIs' flat
//! bodies and analytics envelopes), and the reader of JSON the browser parsed ([`Json`]). Everything is written
//! without `core::fmt`, which would cost the wasm several KB, and without a serializer.

/// What every area's error type implements: the message a page reads. The shell turns any of them into a JS
/// `Error` in one place (`web::js_error`); areas build the text with [`concat`] and [`shown`], never `core::fmt`.
/// By value: an error is spent when it is reported, and an error that is its message gives it up without a copy.
pub trait Readable {
    fn message(self) -> String;
}

/// A parsed JSON value, read by field name. Reading a field of anything that is not an object gives a value that
/// is nothing (every read of it is `None`, `false` or empty).
pub trait Json: Sized {
    /// The value under key `k`.
    fn field(&self, k: &str) -> Self;
    /// The value, when it is a string.
    fn text(&self) -> Option<String>;
    /// The value, when it is a number.
    fn number(&self) -> Option<f64>;
    /// Whether it is an object (or an array): a value that has fields.
    fn is_object(&self) -> bool;
    /// Whether it is `true` itself.
    fn is_true(&self) -> bool;
    /// The items, when it is an array (at most a bounded number of them).
    fn items(&self) -> Vec<Self>;
    /// Whether there is a value at all (`undefined` is none; `null` is one).
    fn is_present(&self) -> bool;
    /// The value, when it is a date string, as ms since the epoch (`Date.parse`: the browser's calendar); 0 when
    /// it is not one.
    fn time(&self) -> f64;
}

/// `k` as a string, if it is one. Out of line: one call per field read, not its steps at every site.
#[inline(never)]
pub fn opt<J: Json>(v: &J, k: &str) -> Option<String> {
    v.field(k).text()
}

/// `k` as a string, "" when absent or not a string.
#[inline(never)]
pub fn text_of(v: &impl Json, k: &str) -> String {
    opt(v, k).unwrap_or_default()
}

/// A JSON object under construction; keys are written in call order.
#[derive(Debug, Default)]
pub struct Obj {
    out: String,
}

impl Obj {
    pub fn new() -> Self {
        Obj {
            out: String::from("{"),
        }
    }

    /// A comma when a value came before in the object or array being written.
    fn comma(&mut self) {
        if !matches!(self.out.as_bytes().last(), Some(b'{' | b'[')) {
            self.out.push(',');
        }
    }

    fn key(&mut self, k: &str) {
        self.comma();
        push_str(&mut self.out, k);
        self.out.push(':');
    }

    pub fn str(&mut self, k: &str, v: &str) {
        self.key(k);
        push_str(&mut self.out, v);
    }

    pub fn opt_str(&mut self, k: &str, v: Option<&str>) {
        if let Some(v) = v {
            self.str(k, v);
        }
    }

    /// Finite numbers only; anything else is written as `null` (JSON has no NaN).
    pub fn num(&mut self, k: &str, v: f64) {
        self.key(k);
        push_num(&mut self.out, v);
    }

    pub fn str_array(&mut self, k: &str, v: &[String]) {
        self.key(k);
        self.out.push('[');
        for (i, s) in v.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            push_str(&mut self.out, s);
        }
        self.out.push(']');
    }

    /// Already-serialized JSON (a nested [`Obj::finish`]).
    pub fn raw(&mut self, k: &str, json: &str) {
        self.key(k);
        self.out.push_str(json);
    }

    pub fn bool(&mut self, k: &str, v: bool) {
        self.raw(k, if v { "true" } else { "false" });
    }

    /// Opens a nested object under `k`, written in place until [`Obj::close`].
    pub fn open(&mut self, k: &str) {
        self.raw(k, "{");
    }

    /// Opens an object as the next item of the array being written (see [`Obj::list`]).
    pub fn item(&mut self) {
        self.comma();
        self.out.push('{');
    }

    /// Opens an array under `k`, written in place until [`Obj::close`].
    pub fn list(&mut self, k: &str) {
        self.raw(k, "[");
    }

    /// Closes what [`Obj::open`] (`'}'`) or [`Obj::list`] (`']'`) opened.
    pub fn close(&mut self, c: char) {
        self.out.push(c);
    }

    pub fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }
}

/// Numbers in these bodies are integers (priority, action map version); writing them without `core::fmt`
/// keeps float and integer formatting out of the wasm. A non-integer is truncated; a non-finite one is `null`.
pub fn push_num(out: &mut String, v: f64) {
    if !v.is_finite() || v.abs() >= 9.0e15 {
        out.push_str("null");
        return;
    }
    let n = v.trunc() as i64;
    if n < 0 {
        out.push('-');
    }
    push_uint(out, n.unsigned_abs());
}

/// Appends the decimal digits of `n` (no `core::fmt`).
pub fn push_uint(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        if let Some(d) = buf.get_mut(i) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    for d in buf.iter().skip(i) {
        out.push(char::from(*d));
    }
}

/// Writes `s` as a JSON string literal.
pub fn push_str(out: &mut String, s: &str) {
    out.push('"');
    // Most strings (ids, times, plain texts) need no escape: copied whole, not a char at a time (the larger part
    // of writing a message's payload). 0xE2 leads U+2028 and U+2029, among others: those strings go char by char.
    if s.bytes()
        .any(|b| b < 0x20 || b == b'"' || b == b'\\' || b == 0xE2)
    {
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    let n = c as u32;
                    out.push_str("\\u");
                    for shift in [12, 8, 4, 0] {
                        let d = ((n >> shift) & 15) as usize;
                        out.push(char::from(HEX.get(d).copied().unwrap_or(b'0')));
                    }
                }
                c => out.push(c),
            }
        }
    } else {
        out.push_str(s);
    }
    out.push('"');
}

/// How a value the page passed appears in an error message: whole up to [`SHOWN_CHARS`] characters, else its
/// beginning and its length (`'abc…(1048576 chars)'`), so a 1 MB string is not logged in full.
pub fn shown(value: &str) -> String {
    shown_head(value, value.chars().count())
}

/// [`shown`] for a value of which only the beginning is at hand: `head` holds its first characters (at least
/// [`SHOWN_CHARS`] of them when it has more) and `chars` counts them all. The web shell reads a long page string
/// this way, so that it is never copied into the wasm whole.
pub fn shown_head(head: &str, chars: usize) -> String {
    let mut out: String = head.chars().take(SHOWN_CHARS).collect();
    if chars > SHOWN_CHARS {
        out.push_str("…(");
        push_decimal(&mut out, chars);
        out.push_str(" chars)");
    }
    out
}

/// How many characters of a page's value an error message shows.
pub const SHOWN_CHARS: usize = 60;

/// Appends `n` in decimal (without `core::fmt`): the one digit writer.
pub fn push_decimal(out: &mut String, n: usize) {
    push_uint(out, n as u64);
}

/// Joins message parts. Messages are built without `format!`: `core::fmt` would cost the wasm several KB.
pub fn concat(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        s.push_str(p);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_json_requires() {
        let mut o = Obj::new();
        o.str("a", "q\"b\\n\n\u{1}é😀");
        o.num("i", 10.0);
        o.num("z", 0.0);
        o.num("m", -120.0);
        o.num("x", f64::NAN);
        assert_eq!(
            o.finish(),
            "{\"a\":\"q\\\"b\\\\n\\n\\u0001é😀\",\"i\":10,\"z\":0,\"m\":-120,\"x\":null}"
        );
        let mut s = String::new();
        push_uint(&mut s, u64::MAX);
        assert_eq!(s, "18446744073709551615");
    }

    #[test]
    fn strings_without_escapes_are_copied_whole_and_the_others_escaped_alike() {
        for (s, json) in [
            ("m-1 2026-01-01T00:00:00.000Z", "\"m-1 2026-01-01T00:00:00.000Z\""),
            ("é😀", "\"é😀\""),
            ("€ \u{2028}x\u{2029}", "\"€ \\u2028x\\u2029\""),
            ("€\t\"", "\"€\\t\\\"\""),
        ] {
            let mut out = String::new();
            push_str(&mut out, s);
            assert_eq!(out, json);
        }
    }

    #[test]
    fn push_uint_writes_decimal() {
        for n in [0u64, 7, 10, 409, 1_700_000_000_000, u64::MAX] {
            let mut s = String::from("x");
            push_uint(&mut s, n);
            assert_eq!(s, format!("x{n}"));
        }
    }

    #[test]
    fn a_value_known_by_its_head_is_shown_as_the_whole_value_would_be() {
        let long = ["a", &"😀".repeat(79)].concat();
        let head: String = long.chars().take(SHOWN_CHARS).collect();
        assert_eq!(shown_head(&head, 80), shown(&long));
        assert_eq!(shown(&long), ["a", &"😀".repeat(59), "…(80 chars)"].concat());
        assert_eq!(shown_head("short", 5), "short");
        assert_eq!(
            shown_head(&"x".repeat(SHOWN_CHARS), SHOWN_CHARS),
            "x".repeat(SHOWN_CHARS)
        );
    }

    #[test]
    fn objects_nest_in_place() {
        let mut o = Obj::new();
        o.str("a", "x");
        o.list("items");
        o.item();
        o.bool("ok", true);
        o.close('}');
        o.item();
        o.num("n", 2.0);
        o.close('}');
        o.close(']');
        o.open("inner");
        o.close('}');
        o.bool("last", false);
        o.str("", "empty key");
        assert_eq!(
            o.finish(),
            r#"{"a":"x","items":[{"ok":true},{"n":2}],"inner":{},"last":false,"":"empty key"}"#
        );
    }
}
