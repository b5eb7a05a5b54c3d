//! [`Src`]: arbitrary bytes read as the inputs a driver needs, never failing.

/// The guest JWT the server hands out in the drivers. It may appear only in the `Authorization` header and in the
/// session snapshot: [`Src::str`] never produces it, so seeing it anywhere else is a leak. It starts with a
/// letter that no JSON escape ends with (not a hex digit, not b/f/n/r/t): `"eyJ…"` was once found in a body
/// where the fuzzer's raw `\x1e` + `yJ.SECRET.jwt` became `\u001e` + `yJ…` — the JWT's letters, not the JWT.
pub const SECRET: &str = "ZyJ.SECRET.jwt";

/// A reader over the fuzz input that never fails.
pub struct Src<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Src<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Src { data, pos: 0 }
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    pub fn u8(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        let v = (usize::from(self.u8()) << 8) | usize::from(self.u8());
        v % n
    }

    pub fn pick<'b, T>(&mut self, items: &'b [T]) -> Option<&'b T> {
        let i = self.below(items.len());
        items.get(i)
    }

    /// A number a page might pass: mostly edge cases, sometimes any f64 bit pattern.
    pub fn f64(&mut self) -> f64 {
        const EDGES: [f64; 24] = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            2.0,
            10.0,
            100.0,
            101.0,
            255.0,
            256.0,
            1000.0,
            4000.0,
            65535.0,
            65536.0,
            4294967295.0,
            4294967296.0,
            9007199254740991.0,
            1e300,
            -1e300,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1525856019.895,
        ];
        if self.u8() < 200 {
            return EDGES.get(self.below(EDGES.len())).copied().unwrap_or(0.0);
        }
        let mut b = [0u8; 8];
        for x in &mut b {
            *x = self.u8();
        }
        f64::from_le_bytes(b)
    }

    /// A string: a dictionary word (the area's vocabulary) or raw bytes, lossily decoded as UTF-8 as a JS string
    /// copied into wasm would be.
    pub fn str(&mut self, dict: &[&str]) -> String {
        let tag = self.u8();
        if tag < 160 && !dict.is_empty() {
            return self.pick(dict).copied().unwrap_or("").to_string();
        }
        let len = match tag {
            250..=255 => usize::from(self.u8()) * 64,
            _ => usize::from(self.u8() % 48),
        };
        let start = self.pos.min(self.data.len());
        let end = (start + len).min(self.data.len());
        self.pos = start + len;
        let raw = self.data.get(start..end).unwrap_or(&[]);
        let mut out = String::from_utf8_lossy(raw).into_owned();
        // The guest JWT is never something a page or server says: any occurrence in an output is a leak.
        while out.contains(SECRET) {
            out = out.replace(SECRET, "");
        }
        out
    }

    pub fn opt_str(&mut self, dict: &[&str]) -> Option<String> {
        if self.bool() {
            Some(self.str(dict))
        } else {
            None
        }
    }
}
