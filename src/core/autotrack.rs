//! The Journey SDK's tracking modules as pages use them: `ac('load', module, config, callback)` for the five
//! autotrack modules and `ac('forms:track', selector, options)`. Everything decided here, on plain data: which
//! configurations are valid (and what the error says), which rules a page event fires, and what is never
//! recorded twice. The browser side (listeners, `IntersectionObserver`, history hooks, timers) is
//! `js/autotrack.js`, driven by `web::ac`; it reports what it observed and records what this module says.
//!
//! What each module records (docs/ac.md has the vendor facts and sources):
//! - `autotrackClick` `{ clickEvents: [{ selector, eventName, customAttributes? }] }`: a click on an element
//!   matching `selector` (or inside one) records `eventName` with `customAttributes`, once per rule per click.
//! - `autotrackIdle` `{ idleEvents: [{ idleAfter, eventName, customAttributes? }] }`: `idleAfter` seconds without
//!   visitor activity record `eventName`, once per idle period (activity starts a new period).
//! - `autotrackInViewport` `{ inViewportEvents: [{ selector, eventName, customAttributes? }] }`: an element
//!   matching `selector` entering the viewport records `eventName`, once per element and rule.
//! - `autotrackScrollDepth` `{ scrollDepthEvents: [{ percentage, eventName, customAttributes? }] }`: scrolling
//!   so that `percentage` % of the page has been in view records `eventName`, once per page.
//! - `autotrackUrlChange` (no configuration): a change of the page's URL without a page load (history
//!   `pushState`/`replaceState`, back/forward, a hash change) records a `pageview`, once per new URL.
//! - `forms:track`: a submitted form records `<formName>:submitted`; a form the visitor changed and then left
//!   without submitting records `<formName>:abandoned`, at most once per form element (the vendor's `formName`
//!   is the prefix of both event names).

use super::journey::{concat, push_decimal, shown, Arg};

/// The autotrack modules `ac('load', …)` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Module {
    Click,
    Idle,
    InViewport,
    ScrollDepth,
    UrlChange,
}

/// Per module: its name, the configuration list it reads and the key of the field that triggers a rule.
/// The shell reads the page's configuration by these names (`web::ac` hands them to `js/autotrack.js`).
pub const MODULES: [(Module, &str, &str, &str); 5] = [
    (Module::Click, "autotrackClick", "clickEvents", "selector"),
    (Module::Idle, "autotrackIdle", "idleEvents", "idleAfter"),
    (
        Module::InViewport,
        "autotrackInViewport",
        "inViewportEvents",
        "selector",
    ),
    (
        Module::ScrollDepth,
        "autotrackScrollDepth",
        "scrollDepthEvents",
        "percentage",
    ),
    (Module::UrlChange, "autotrackUrlChange", "", ""),
];

/// How many rules one `ac('load', …)` may carry; the shell reads no further than one past it.
pub const MAX_RULES: usize = 100;
/// How many rules a page may have loaded in all, over every module.
pub const MAX_TOTAL_RULES: usize = 500;
/// How long a selector or an event name may be (characters).
pub const MAX_NAME_CHARS: usize = 1000;
/// The longest idle time a rule may wait for: a day (browsers clamp timers beyond about 24.8 days anyway).
pub const MAX_IDLE_SECONDS: f64 = 86_400.0;
/// How many (rule, element) pairs in-viewport remembers as already recorded.
const MAX_SEEN: usize = 10_000;

impl Module {
    pub fn parse(name: &Arg) -> Result<Module, String> {
        let known = || {
            let mut s = String::new();
            for (i, m) in MODULES.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                s.push_str(m.1);
            }
            s
        };
        let Arg::Str(name) = name else {
            return Err(concat(&[
                "ac('load', module, config, callback): the module must be a string such as 'autotrackClick', got ",
                name.kind(),
            ]));
        };
        MODULES.iter().find(|m| m.1 == name).map(|m| m.0).ok_or_else(|| {
            concat(&[
                "ac('load'): unknown module '",
                &shown(name),
                "'; ac() knows ",
                &known(),
            ])
        })
    }

    fn row(self) -> &'static (Module, &'static str, &'static str, &'static str) {
        match self {
            Module::Click => &MODULES[0],
            Module::Idle => &MODULES[1],
            Module::InViewport => &MODULES[2],
            Module::ScrollDepth => &MODULES[3],
            Module::UrlChange => &MODULES[4],
        }
    }

    pub fn name(self) -> &'static str {
        self.row().1
    }

    /// The configuration list (`clickEvents`); empty for a module without one.
    pub fn list_key(self) -> &'static str {
        self.row().2
    }

    /// The field of a list entry that says when the rule fires (`selector`, `idleAfter`, `percentage`).
    pub fn field_key(self) -> &'static str {
        self.row().3
    }

    /// Whether its rules name elements by CSS selector (the shell checks the selector's syntax).
    pub fn uses_selector(self) -> bool {
        matches!(self, Module::Click | Module::InViewport)
    }

    /// A small number per module, for the shell to name it across the wasm boundary.
    pub fn index(self) -> u32 {
        self as u32
    }
}

/// One configuration entry as the shell read it from the page (each field as an [`Arg`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RuleArgs {
    /// `selector`, `idleAfter` or `percentage`.
    pub field: Arg,
    /// For a selector: whether the browser accepted its syntax (`querySelector` did not throw).
    pub selector_ok: bool,
    pub event_name: Arg,
    pub custom_attributes: Arg,
}

/// The configuration as the shell read it: the list's own type and length, and its first entries.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigArgs {
    /// The `config` argument itself.
    pub config: Arg,
    /// `config[list_key]`.
    pub list: Arg,
    /// `config[list_key].length` (only meaningful for an array).
    pub len: usize,
    pub rules: Vec<RuleArgs>,
}

/// When a rule fires.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    Selector(String),
    IdleAfterMs(f64),
    Percentage(f64),
}

/// A loaded rule. `id` is the page's: the shell keeps the rule's `customAttributes` under it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: u32,
    pub module: Module,
    pub trigger: Trigger,
    pub event_name: String,
}

/// A valid configuration entry, before it gets an id.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSpec {
    pub trigger: Trigger,
    pub event_name: String,
}

fn where_(module: Module, i: usize, field: &str) -> String {
    let mut s = concat(&[
        "ac('load', '",
        module.name(),
        "'): config.",
        module.list_key(),
        "[",
    ]);
    push_decimal(&mut s, i);
    s.push_str("].");
    s.push_str(field);
    s
}

fn non_empty_string(what: String, arg: &Arg) -> Result<String, String> {
    match arg {
        Arg::Str(s) if !s.is_empty() && s.chars().count() <= MAX_NAME_CHARS => Ok(s.clone()),
        Arg::Str(s) if s.is_empty() => Err(concat(&[
            &what,
            " must be a non-empty string, got an empty string",
        ])),
        Arg::Str(s) => Err(concat(&[
            &what,
            " is too long ('",
            &shown(s),
            "'); the limit is 1000 characters",
        ])),
        other => Err(concat(&[
            &what,
            " must be a non-empty string, got ",
            other.kind(),
        ])),
    }
}

/// Validates what `ac('load', module, config)` asks for. The error names the module, the entry and the field.
pub fn validate(module: Module, cfg: &ConfigArgs) -> Result<Vec<RuleSpec>, String> {
    if module == Module::UrlChange {
        // Its only configuration is that it is loaded; an object (or nothing) is accepted as it is.
        return match cfg.config {
            Arg::Undefined | Arg::Null | Arg::Object => Ok(Vec::new()),
            ref other => Err(concat(&[
                "ac('load', 'autotrackUrlChange', config): config, when given, must be an object, got ",
                other.kind(),
            ])),
        };
    }
    let list = module.list_key();
    if cfg.config != Arg::Object {
        return Err(concat(&[
            "ac('load', '",
            module.name(),
            "', config): config must be an object { ",
            list,
            ": [...] }, got ",
            cfg.config.kind(),
        ]));
    }
    if cfg.list != Arg::Array {
        return Err(concat(&[
            "ac('load', '",
            module.name(),
            "'): config.",
            list,
            " must be an array, got ",
            cfg.list.kind(),
        ]));
    }
    if cfg.len == 0 || cfg.len > MAX_RULES {
        let mut s = concat(&[
            "ac('load', '",
            module.name(),
            "'): config.",
            list,
            " must hold 1 to 100 entries, got ",
        ]);
        push_decimal(&mut s, cfg.len);
        return Err(s);
    }
    let mut out = Vec::with_capacity(cfg.rules.len());
    for (i, r) in cfg.rules.iter().enumerate() {
        let field = module.field_key();
        let trigger = match module {
            Module::Click | Module::InViewport => {
                let sel = non_empty_string(where_(module, i, field), &r.field)?;
                if !r.selector_ok {
                    return Err(concat(&[
                        &where_(module, i, field),
                        " '",
                        &shown(&sel),
                        "' is not a valid CSS selector",
                    ]));
                }
                Trigger::Selector(sel)
            }
            Module::Idle => match r.field {
                Arg::Number(n) if (1.0..=MAX_IDLE_SECONDS).contains(&n) => Trigger::IdleAfterMs(n * 1000.0),
                ref other => {
                    return Err(concat(&[
                        &where_(module, i, field),
                        " must be a number of seconds from 1 to 86400, got ",
                        &number_or_kind(other),
                    ]))
                }
            },
            Module::ScrollDepth => match r.field {
                Arg::Number(n) if n > 0.0 && n <= 100.0 => Trigger::Percentage(n),
                ref other => {
                    return Err(concat(&[
                        &where_(module, i, field),
                        " must be a number above 0 and at most 100, got ",
                        &number_or_kind(other),
                    ]))
                }
            },
            Module::UrlChange => continue,
        };
        let event_name = non_empty_string(where_(module, i, "eventName"), &r.event_name)?;
        match r.custom_attributes {
            Arg::Undefined | Arg::Object => {}
            ref other => {
                return Err(concat(&[
                    &where_(module, i, "customAttributes"),
                    ", when given, must be an object, got ",
                    other.kind(),
                ]))
            }
        }
        out.push(RuleSpec { trigger, event_name });
    }
    Ok(out)
}

fn number_or_kind(arg: &Arg) -> String {
    match arg {
        Arg::Number(n) if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e15 => {
            let mut s = String::new();
            if *n < 0.0 {
                s.push('-');
            }
            push_decimal(&mut s, n.abs() as usize);
            s
        }
        Arg::Number(_) => "a number out of range".into(),
        other => other.kind().into(),
    }
}

// ---------------------------------------------------------------------------------------------------------
// forms:track
// ---------------------------------------------------------------------------------------------------------

/// What `ac('forms:track', selector, options)` asks for, as the shell read it.
#[derive(Debug, Clone, PartialEq)]
pub struct FormArgs {
    pub selector: Arg,
    pub selector_ok: bool,
    pub options: Arg,
    pub form_name: Arg,
    pub capture_on_submit: Arg,
    pub capture_on_abandon: Arg,
    pub custom_attributes: Arg,
    /// `traitsMapper`: its type, length and the first entries' `fieldName`/`traitName`.
    pub traits_mapper: Arg,
    pub traits_len: usize,
    pub traits: Vec<(Arg, Arg)>,
}

/// A tracked form selector.
#[derive(Debug, Clone, PartialEq)]
pub struct FormRule {
    pub id: u32,
    pub selector: String,
    pub form_name: Option<String>,
    pub capture_on_submit: bool,
    pub capture_on_abandon: bool,
    /// `(fieldName, traitName)`.
    pub traits: Vec<(String, String)>,
}

impl FormArgs {
    pub fn validate(&self) -> Result<FormRule, String> {
        let selector = non_empty_string(
            "ac('forms:track', selector, options): the selector".into(),
            &self.selector,
        )?;
        if !self.selector_ok {
            return Err(concat(&[
                "ac('forms:track'): '",
                &shown(&selector),
                "' is not a valid CSS selector",
            ]));
        }
        match self.options {
            Arg::Undefined | Arg::Object => {}
            ref other => {
                return Err(concat(&[
                    "ac('forms:track', selector, options): options, when given, must be an object, got ",
                    other.kind(),
                ]))
            }
        }
        let form_name = match &self.form_name {
            Arg::Undefined => None,
            other => Some(non_empty_string(
                "ac('forms:track'): options.formName".into(),
                other,
            )?),
        };
        let flag = |arg: &Arg, key: &str, default: bool| match arg {
            Arg::Undefined => Ok(default),
            Arg::Bool(b) => Ok(*b),
            other => Err(concat(&[
                "ac('forms:track'): options.",
                key,
                ", when given, must be a boolean, got ",
                other.kind(),
            ])),
        };
        let capture_on_submit = flag(&self.capture_on_submit, "captureFormDataOnSubmit", true)?;
        let capture_on_abandon = flag(&self.capture_on_abandon, "captureFormDataOnAbandon", false)?;
        match self.custom_attributes {
            Arg::Undefined | Arg::Object => {}
            ref other => {
                return Err(concat(&[
                    "ac('forms:track'): options.customAttributes, when given, must be an object, got ",
                    other.kind(),
                ]))
            }
        }
        let mut traits = Vec::new();
        match self.traits_mapper {
            Arg::Undefined => {}
            Arg::Array if self.traits_len <= MAX_RULES => {
                for (i, (field, t)) in self.traits.iter().enumerate() {
                    let at = |key: &str| {
                        let mut s = String::from("ac('forms:track'): options.traitsMapper[");
                        push_decimal(&mut s, i);
                        s.push_str("].");
                        s.push_str(key);
                        s
                    };
                    traits.push((non_empty_string(at("fieldName"), field)?, non_empty_string(at("traitName"), t)?));
                }
            }
            Arg::Array => return Err("ac('forms:track'): options.traitsMapper may hold at most 100 entries".into()),
            ref other => {
                return Err(concat(&[
                    "ac('forms:track'): options.traitsMapper, when given, must be an array of { fieldName, traitName }, got ",
                    other.kind(),
                ]))
            }
        }
        Ok(FormRule {
            id: 0,
            selector,
            form_name,
            capture_on_submit,
            capture_on_abandon,
            traits,
        })
    }
}

/// One form control as the shell read it: `name`, `type` (lower case), value.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub kind: String,
    pub value: String,
}

/// How many fields of one form are recorded, and how long a value may be (characters; longer ones are cut).
pub const MAX_FIELDS: usize = 200;
pub const MAX_VALUE_CHARS: usize = 1000;

/// Whether a field is never recorded: passwords, hidden and file inputs, and names that say card numbers,
/// security codes or national ids (compared without case, `-`, `_` or spaces).
pub fn is_sensitive(field: &Field) -> bool {
    if matches!(field.kind.as_str(), "password" | "hidden" | "file") {
        return true;
    }
    let name: Vec<u8> = field
        .name
        .bytes()
        .filter(u8::is_ascii_alphanumeric)
        .map(|b| b.to_ascii_lowercase())
        .collect();
    const WORDS: [&[u8]; 10] = [
        b"password",
        b"passwd",
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
    WORDS.iter().any(|w| name.windows(w.len()).any(|win| win == *w))
}

/// What a form event records: the name, and (when captured) the fields and the traits they map to.
#[derive(Debug, Clone, PartialEq)]
pub struct FormRecord {
    /// `<formName>:submitted` or `<formName>:abandoned`.
    pub event_name: String,
    pub form_name: String,
    /// `None` when the rule does not capture data for this event.
    pub data: Option<Vec<(String, String)>>,
    pub traits: Vec<(String, String)>,
}

/// The form events a page sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormEvent {
    Submitted,
    Abandoned,
}

// ---------------------------------------------------------------------------------------------------------
// The page's state
// ---------------------------------------------------------------------------------------------------------

/// Every loaded rule and what each has already recorded. Time is an input (ms).
#[derive(Debug, Default)]
pub struct Autotrack {
    rules: Vec<Rule>,
    next_id: u32,
    url_change: bool,
    /// The idle period the fired rules belong to (its last activity), and the rules that fired in it.
    idle_since: f64,
    idle_fired: Vec<u32>,
    scroll_fired: Vec<u32>,
    in_view_seen: Vec<(u32, u32)>,
    last_url: Option<String>,
    forms: Vec<FormRule>,
    /// Form elements (the shell's numbers) that were submitted or recorded as abandoned.
    forms_done: Vec<u32>,
}

impl Autotrack {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the rules of one `ac('load', …)`. A rule the page already loaded (same module, trigger and event
    /// name: a script that ran twice) is not added again, so it does not record twice. Returns the new rules.
    pub fn load(&mut self, module: Module, specs: Vec<RuleSpec>) -> Result<Vec<Rule>, String> {
        if module == Module::UrlChange {
            self.url_change = true;
            return Ok(Vec::new());
        }
        let mut fresh: Vec<RuleSpec> = Vec::new();
        for s in specs {
            if !self.has(module, &s) && !fresh.contains(&s) {
                fresh.push(s);
            }
        }
        if self.rules.len() + fresh.len() > MAX_TOTAL_RULES {
            return Err(concat(&[
                "ac('load', '",
                module.name(),
                "'): a page may load at most 500 rules in all",
            ]));
        }
        let mut added = Vec::with_capacity(fresh.len());
        for s in fresh {
            self.next_id += 1;
            let rule = Rule {
                id: self.next_id,
                module,
                trigger: s.trigger,
                event_name: s.event_name,
            };
            self.rules.push(rule.clone());
            added.push(rule);
        }
        Ok(added)
    }

    fn has(&self, module: Module, s: &RuleSpec) -> bool {
        self.rules
            .iter()
            .any(|r| r.module == module && r.trigger == s.trigger && r.event_name == s.event_name)
    }

    pub fn rule(&self, id: u32) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    pub fn rules(&self, module: Module) -> impl Iterator<Item = &Rule> {
        self.rules.iter().filter(move |r| r.module == module)
    }

    /// A click matched these click rules (the shell asked each rule's selector of the clicked element's
    /// ancestors). Each rule records once per click, whatever the shell reported twice; ids that are not click
    /// rules record nothing.
    pub fn clicked(&self, matched: &[u32]) -> Vec<u32> {
        let mut out: Vec<u32> = Vec::new();
        for id in matched {
            if !out.contains(id) && self.rule(*id).is_some_and(|r| r.module == Module::Click) {
                out.push(*id);
            }
        }
        out
    }

    /// The idle rules due at `now`, the visitor's last activity having been at `last_activity`; and when to ask
    /// again (`None`: every idle rule fired in this idle period, ask again after the next activity). Activity
    /// starts a new period in which every rule may fire again.
    pub fn idle(&mut self, now: f64, last_activity: f64) -> (Vec<u32>, Option<f64>) {
        if last_activity > self.idle_since {
            self.idle_since = last_activity;
            self.idle_fired.clear();
        }
        let mut due = Vec::new();
        let mut next: Option<f64> = None;
        for r in self.rules.iter().filter(|r| r.module == Module::Idle) {
            let Trigger::IdleAfterMs(after) = r.trigger else {
                continue;
            };
            if self.idle_fired.contains(&r.id) {
                continue;
            }
            let at = last_activity + after;
            if at <= now {
                due.push(r.id);
            } else {
                next = Some(next.map_or(at, |n: f64| n.min(at)));
            }
        }
        self.idle_fired.extend(&due);
        (due, next)
    }

    /// The visitor has scrolled so that `depth` % of the page has been in view: the scroll rules that fire now
    /// (lowest percentage first, each once per page), and the depth at which to call again (`None`: all fired).
    pub fn scrolled(&mut self, depth: f64) -> (Vec<u32>, Option<f64>) {
        let mut due: Vec<(f64, u32)> = Vec::new();
        let mut next: Option<f64> = None;
        for r in self.rules.iter().filter(|r| r.module == Module::ScrollDepth) {
            let Trigger::Percentage(p) = r.trigger else {
                continue;
            };
            if self.scroll_fired.contains(&r.id) {
                continue;
            }
            if p <= depth {
                due.push((p, r.id));
            } else {
                next = Some(next.map_or(p, |n: f64| n.min(p)));
            }
        }
        // Lowest percentage first (a plain selection: a handful of rules, and no sort code in the wasm).
        let mut ordered = Vec::with_capacity(due.len());
        while let Some(i) = (0..due.len()).min_by(|&a, &b| {
            let p = |i: usize| due.get(i).map_or(f64::INFINITY, |d| d.0);
            p(a).total_cmp(&p(b))
        }) {
            ordered.push(due.swap_remove(i).1);
        }
        let due = ordered;
        self.scroll_fired.extend(&due);
        (due, next)
    }

    /// The lowest percentage a scroll rule still waits for.
    pub fn next_scroll_depth(&self) -> Option<f64> {
        self.rules
            .iter()
            .filter(|r| !self.scroll_fired.contains(&r.id))
            .filter_map(|r| match r.trigger {
                Trigger::Percentage(p) if r.module == Module::ScrollDepth => Some(p),
                _ => None,
            })
            .min_by(|a, b| a.total_cmp(b))
    }

    /// Element number `element` (the shell's) of in-viewport rule `rule` came into view: whether to record.
    /// Once per element and rule; an element leaving and coming back does not record again.
    pub fn in_view(&mut self, rule: u32, element: u32) -> bool {
        if !self.rule(rule).is_some_and(|r| r.module == Module::InViewport) {
            return false;
        }
        if self.in_view_seen.contains(&(rule, element)) || self.in_view_seen.len() >= MAX_SEEN {
            return false;
        }
        self.in_view_seen.push((rule, element));
        true
    }

    pub fn url_change_loaded(&self) -> bool {
        self.url_change
    }

    /// The page's URL is `href` (after a history call, back/forward or a hash change, or when the module was
    /// loaded): whether it is a new URL, which records a `pageview`. The first URL seen is the page's own
    /// (its `ac('pageview')` recorded it).
    pub fn url(&mut self, href: &str) -> bool {
        if !self.url_change {
            return false;
        }
        match &self.last_url {
            Some(last) if last == href => false,
            Some(_) => {
                self.last_url = Some(href.to_string());
                true
            }
            None => {
                self.last_url = Some(href.to_string());
                false
            }
        }
    }

    /// Adds a `forms:track` rule; the same selector again replaces its options (the last call wins).
    pub fn track_form(&mut self, mut rule: FormRule) -> Result<u32, String> {
        if let Some(old) = self.forms.iter_mut().find(|f| f.selector == rule.selector) {
            rule.id = old.id;
            *old = rule;
            return Ok(old.id);
        }
        if self.forms.len() >= MAX_RULES {
            return Err("ac('forms:track'): a page may track at most 100 form selectors".into());
        }
        self.next_id += 1;
        rule.id = self.next_id;
        self.forms.push(rule);
        Ok(self.next_id)
    }

    pub fn form(&self, id: u32) -> Option<&FormRule> {
        self.forms.iter().find(|f| f.id == id)
    }

    pub fn forms(&self) -> &[FormRule] {
        &self.forms
    }

    /// Form element `element` (the shell's number), tracked by rule `rule`, was submitted or abandoned (the
    /// visitor changed a field and is leaving): what to record, if anything. A form records one event: a second
    /// submit of a form already submitted, or leaving a form already submitted, records nothing. `dom_name` is
    /// the element's `name` or `id`, the form's name when the rule gives none.
    pub fn form_event(
        &mut self,
        rule: u32,
        element: u32,
        event: FormEvent,
        dom_name: &str,
        fields: &[Field],
    ) -> Option<FormRecord> {
        let f = self.forms.iter().find(|f| f.id == rule)?;
        if self.forms_done.contains(&element) {
            return None;
        }
        let capture = match event {
            FormEvent::Submitted => f.capture_on_submit,
            FormEvent::Abandoned => f.capture_on_abandon,
        };
        let kept: Vec<&Field> = fields
            .iter()
            .filter(|x| !is_sensitive(x))
            .take(MAX_FIELDS)
            .collect();
        let cut = |v: &str| v.chars().take(MAX_VALUE_CHARS).collect::<String>();
        let data = capture.then(|| kept.iter().map(|x| (x.name.clone(), cut(&x.value))).collect());
        let traits = if capture {
            f.traits
                .iter()
                .filter_map(|(field, t)| {
                    kept.iter()
                        .find(|x| x.name == *field)
                        .map(|x| (t.clone(), cut(&x.value)))
                })
                .collect()
        } else {
            Vec::new()
        };
        let form_name = f
            .form_name
            .clone()
            .or_else(|| (!dom_name.is_empty()).then(|| dom_name.to_string()))
            .unwrap_or_else(|| f.selector.clone());
        if self.forms_done.len() < MAX_SEEN {
            self.forms_done.push(element);
        }
        let suffix = match event {
            FormEvent::Submitted => ":submitted",
            FormEvent::Abandoned => ":abandoned",
        };
        Some(FormRecord {
            event_name: concat(&[&form_name, suffix]),
            form_name,
            data,
            traits,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Arg {
        Arg::Str(v.into())
    }

    fn entry(field: Arg, name: &str) -> RuleArgs {
        RuleArgs {
            field,
            selector_ok: true,
            event_name: s(name),
            custom_attributes: Arg::Undefined,
        }
    }

    fn cfg(rules: Vec<RuleArgs>) -> ConfigArgs {
        ConfigArgs {
            config: Arg::Object,
            list: Arg::Array,
            len: rules.len(),
            rules,
        }
    }

    fn load(a: &mut Autotrack, module: Module, rules: Vec<RuleArgs>) -> Vec<u32> {
        let specs = validate(module, &cfg(rules)).unwrap();
        a.load(module, specs).unwrap().iter().map(|r| r.id).collect()
    }

    #[test]
    fn modules_are_named_as_the_vendor_names_them() {
        assert_eq!(Module::parse(&s("autotrackClick")), Ok(Module::Click));
        assert_eq!(Module::parse(&s("autotrackScrollDepth")), Ok(Module::ScrollDepth));
        assert_eq!(Module::ScrollDepth.list_key(), "scrollDepthEvents");
        assert_eq!(Module::Idle.field_key(), "idleAfter");
        let e = Module::parse(&s("autotrackClicks")).unwrap_err();
        assert!(
            e.contains("unknown module 'autotrackClicks'") && e.contains("autotrackUrlChange"),
            "{e}"
        );
        let e = Module::parse(&Arg::Undefined).unwrap_err();
        assert!(e.contains("got undefined"), "{e}");
        for (i, m) in MODULES.iter().enumerate() {
            assert_eq!(m.0.index() as usize, i);
        }
    }

    #[test]
    fn configurations_are_validated_with_errors_that_name_the_entry_and_field() {
        let cases: Vec<(Module, ConfigArgs, &str)> =
            vec![
            (
                Module::Click,
                ConfigArgs {
                    config: Arg::Undefined,
                    list: Arg::Undefined,
                    len: 0,
                    rules: vec![],
                },
                "config must be an object { clickEvents: [...] }, got undefined",
            ),
            (
                Module::Click,
                ConfigArgs {
                    config: Arg::Object,
                    list: Arg::Object,
                    len: 0,
                    rules: vec![],
                },
                "config.clickEvents must be an array, got an object",
            ),
            (Module::Idle, cfg(vec![]), "config.idleEvents must hold 1 to 100 entries, got 0"),
            (
                Module::Click,
                cfg(vec![entry(s("a"), "x"), entry(Arg::Number(1.0), "y")]),
                "config.clickEvents[1].selector must be a non-empty string, got a number",
            ),
            (
                Module::InViewport,
                cfg(vec![RuleArgs {
                    selector_ok: false,
                    ..entry(s("[["), "x")
                }]),
                "config.inViewportEvents[0].selector '[[' is not a valid CSS selector",
            ),
            (
                Module::Idle,
                cfg(vec![entry(Arg::Number(0.0), "x")]),
                "config.idleEvents[0].idleAfter must be a number of seconds from 1 to 86400, got 0",
            ),
            (
                Module::Idle,
                cfg(vec![entry(s("30"), "x")]),
                "idleAfter must be a number of seconds from 1 to 86400, got a string",
            ),
            (
                Module::ScrollDepth,
                cfg(vec![entry(Arg::Number(150.0), "x")]),
                "config.scrollDepthEvents[0].percentage must be a number above 0 and at most 100, got 150",
            ),
            (
                Module::ScrollDepth,
                cfg(vec![entry(Arg::Number(f64::NAN), "x")]),
                "got a number out of range",
            ),
            (
                Module::Click,
                cfg(vec![entry(s("a"), "")]),
                "config.clickEvents[0].eventName must be a non-empty string, got an empty string",
            ),
            (
                Module::Click,
                cfg(vec![RuleArgs {
                    custom_attributes: Arg::Array,
                    ..entry(s("a"), "x")
                }]),
                "config.clickEvents[0].customAttributes, when given, must be an object, got an array",
            ),
            (
                Module::UrlChange,
                ConfigArgs {
                    config: s("yes"),
                    list: Arg::Undefined,
                    len: 0,
                    rules: vec![],
                },
                "config, when given, must be an object, got a string",
            ),
        ];
        for (m, c, want) in cases {
            let e = validate(m, &c).unwrap_err();
            assert!(e.contains(want), "{e}\n should contain {want}");
            assert!(e.starts_with(&format!("ac('load', '{}'", m.name())), "{e}");
        }
        let too_many = ConfigArgs {
            len: 101,
            ..cfg(vec![entry(s("a"), "x")])
        };
        assert!(validate(Module::Click, &too_many)
            .unwrap_err()
            .contains("got 101"));
        let long = "x".repeat(1001);
        let e = validate(Module::Click, &cfg(vec![entry(s(&long), "x")])).unwrap_err();
        assert!(e.contains("is too long") && e.len() < 300, "{e}");
        assert_eq!(
            validate(Module::Idle, &cfg(vec![entry(Arg::Number(1.5), "x")])),
            Ok(vec![RuleSpec {
                trigger: Trigger::IdleAfterMs(1500.0),
                event_name: "x".into()
            }])
        );
        assert_eq!(
            validate(
                Module::UrlChange,
                &ConfigArgs {
                    config: Arg::Undefined,
                    list: Arg::Undefined,
                    len: 0,
                    rules: vec![]
                }
            ),
            Ok(vec![])
        );
    }

    #[test]
    fn a_rule_loaded_twice_records_once() {
        let mut a = Autotrack::new();
        let first = load(
            &mut a,
            Module::Click,
            vec![entry(s(".buy"), "buy"), entry(s(".buy"), "buy")],
        );
        assert_eq!(first.len(), 1, "a duplicate inside one load is one rule");
        let again = load(
            &mut a,
            Module::Click,
            vec![entry(s(".buy"), "buy"), entry(s(".sell"), "sell")],
        );
        assert_eq!(again.len(), 1, "only the new rule is added");
        assert_eq!(a.rules(Module::Click).count(), 2);
        // The same selector and name in another module is another rule.
        assert_eq!(
            load(&mut a, Module::InViewport, vec![entry(s(".buy"), "buy")]).len(),
            1
        );
    }

    #[test]
    fn a_page_cannot_load_rules_without_bound() {
        let mut a = Autotrack::new();
        for i in 0..5 {
            let rules = (0..100).map(|j| entry(s(&format!(".r{i}-{j}")), "x")).collect();
            load(&mut a, Module::Click, rules);
        }
        let specs = validate(Module::Click, &cfg(vec![entry(s(".one-more"), "x")])).unwrap();
        assert!(a.load(Module::Click, specs).unwrap_err().contains("at most 500"));
    }

    #[test]
    fn a_click_records_each_matched_click_rule_once() {
        let mut a = Autotrack::new();
        let ids = load(
            &mut a,
            Module::Click,
            vec![entry(s(".a"), "a"), entry(s("button"), "b")],
        );
        let view = load(&mut a, Module::InViewport, vec![entry(s(".a"), "seen")]);
        let (x, y) = (ids[0], ids[1]);
        assert_eq!(a.clicked(&[y, x, y, view[0], 999]), vec![y, x]);
        assert!(a.clicked(&[]).is_empty());
    }

    #[test]
    fn idle_rules_fire_once_per_idle_period_on_simulated_time() {
        let mut a = Autotrack::new();
        let ids = load(
            &mut a,
            Module::Idle,
            vec![
                entry(Arg::Number(30.0), "idle30"),
                entry(Arg::Number(10.0), "idle10"),
            ],
        );
        let (i30, i10) = (ids[0], ids[1]);
        // Activity at t=1000: nothing due yet, ask again at 11 000.
        assert_eq!(a.idle(1000.0, 1000.0), (vec![], Some(11_000.0)));
        assert_eq!(a.idle(11_000.0, 1000.0), (vec![i10], Some(31_000.0)));
        // Asked again early (a timer that fired early): nothing twice.
        assert_eq!(a.idle(20_000.0, 1000.0), (vec![], Some(31_000.0)));
        assert_eq!(a.idle(31_000.0, 1000.0), (vec![i30], None));
        assert_eq!(
            a.idle(90_000.0, 1000.0),
            (vec![], None),
            "each fires once per idle period"
        );
        // Activity at 100 000 starts a new period: both may fire again.
        assert_eq!(a.idle(100_000.0, 100_000.0), (vec![], Some(110_000.0)));
        // A timer that slept through both deadlines (a background tab) fires both at once.
        assert_eq!(a.idle(200_000.0, 100_000.0), (vec![i30, i10], None));
    }

    #[test]
    fn scroll_rules_fire_once_lowest_first_and_say_the_next_depth() {
        let mut a = Autotrack::new();
        let ids = load(
            &mut a,
            Module::ScrollDepth,
            vec![
                entry(Arg::Number(75.0), "d75"),
                entry(Arg::Number(25.0), "d25"),
                entry(Arg::Number(100.0), "d100"),
            ],
        );
        assert_eq!(a.next_scroll_depth(), Some(25.0));
        assert_eq!(a.scrolled(10.0), (vec![], Some(25.0)));
        // A jump to the bottom fires the ones passed on the way, in depth order.
        assert_eq!(a.scrolled(80.0), (vec![ids[1], ids[0]], Some(100.0)));
        assert_eq!(
            a.scrolled(30.0),
            (vec![], Some(100.0)),
            "scrolling back up records nothing"
        );
        assert_eq!(a.scrolled(100.0), (vec![ids[2]], None));
        assert_eq!(a.scrolled(100.0), (vec![], None));
        assert_eq!(a.next_scroll_depth(), None);
    }

    #[test]
    fn an_element_in_view_records_once_per_rule() {
        let mut a = Autotrack::new();
        let ids = load(
            &mut a,
            Module::InViewport,
            vec![entry(s(".p"), "p"), entry(s("#q"), "q")],
        );
        assert!(a.in_view(ids[0], 1));
        assert!(!a.in_view(ids[0], 1), "leaving and coming back records nothing");
        assert!(a.in_view(ids[0], 2), "another element of the same rule records");
        assert!(a.in_view(ids[1], 1), "the same element for another rule records");
        let clicks = load(&mut a, Module::Click, vec![entry(s(".p"), "c")]);
        assert!(!a.in_view(clicks[0], 3), "not an in-viewport rule");
    }

    #[test]
    fn a_url_change_records_a_pageview_once_per_new_url() {
        let mut a = Autotrack::new();
        assert!(!a.url("https://x/a"), "nothing before the module is loaded");
        a.load(Module::UrlChange, vec![]).unwrap();
        assert!(!a.url("https://x/a"), "the page's own URL is its own pageview");
        assert!(a.url("https://x/b"));
        assert!(
            !a.url("https://x/b"),
            "replaceState to the same URL is not a new page"
        );
        assert!(a.url("https://x/b#top"), "a hash change is a new URL");
        assert!(a.url("https://x/a"), "back to an earlier URL is a new pageview");
    }

    fn form_args(selector: &str) -> FormArgs {
        FormArgs {
            selector: s(selector),
            selector_ok: true,
            options: Arg::Object,
            form_name: Arg::Undefined,
            capture_on_submit: Arg::Undefined,
            capture_on_abandon: Arg::Undefined,
            custom_attributes: Arg::Undefined,
            traits_mapper: Arg::Undefined,
            traits_len: 0,
            traits: vec![],
        }
    }

    fn field(name: &str, kind: &str, value: &str) -> Field {
        Field {
            name: name.into(),
            kind: kind.into(),
            value: value.into(),
        }
    }

    #[test]
    fn forms_track_options_are_validated() {
        let ok = form_args("#f").validate().unwrap();
        assert_eq!((ok.capture_on_submit, ok.capture_on_abandon), (true, false));
        let cases = [
            (
                FormArgs {
                    selector: Arg::Undefined,
                    ..form_args("x")
                },
                "the selector must be a non-empty string, got undefined",
            ),
            (
                FormArgs {
                    selector_ok: false,
                    ..form_args("form[")
                },
                "'form[' is not a valid CSS selector",
            ),
            (
                FormArgs {
                    options: s("yes"),
                    ..form_args("f")
                },
                "options, when given, must be an object, got a string",
            ),
            (
                FormArgs {
                    capture_on_abandon: s("true"),
                    ..form_args("f")
                },
                "options.captureFormDataOnAbandon, when given, must be a boolean, got a string",
            ),
            (
                FormArgs {
                    form_name: Arg::Number(1.0),
                    ..form_args("f")
                },
                "options.formName must be a non-empty string, got a number",
            ),
            (
                FormArgs {
                    traits_mapper: Arg::Object,
                    ..form_args("f")
                },
                "options.traitsMapper, when given, must be an array",
            ),
            (
                FormArgs {
                    traits_mapper: Arg::Array,
                    traits_len: 1,
                    traits: vec![(s("email"), Arg::Undefined)],
                    ..form_args("f")
                },
                "options.traitsMapper[0].traitName must be a non-empty string, got undefined",
            ),
        ];
        for (args, want) in cases {
            let e = args.validate().unwrap_err();
            assert!(
                e.starts_with("ac('forms:track'") && e.contains(want),
                "{e}\n should contain {want}"
            );
        }
    }

    #[test]
    fn a_submitted_form_records_its_fields_but_never_sensitive_ones() {
        let mut a = Autotrack::new();
        let rule = FormArgs {
            traits_mapper: Arg::Array,
            traits_len: 2,
            traits: vec![(s("first"), s("givenName")), (s("card_number"), s("card"))],
            ..form_args("#quote")
        };
        let id = a.track_form(rule.validate().unwrap()).unwrap();
        let fields = [
            field("first", "text", "Ada"),
            field("email", "email", "ada@example.com"),
            field("pw", "password", "secret"),
            field("csrf", "hidden", "t0k"),
            field("card_number", "text", "4111111111111111"),
            field("Card-CVV", "text", "123"),
            field("notes", "textarea", &"n".repeat(5000)),
        ];
        let r = a
            .form_event(id, 7, FormEvent::Submitted, "quote", &fields)
            .unwrap();
        assert_eq!(r.event_name, "quote:submitted", "the form's name is the prefix");
        assert_eq!(
            r.form_name, "quote",
            "the element's name when the rule gives none"
        );
        let data = r.data.unwrap();
        let names: Vec<&str> = data.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["first", "email", "notes"]);
        assert_eq!(data[2].1.chars().count(), MAX_VALUE_CHARS);
        // A trait mapped from a sensitive field is not recorded either.
        assert_eq!(r.traits, vec![("givenName".to_string(), "Ada".to_string())]);
        assert_eq!(
            a.form_event(id, 7, FormEvent::Submitted, "quote", &fields),
            None,
            "once per form"
        );
        assert_eq!(
            a.form_event(id, 7, FormEvent::Abandoned, "quote", &fields),
            None,
            "a submitted form is not abandoned"
        );
    }

    #[test]
    fn an_abandoned_form_records_data_only_when_asked() {
        let mut a = Autotrack::new();
        let id = a.track_form(form_args("form").validate().unwrap()).unwrap();
        let fields = [field("email", "email", "a@b.c")];
        let r = a.form_event(id, 1, FormEvent::Abandoned, "", &fields).unwrap();
        assert_eq!(
            (r.event_name.as_str(), r.form_name.as_str(), r.data),
            ("form:abandoned", "form", None),
            "without a name or id, the selector names the form"
        );
        // Tracking the same selector again replaces its options (the last call wins), under the same id.
        let again = FormArgs {
            form_name: s("Contact"),
            capture_on_abandon: Arg::Bool(true),
            ..form_args("form")
        };
        assert_eq!(a.track_form(again.validate().unwrap()).unwrap(), id);
        let r = a.form_event(id, 2, FormEvent::Abandoned, "", &fields).unwrap();
        assert_eq!(
            (r.event_name.as_str(), r.form_name.as_str()),
            ("Contact:abandoned", "Contact")
        );
        assert_eq!(r.data, Some(vec![("email".into(), "a@b.c".into())]));
        assert_eq!(a.form_event(999, 3, FormEvent::Submitted, "", &fields), None);
    }
}
