//! The Journey SDK's tracking modules as pages use them: `ac('load', module, config, callback)` for the five
//! autotrack modules and `ac('forms:track', selector, options)`. Everything decided here, on plain data: what a
//! configuration value must be (and the error naming it), when a rule records, and what never records twice.
//! The shell (`web::autotrack`, `js/autotrack.js`) walks the page's configuration, watches the page, and reports
//! each observation here.
//!
//! What each module records (docs/ac.md has the vendor facts and sources):
//! - `autotrackClick` `{ clickEvents: [{ selector, eventName, customAttributes? }] }`: a click on an element
//!   matching `selector` (or inside one) records `eventName` with `customAttributes`.
//! - `autotrackIdle` `{ idleEvents: [{ idleAfter, eventName, customAttributes? }] }`: `idleAfter` seconds without
//!   visitor activity record `eventName`, once per idle period.
//! - `autotrackInViewport` `{ inViewportEvents: [{ selector, eventName, customAttributes? }] }`: an element
//!   matching `selector` entering the viewport records `eventName`, once per element and rule.
//! - `autotrackScrollDepth` `{ scrollDepthEvents: [{ percentage, eventName, customAttributes? }] }`: scrolling
//!   so that `percentage` % of the page has been in view records `eventName`, once per page.
//! - `autotrackUrlChange` (no configuration): a new URL without a page load records a `pageview`.
//! - `forms:track`: a submitted form records `<formName>:submitted`; a form the visitor changed and then left
//!   without submitting records `<formName>:abandoned`; one event per form element.

use super::journey::Arg;
use super::text::{concat, push_num, shown};

/// The autotrack modules `ac('load', …)` knows, numbered as `js/autotrack.js` numbers its watchers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Module {
    Click,
    Idle,
    InViewport,
    ScrollDepth,
    UrlChange,
}

/// What a configuration value must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    Object,
    List,
    Name,
    /// A non-empty string the browser accepts as a CSS selector.
    Selector,
    /// A number of seconds above 0.
    Seconds,
    /// A number above 0 and at most 100.
    Percent,
    Bool,
}

/// The fields of a configuration object: `(key, what it must be, whether it may be missing)`.
pub type Spec = [(&'static str, Want, bool)];

const EVENT_NAME: (&str, Want, bool) = ("eventName", Want::Name, false);
const CUSTOM: (&str, Want, bool) = ("customAttributes", Want::Object, true);

/// Per module: its name, its configuration list, and the fields of the list's entries (the first says when a
/// rule records).
pub const MODULES: [(Module, &str, &str, &Spec); 5] = [
    (
        Module::Click,
        "autotrackClick",
        "clickEvents",
        &[("selector", Want::Selector, false), EVENT_NAME, CUSTOM],
    ),
    (
        Module::Idle,
        "autotrackIdle",
        "idleEvents",
        &[("idleAfter", Want::Seconds, false), EVENT_NAME, CUSTOM],
    ),
    (
        Module::InViewport,
        "autotrackInViewport",
        "inViewportEvents",
        &[("selector", Want::Selector, false), EVENT_NAME, CUSTOM],
    ),
    (
        Module::ScrollDepth,
        "autotrackScrollDepth",
        "scrollDepthEvents",
        &[("percentage", Want::Percent, false), EVENT_NAME, CUSTOM],
    ),
    (Module::UrlChange, "autotrackUrlChange", "", &[]),
];

/// `ac('forms:track', selector, options)`'s options.
pub const FORM_OPTIONS: &Spec = &[
    ("formName", Want::Name, true),
    ("captureFormDataOnSubmit", Want::Bool, true),
    ("captureFormDataOnAbandon", Want::Bool, true),
    CUSTOM,
    ("traitsMapper", Want::List, true),
];

/// An entry of `options.traitsMapper`.
pub const TRAIT: &Spec = &[("fieldName", Want::Name, false), ("traitName", Want::Name, false)];

/// How many (rule, element or idle period) pairs are remembered as recorded; past it nothing more records.
const MAX_SEEN: usize = 10_000;

impl Module {
    pub fn parse(name: &Arg) -> Result<Module, String> {
        MODULES
            .iter()
            .find(|m| matches!(name, Arg::Str(s) if s == m.1))
            .map(|m| m.0)
            .ok_or_else(|| {
                wrong(
                    &["the module"],
                    "one of autotrackClick, autotrackIdle, autotrackInViewport, autotrackScrollDepth, autotrackUrlChange",
                    name,
                )
            })
    }

    /// `(name, list key, entry fields)`.
    pub fn row(self) -> (&'static str, &'static str, &'static Spec) {
        let r = match self {
            Module::Click => &MODULES[0],
            Module::Idle => &MODULES[1],
            Module::InViewport => &MODULES[2],
            Module::ScrollDepth => &MODULES[3],
            Module::UrlChange => &MODULES[4],
        };
        (r.1, r.2, r.3)
    }
}

/// `<path> must be <want>, got <value>`: the one shape of every configuration error.
fn wrong(path: &[&str], want: &str, got: &Arg) -> String {
    let mut s = concat(path);
    s.push_str(" must be ");
    s.push_str(want);
    s.push_str(", got ");
    match got {
        Arg::Str(v) => {
            s.push('\'');
            s.push_str(&shown(v));
            s.push('\'');
        }
        Arg::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => push_num(&mut s, *n),
        other => s.push_str(other.kind()),
    }
    s
}

/// Checks one configuration value: `Ok` when `v` is what `want` asks (or `undefined` when `optional`), else the
/// error naming the path (`path`'s parts, joined). `selector_ok`: whether the browser accepted `v` as a selector (for [`Want::Selector`]).
pub fn check(path: &[&str], want: Want, optional: bool, v: &Arg, selector_ok: bool) -> Result<(), String> {
    let ok = match (want, v) {
        (_, Arg::Undefined) if optional => true,
        (Want::Object, Arg::Object) | (Want::List, Arg::Array) | (Want::Bool, Arg::Bool(_)) => true,
        (Want::Name, Arg::Str(s)) => !s.is_empty(),
        (Want::Selector, Arg::Str(s)) => !s.is_empty() && selector_ok,
        (Want::Seconds, Arg::Number(n)) => *n > 0.0 && n.is_finite(),
        (Want::Percent, Arg::Number(n)) => *n > 0.0 && *n <= 100.0,
        _ => false,
    };
    if ok {
        return Ok(());
    }
    let text = match want {
        Want::Object => "an object",
        Want::List => "an array",
        Want::Name => "a non-empty string",
        Want::Selector => "a CSS selector",
        Want::Seconds => "a number of seconds above 0",
        Want::Percent => "a number above 0 and at most 100",
        Want::Bool => "a boolean",
    };
    Err(wrong(path, text, v))
}

/// `traitsMapper`: `(fieldName, traitName)` pairs.
pub type Traits = [(String, String)];

/// A tracked form selector's options.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FormRule {
    pub selector: String,
    /// `formName`, the prefix of its event names.
    pub name: Option<String>,
    /// `captureFormDataOnSubmit` (default `true`), `captureFormDataOnAbandon` (default `false`).
    pub on_submit: bool,
    pub on_abandon: bool,
    /// `traitsMapper`: `(fieldName, traitName)`.
    pub traits: Vec<(String, String)>,
}

/// Whether a form field is never recorded: password, hidden and file inputs, and names that say card numbers,
/// security codes, national ids or passwords (compared without case, `-`, `_` or spaces).
pub fn sensitive(name: &str, kind: &str) -> bool {
    if matches!(kind, "password" | "hidden" | "file") {
        return true;
    }
    let mut folded = Vec::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() {
            folded.push(b | 0x20);
        }
    }
    const WORDS: [&[u8]; 9] = [
        b"passw",
        b"cardnumber",
        b"creditcard",
        b"ccnumber",
        b"cvv",
        b"cvc",
        b"ssn",
        b"socialsecurity",
        b"iban",
    ];
    // A plain window compare: `str::contains` would bring the two-way string search into the wasm.
    WORDS.iter().any(|w| folded.windows(w.len()).any(|win| win == *w))
}

/// Every loaded rule and what has already recorded. Rule ids are 1-based positions; time is an input (ms).
#[derive(Debug, Default)]
pub struct Autotrack {
    /// Per rule: its module and its field's number (`idleAfter` s, `percentage`; 0 for selectors).
    rules: Vec<(Module, f64)>,
    /// `(rule, element or idle period)` pairs that recorded; `(0, form element)` for forms.
    seen: Vec<(u32, u32)>,
    /// `None` until `autotrackUrlChange` is loaded; then the URL last seen (empty before the first).
    url: Option<String>,
    forms: Vec<FormRule>,
}

impl Autotrack {
    /// Adds a valid rule (its field's value: `idleAfter`, `percentage`, 0 for a selector); returns its id.
    pub fn add(&mut self, module: Module, at: f64) -> u32 {
        self.rules.push((module, at));
        self.rules.len() as u32
    }

    fn once(&mut self, key: (u32, u32)) -> bool {
        if self.seen.contains(&key) || self.seen.len() >= MAX_SEEN {
            return false;
        }
        self.seen.push(key);
        true
    }

    /// Rule `rule` observed something: whether it records. Click: a click matched its selector (each click
    /// records). In viewport: element `a` (the shell's number) came into view (once per element and rule).
    /// Scroll depth: `a` % of the page has been in view (once per page). Idle: it is `a` ms and the visitor's last
    /// activity was at `b` (once per idle period, i.e. per last activity).
    pub fn fired(&mut self, rule: u32, a: f64, b: f64) -> bool {
        let Some(&(module, at)) = self.rules.get((rule as usize).wrapping_sub(1)) else {
            return false;
        };
        match module {
            Module::Click => true,
            Module::InViewport => self.once((rule, a as u32)),
            Module::ScrollDepth => a >= at && self.once((rule, 0)),
            Module::Idle => a - b >= at * 1000.0 && self.once((rule, b as u32)),
            Module::UrlChange => false,
        }
    }

    /// Loads `autotrackUrlChange`; false when it already was (the shell watches the URL once).
    pub fn load_url_change(&mut self) -> bool {
        let first = self.url.is_none();
        if first {
            self.url = Some(String::new());
        }
        first
    }

    /// The page's URL is `href` (after a history call, back/forward or a hash change, or when the module was
    /// loaded): whether it is a new URL, which records a `pageview`. The first URL seen is the page's own (its
    /// own `ac('pageview')` recorded it).
    pub fn url(&mut self, href: &str) -> bool {
        match &mut self.url {
            Some(last) if last != href => {
                let new = !last.is_empty();
                *last = href.to_string();
                new
            }
            _ => false,
        }
    }

    /// Adds a `forms:track` rule; returns its id (1-based). When several rules match a form, the last wins.
    pub fn track_form(&mut self, rule: FormRule) -> u32 {
        self.forms.push(rule);
        self.forms.len() as u32
    }

    pub fn form(&self, id: u32) -> Option<&FormRule> {
        self.forms.get((id as usize).wrapping_sub(1))
    }

    /// Form element `element` (the shell's number), tracked by rule `rule`, was submitted or abandoned (changed
    /// and left): `None` when nothing records (a form records one event: a second submit, or leaving a submitted
    /// form, records nothing). Else the form's name, the prefix of its event names (`formName`, else the
    /// element's `name` or `id`, `dom`, else the rule's selector), and, when the event captures the form's data,
    /// the rule's traits.
    pub fn form_event(
        &mut self,
        rule: u32,
        element: u32,
        submitted: bool,
        dom: &str,
    ) -> Option<(String, Option<&Traits>)> {
        self.form(rule)?;
        if !self.once((0, element)) {
            return None;
        }
        let f = self.form(rule)?;
        let name = match &f.name {
            Some(n) => n,
            None if !dom.is_empty() => dom,
            None => &f.selector,
        };
        let capture = if submitted { f.on_submit } else { f.on_abandon };
        Some((name.to_string(), capture.then_some(f.traits.as_slice())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Arg {
        Arg::Str(v.into())
    }

    #[test]
    fn modules_are_named_as_the_vendor_names_them() {
        assert_eq!(Module::parse(&s("autotrackClick")), Ok(Module::Click));
        assert_eq!(Module::parse(&s("autotrackScrollDepth")), Ok(Module::ScrollDepth));
        assert_eq!(Module::ScrollDepth.row().1, "scrollDepthEvents");
        assert_eq!(Module::Idle.row().2[0].0, "idleAfter");
        assert_eq!(
            Module::parse(&s("autotrackClicks")).unwrap_err(),
            "the module must be one of autotrackClick, autotrackIdle, autotrackInViewport, \
             autotrackScrollDepth, autotrackUrlChange, got 'autotrackClicks'"
        );
        assert!(Module::parse(&Arg::Undefined)
            .unwrap_err()
            .ends_with("got undefined"));
        for (i, m) in MODULES.iter().enumerate() {
            assert_eq!(m.0 as usize, i, "js/autotrack.js numbers its watchers so");
            assert_eq!(m.0.row().0, m.1);
        }
    }

    #[test]
    fn each_check_names_the_field_what_it_must_be_and_what_it_got() {
        let p = &["config.x[1]", ".f"];
        let cases: [(Want, bool, Arg, &str); 11] = [
            (Want::Object, false, Arg::Undefined, "an object, got undefined"),
            (Want::List, false, Arg::Object, "an array, got an object"),
            (Want::Name, false, s(""), "a non-empty string, got ''"),
            (Want::Name, true, Arg::Null, "a non-empty string, got null"),
            (Want::Selector, false, s("[["), "a CSS selector, got '[['"),
            (Want::Selector, false, Arg::Number(1.0), "a CSS selector, got 1"),
            (
                Want::Seconds,
                false,
                Arg::Number(0.0),
                "a number of seconds above 0, got 0",
            ),
            (
                Want::Seconds,
                false,
                s("30"),
                "a number of seconds above 0, got '30'",
            ),
            (
                Want::Percent,
                false,
                Arg::Number(150.0),
                "a number above 0 and at most 100, got 150",
            ),
            (
                Want::Percent,
                false,
                Arg::Number(f64::NAN),
                "at most 100, got a number",
            ),
            (Want::Bool, true, s("true"), "a boolean, got 'true'"),
        ];
        for (want, optional, v, text) in cases {
            let e = check(p, want, optional, &v, false).unwrap_err();
            assert!(
                e.starts_with("config.x[1].f must be ") && e.ends_with(text),
                "{e}"
            );
        }
        let long = check(p, Want::Name, false, &Arg::Number(-1.5), true).unwrap_err();
        assert!(long.ends_with("got a number"), "{long}");
        let huge = check(p, Want::Bool, false, &s(&"x".repeat(1 << 20)), true).unwrap_err();
        assert!(huge.ends_with("…(1048576 chars)'") && huge.len() < 200, "{huge}");
        let ok: [(Want, bool, Arg); 8] = [
            (Want::Object, false, Arg::Object),
            (Want::Object, true, Arg::Undefined),
            (Want::List, false, Arg::Array),
            (Want::Selector, false, s(".a")),
            (Want::Seconds, false, Arg::Number(0.5)),
            (Want::Percent, false, Arg::Number(100.0)),
            (Want::Bool, true, Arg::Bool(false)),
            (Want::Name, false, s("x")),
        ];
        for (want, optional, v) in ok {
            assert_eq!(check(p, want, optional, &v, true), Ok(()), "{want:?} {v:?}");
        }
        assert!(check(p, Want::Object, false, &Arg::Array, true).is_err());
        assert!(check(p, Want::Seconds, false, &Arg::Number(f64::INFINITY), true).is_err());
    }

    #[test]
    fn a_click_records_each_click_and_only_for_click_rules() {
        let mut a = Autotrack::default();
        let click = a.add(Module::Click, 0.0);
        let view = a.add(Module::InViewport, 0.0);
        assert!(a.fired(click, 0.0, 0.0));
        assert!(a.fired(click, 0.0, 0.0), "every click records");
        assert!(a.fired(view, 5.0, 0.0));
        assert!(!a.fired(0, 0.0, 0.0) && !a.fired(99, 0.0, 0.0), "no such rule");
    }

    #[test]
    fn idle_rules_fire_once_per_idle_period_on_simulated_time() {
        let mut a = Autotrack::default();
        let i30 = a.add(Module::Idle, 30.0);
        let i10 = a.add(Module::Idle, 10.0);
        // Activity at t=1000: a timer that fired early records nothing.
        assert!(!a.fired(i10, 10_999.0, 1000.0));
        assert!(a.fired(i10, 11_000.0, 1000.0));
        assert!(!a.fired(i10, 20_000.0, 1000.0), "once per idle period");
        assert!(!a.fired(i30, 30_000.0, 1000.0));
        assert!(a.fired(i30, 31_000.0, 1000.0));
        // Activity at 100 000 starts a new period: both may fire again.
        assert!(a.fired(i10, 110_000.0, 100_000.0));
        assert!(a.fired(i30, 200_000.0, 100_000.0));
    }

    #[test]
    fn scroll_rules_fire_once_per_page_at_their_depth() {
        let mut a = Autotrack::default();
        let d75 = a.add(Module::ScrollDepth, 75.0);
        let d100 = a.add(Module::ScrollDepth, 100.0);
        assert!(!a.fired(d75, 74.9, 0.0));
        assert!(a.fired(d75, 80.0, 0.0));
        assert!(
            !a.fired(d75, 90.0, 0.0),
            "scrolling back and down again records nothing"
        );
        assert!(!a.fired(d100, 99.0, 0.0));
        assert!(a.fired(d100, 100.0, 0.0));
    }

    #[test]
    fn an_element_in_view_records_once_per_rule() {
        let mut a = Autotrack::default();
        let p = a.add(Module::InViewport, 0.0);
        let q = a.add(Module::InViewport, 0.0);
        assert!(a.fired(p, 1.0, 0.0));
        assert!(!a.fired(p, 1.0, 0.0), "leaving and coming back records nothing");
        assert!(a.fired(p, 2.0, 0.0), "another element of the same rule records");
        assert!(a.fired(q, 1.0, 0.0), "the same element for another rule records");
    }

    #[test]
    fn a_url_change_records_a_pageview_once_per_new_url() {
        let mut a = Autotrack::default();
        assert!(!a.url("https://x/a"), "nothing before the module is loaded");
        assert!(a.load_url_change());
        assert!(!a.load_url_change(), "watched once");
        assert!(!a.url("https://x/a"), "the page's own URL is its own pageview");
        assert!(a.url("https://x/b"));
        assert!(
            !a.url("https://x/b"),
            "replaceState to the same URL is not a new page"
        );
        assert!(a.url("https://x/b#top"), "a hash change is a new URL");
        assert!(a.url("https://x/a"), "back to an earlier URL is a new pageview");
    }

    #[test]
    fn sensitive_fields_are_never_recorded() {
        for (name, kind) in [
            ("pw", "password"),
            ("csrf", "hidden"),
            ("cv", "file"),
            ("card_number", "text"),
            ("Card-CVV", "text"),
            ("user_ssn", "text"),
            ("newPassword", "text"),
            ("IBAN", "text"),
        ] {
            assert!(sensitive(name, kind), "{name} {kind}");
        }
        for (name, kind) in [("email", "email"), ("first", "text"), ("plan", "select-one")] {
            assert!(!sensitive(name, kind), "{name} {kind}");
        }
    }

    #[test]
    fn a_form_records_one_event_capturing_data_as_its_options_say() {
        let mut a = Autotrack::default();
        let traits = vec![("givenName".to_string(), "first".to_string())];
        let quote = a.track_form(FormRule {
            selector: "#quote".into(),
            name: Some("rate quote".into()),
            on_submit: true,
            traits: traits.clone(),
            ..FormRule::default()
        });
        let any = a.track_form(FormRule {
            selector: "form".into(),
            on_submit: true,
            ..FormRule::default()
        });
        assert_eq!(
            a.form_event(quote, 7, true, "quote-form"),
            Some(("rate quote".to_string(), Some(traits.as_slice())))
        );
        assert_eq!(a.form_event(quote, 7, true, ""), None, "once per form");
        assert_eq!(
            a.form_event(quote, 7, false, ""),
            None,
            "a submitted form is not abandoned"
        );
        assert_eq!(
            a.form_event(any, 8, false, "newsletter"),
            Some(("newsletter".to_string(), None)),
            "abandoned, without data, named by the element's name or id"
        );
        assert_eq!(
            a.form_event(any, 9, true, ""),
            Some(("form".to_string(), Some(&[][..]))),
            "else by the selector"
        );
        assert_eq!(a.form_event(99, 10, true, ""), None);
        assert_eq!(
            a.form_event(any, 10, true, ""),
            Some(("form".to_string(), Some(&[][..])))
        );
    }
}
