//! The Journey SDK's web actions, as Genesys Predictive Engagement documents them: the media-type × state table,
//! the event names built on it (`'webchat:offered'`, `'content-offer:all'`), the lifecycle state machine of each
//! action, offer timeouts on the caller's clock, and the validation of every `ac(...)` call. (The visitor's ids,
//! a cookie and a `sessionStorage` entry, are read and renewed in one JS call: `visitorIds` in `web::ac`.)
//!
//! Everything the vendor documents about which state may follow which lives in [`MEDIA`] and [`successors`]:
//! change the table, and `ac('on', …)` validation, the state machine and the `.d.ts` story follow.

use std::rc::Rc;

// ---------------------------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------------------------

/// A web action's engagement type: `actionMediaType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaType {
    Webchat,
    ContentOffer,
}

/// A web action's lifecycle state: `actionState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    Qualified,
    Offered,
    Accepted,
    Rejected,
    Ignored,
    Timedout,
    Errored,
    Started,
    Engaged,
    Completed,
}

use crate::core::text::{concat, shown, Readable};
use State::*;

/// Why `ac()` refused a call or a step: the whole console message, built where the refusal is decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JourneyError(pub String);

impl Readable for JourneyError {
    fn message(self) -> String {
        self.0
    }
}

/// Per media type: its name, the states it has, and the states that end its lifecycle. From the vendor's
/// "Web chat lifecycle" and "Content offers lifecycle" pages: a content offer has no timeout and ends when it
/// is accepted (the visitor follows the offer); a web chat goes on to a chat. `qualified` is a name pages may
/// subscribe to; cxbridge raises actions at `offered`, as the vendor's lifecycle diagrams start there.
pub const MEDIA: [(MediaType, &str, &[State], &[State]); 2] = [
    (
        MediaType::Webchat,
        "webchat",
        &[
            Qualified, Offered, Accepted, Rejected, Ignored, Timedout, Errored, Started, Engaged, Completed,
        ],
        &[Rejected, Ignored, Timedout, Errored, Completed],
    ),
    (
        MediaType::ContentOffer,
        "content-offer",
        &[Qualified, Offered, Accepted, Rejected, Ignored, Errored],
        &[Accepted, Rejected, Ignored, Errored],
    ),
];

/// Every state and its name, in lifecycle order.
pub const STATES: [(State, &str); 10] = [
    (Qualified, "qualified"),
    (Offered, "offered"),
    (Accepted, "accepted"),
    (Rejected, "rejected"),
    (Ignored, "ignored"),
    (Timedout, "timedout"),
    (Errored, "errored"),
    (Started, "started"),
    (Engaged, "engaged"),
    (Completed, "completed"),
];

/// The states that may follow `from` for a media type that has them (besides `errored`, which may follow any
/// state that is not terminal). `accepted → rejected` is the web chat form being closed.
pub fn successors(from: State) -> &'static [State] {
    match from {
        Qualified => &[Offered],
        Offered => &[Accepted, Rejected, Ignored, Timedout],
        Accepted => &[Started, Rejected],
        Started => &[Engaged, Completed],
        Engaged => &[Completed],
        Rejected | Ignored | Timedout | Errored | Completed => &[],
    }
}

/// The happy path a chat walks; [`Journey::chat_progress`] fills in the steps a report skips.
const CHAT_PATH: [State; 5] = [Offered, Accepted, Started, Engaged, Completed];

impl MediaType {
    pub fn name(self) -> &'static str {
        self.row().1
    }

    pub fn parse(name: &str) -> Option<MediaType> {
        MEDIA.iter().find(|row| row.1 == name).map(|row| row.0)
    }

    pub fn has(self, state: State) -> bool {
        self.row().2.contains(&state)
    }

    pub fn is_terminal(self, state: State) -> bool {
        self.row().3.contains(&state)
    }

    /// Whether an action of this media type may go from `from` to `to`.
    pub fn allows(self, from: State, to: State) -> bool {
        self.has(to) && !self.is_terminal(from) && (to == Errored || successors(from).contains(&to))
    }

    fn row(self) -> &'static (MediaType, &'static str, &'static [State], &'static [State]) {
        match self {
            MediaType::Webchat => &MEDIA[0],
            MediaType::ContentOffer => &MEDIA[1],
        }
    }
}

impl State {
    pub fn name(self) -> &'static str {
        STATES.iter().find(|(s, _)| *s == self).map_or("", |(_, n)| n)
    }

    pub fn parse(name: &str) -> Option<State> {
        STATES.iter().find(|(_, n)| *n == name).map(|(s, _)| *s)
    }
}

/// What `ac('on'|'once'|'off', name, cb)` subscribes to: `'<mediaType>:<state>'`, or `'<mediaType>:all'`
/// (`state` is `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Topic {
    pub media: MediaType,
    pub state: Option<State>,
}

impl Topic {
    /// Parses an event name; the error says what is wrong and what would be right.
    pub fn parse(name: &str) -> Result<Topic, JourneyError> {
        let (media, state) = split_at_byte(name, b':').ok_or_else(|| bad_name(name))?;
        let media = MediaType::parse(media).ok_or_else(|| bad_name(name))?;
        if state == "all" {
            return Ok(Topic { media, state: None });
        }
        match State::parse(state) {
            Some(s) if media.has(s) => Ok(Topic {
                media,
                state: Some(s),
            }),
            Some(_) => Err(JourneyError(concat(&[
                "unknown event name '",
                name,
                "': a ",
                media.name(),
                " action has no state '",
                state,
                "' (it has ",
                &media_states(media),
                ", or all)",
            ]))),
            None => Err(bad_name(name)),
        }
    }

    /// The keys an event of `media` in `state` is dispatched to, most specific first (listeners still run in
    /// subscription order).
    pub fn keys(media: MediaType, state: State) -> [Topic; 2] {
        [
            Topic {
                media,
                state: Some(state),
            },
            Topic { media, state: None },
        ]
    }

    /// A small number per topic, `0..TOPICS`, so the shell can name a topic across the wasm boundary (and cache
    /// a parsed name in JS) without a string.
    pub fn index(self) -> usize {
        self.media as usize * (STATES.len() + 1) + self.state.map_or(STATES.len(), |s| s as usize)
    }

    /// The topic of an [`index`](Self::index); `None` for a number no topic has.
    pub fn from_index(i: usize) -> Option<Topic> {
        let (m, s) = (i / (STATES.len() + 1), i % (STATES.len() + 1));
        let media = MEDIA.get(m)?.0;
        if s == STATES.len() {
            return Some(Topic { media, state: None });
        }
        let state = STATES.get(s)?.0;
        media.has(state).then_some(Topic {
            media,
            state: Some(state),
        })
    }

    /// `'webchat:offered'`, `'webchat:all'`.
    pub fn name(self) -> String {
        match self.state {
            Some(state) => event_name(self.media, state),
            None => concat(&[self.media.name(), ":all"]),
        }
    }
}

/// How many topics [`Topic::index`] numbers: every media type's states, and its `all`.
pub const TOPICS: usize = MEDIA.len() * (STATES.len() + 1);

/// `a, b, c` (a plain loop: `join` costs more wasm than it saves here).
/// Appends one name to a `, `-separated list (one body for every list, where a generic over the names' iterator
/// would be a copy per list).
fn list_item(out: &mut String, name: &str) {
    if !out.is_empty() {
        out.push_str(", ");
    }
    out.push_str(name);
}

fn media_states(media: MediaType) -> String {
    let mut out = String::new();
    for s in media.row().2 {
        list_item(&mut out, s.name());
    }
    out
}

fn media_names() -> String {
    let mut out = String::new();
    for row in &MEDIA {
        list_item(&mut out, row.1);
    }
    out
}

fn method_names() -> String {
    let mut out = String::new();
    for (_, n) in &METHODS {
        list_item(&mut out, n);
    }
    out
}

fn bad_name(name: &str) -> JourneyError {
    JourneyError(concat(&[
        "unknown event name '",
        &shown(name),
        "': expected '<mediaType>:<state>' or '<mediaType>:all', where mediaType is one of ",
        &media_names(),
        " (e.g. 'webchat:offered', 'content-offer:all')",
    ]))
}

/// `s` split around the first `sep` (an ASCII byte; a plain byte search costs less wasm than a `char` pattern).
fn split_at_byte(s: &str, sep: u8) -> Option<(&str, &str)> {
    let i = s.bytes().position(|b| b == sep)?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

/// The event name of `media` entering `state`, as listeners and analytics see it: `'webchat:offered'`.
pub fn event_name(media: MediaType, state: State) -> String {
    let mut s = String::with_capacity(24);
    s.push_str(media.name());
    s.push(':');
    s.push_str(state.name());
    s
}

// ---------------------------------------------------------------------------------------------------------
// Validating ac(...) calls
// ---------------------------------------------------------------------------------------------------------

/// A JS argument, as far as validation needs to know it. The shell fills it without decoding objects.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Undefined,
    Null,
    Bool(bool),
    Number(f64),
    Str(String),
    Function,
    Array,
    Object,
}

impl Arg {
    /// The JS type as a person would name it in an error message.
    pub fn kind(&self) -> &'static str {
        match self {
            Arg::Undefined => "undefined",
            Arg::Null => "null",
            Arg::Bool(_) => "a boolean",
            Arg::Number(_) => "a number",
            Arg::Str(_) => "a string",
            Arg::Function => "a function",
            Arg::Array => "an array",
            Arg::Object => "an object",
        }
    }
}

/// The methods `ac()` answers. `load` and `forms:track` are the tracking modules (`core::autotrack`). `offer`,
/// `accept`, `reject` and `ignore` are cxbridge's own (the vendor raises actions from its servers): they let a
/// page, a test or the demo raise and answer a web action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    On,
    Once,
    Off,
    Init,
    Pageview,
    Record,
    Identify,
    Load,
    FormsTrack,
    Offer,
    Accept,
    Reject,
    Ignore,
}

const METHODS: [(Method, &str); 13] = [
    (Method::On, "on"),
    (Method::Once, "once"),
    (Method::Off, "off"),
    (Method::Init, "init"),
    (Method::Pageview, "pageview"),
    (Method::Record, "record"),
    (Method::Identify, "identify"),
    (Method::Load, "load"),
    (Method::FormsTrack, "forms:track"),
    (Method::Offer, "offer"),
    (Method::Accept, "accept"),
    (Method::Reject, "reject"),
    (Method::Ignore, "ignore"),
];

impl Method {
    pub fn parse(method: &Arg) -> Result<Method, JourneyError> {
        let Arg::Str(name) = method else {
            return Err(JourneyError(concat(&[
                "ac(method, ...): the method must be a string such as 'on' or 'pageview', got ",
                method.kind(),
            ])));
        };
        METHODS
            .iter()
            .find(|(_, n)| n == name)
            .map(|(m, _)| *m)
            .ok_or_else(|| {
                JourneyError(concat(&[
                    "ac('",
                    &shown(name),
                    "'): unknown method; ac() knows ",
                    &method_names(),
                ]))
            })
    }

    pub fn name(self) -> &'static str {
        METHODS.iter().find(|(m, _)| *m == self).map_or("", |(_, n)| n)
    }

    /// For `on`/`once`/`off`: the topic, once the name and the callback passed.
    pub fn check_listener(self, name: &Arg, callback: &Arg) -> Result<Topic, JourneyError> {
        let m = self.name();
        let Arg::Str(name) = name else {
            return Err(JourneyError(concat(&[
                "ac('",
                m,
                "', name, callback): the event name must be a string such as 'webchat:all', got ",
                name.kind(),
            ])));
        };
        let topic = Topic::parse(name).map_err(|e| JourneyError(concat(&["ac('", m, "'): ", &e.0])))?;
        if *callback != Arg::Function {
            return Err(JourneyError(concat(&[
                "ac('",
                m,
                "', '",
                name,
                "', callback): the callback must be a function, got ",
                callback.kind(),
            ])));
        }
        Ok(topic)
    }

    /// For `init`, `pageview`, `record`, `identify`: checks the arguments' types (`args` excludes the method).
    pub fn check_tracking(self, args: &[Arg]) -> Result<(), JourneyError> {
        // Each method: what its required string argument is (if it has one, it comes first), then what its
        // optional object argument is.
        let (string, object) = match self {
            Method::Init => (
                Some("the organization id (first argument)"),
                "the options (second argument)",
            ),
            Method::Pageview => (None, "the attributes (first argument)"),
            Method::Record => (
                Some("the event name (first argument)"),
                "the attributes (second argument)",
            ),
            Method::Identify => (
                Some("the login id (first argument)"),
                "the traits (second argument)",
            ),
            _ => return Ok(()),
        };
        let arg = |i: usize| args.get(i).unwrap_or(&Arg::Undefined);
        let (what, rule, got) = match (string, arg(0)) {
            (Some(_), Arg::Str(s)) if !s.is_empty() => match arg(1) {
                Arg::Undefined | Arg::Object => return Ok(()),
                other => (object, ", when given, must be an object, got ", other.kind()),
            },
            (Some(what), Arg::Str(_)) => (what, " must be a non-empty string, got ", "an empty string"),
            (Some(what), other) => (what, " must be a non-empty string, got ", other.kind()),
            (None, Arg::Undefined | Arg::Object) => return Ok(()),
            (None, other) => (object, ", when given, must be an object, got ", other.kind()),
        };
        Err(JourneyError(concat(&[
            "ac('",
            self.name(),
            "'): ",
            what,
            rule,
            got,
        ])))
    }

    /// For `accept`, `reject`, `ignore`: the action id and the state it asks for.
    pub fn check_answer(self, action_id: &Arg) -> Result<(String, State), JourneyError> {
        let to = match self {
            Method::Accept => Accepted,
            Method::Reject => Rejected,
            _ => Ignored,
        };
        match action_id {
            Arg::Str(id) if !id.is_empty() => Ok((id.clone(), to)),
            other => Err(JourneyError(concat(&[
                "ac('",
                self.name(),
                "', actionId): the action id must be the string ac('offer', …) returned, got ",
                other.kind(),
            ]))),
        }
    }
}

/// What `ac('offer', {...})` asks for, as the shell read it from the object (each field as an [`Arg`]).
#[derive(Debug, Clone)]
pub struct OfferArgs {
    pub media_type: Arg,
    pub action_map_id: Arg,
    pub action_map_version: Arg,
    pub action_id: Arg,
    pub timeout_ms: Arg,
}

/// A valid offer. `action_id` is the page's, or the one the shell generated.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    pub action_id: String,
    pub media: MediaType,
    pub action_map_id: String,
    pub action_map_version: u32,
    pub timeout_ms: Option<f64>,
}

/// How long a web chat offer waits for an answer when the page does not say (the vendor's is configured per
/// action map; its documentation gives no default).
pub const DEFAULT_OFFER_TIMEOUT_MS: f64 = 30_000.0;

impl OfferArgs {
    /// Validates; `new_id` is used when the page gave no `actionId`.
    pub fn validate(&self, new_id: impl FnOnce() -> String) -> Result<Offer, JourneyError> {
        let err = |what: &str, got: &Arg| {
            Err(JourneyError(concat(&[
                "ac('offer', {…}): ",
                what,
                ", got ",
                got.kind(),
            ])))
        };
        let media = match &self.media_type {
            Arg::Str(s) => MediaType::parse(s).ok_or_else(|| {
                JourneyError(concat(&[
                    "ac('offer', {…}): unknown mediaType '",
                    &shown(s),
                    "'; expected one of ",
                    &media_names(),
                ]))
            })?,
            other => return err("mediaType must be a string such as 'webchat'", other),
        };
        let action_map_id = match &self.action_map_id {
            Arg::Str(s) if !s.is_empty() => s.clone(),
            other => return err("actionMapId must be a non-empty string (a UUID)", other),
        };
        let action_map_version = match self.action_map_version {
            Arg::Number(n) if n.fract() == 0.0 && (1.0..=f64::from(u32::MAX)).contains(&n) => n as u32,
            ref other => return err("actionMapVersion must be a positive integer", other),
        };
        let action_id = match &self.action_id {
            Arg::Undefined => new_id(),
            Arg::Str(s) if !s.is_empty() => s.clone(),
            other => return err("actionId, when given, must be a non-empty string", other),
        };
        let timeout_ms = match (&self.timeout_ms, media.has(Timedout)) {
            (Arg::Undefined, true) => Some(DEFAULT_OFFER_TIMEOUT_MS),
            (Arg::Undefined, false) => None,
            (Arg::Number(n), true) if n.is_finite() && *n > 0.0 => Some(*n),
            (Arg::Number(_), false) => {
                return Err(JourneyError(concat(&[
                    "ac('offer', {…}): a ",
                    media.name(),
                    " action does not time out; remove timeoutMs",
                ])))
            }
            (other, _) => {
                return err(
                    "timeoutMs, when given, must be a positive number of milliseconds",
                    other,
                )
            }
        };
        Ok(Offer {
            action_id,
            media,
            action_map_id,
            action_map_version,
            timeout_ms,
        })
    }
}

// ---------------------------------------------------------------------------------------------------------
// The state machine
// ---------------------------------------------------------------------------------------------------------

/// What does not change during an action's life; shared by every event it emits.
#[derive(Debug, PartialEq)]
pub struct ActionInfo {
    pub action_id: String,
    pub media: MediaType,
    pub action_map_id: String,
    pub action_map_version: u32,
}

/// An action entered a state: the shell turns it into the documented payload and dispatches it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub action: Rc<ActionInfo>,
    pub state: State,
    /// `errorCode` and `errorMessage`, for `errored` only.
    pub error: Option<(i32, String)>,
}

impl Event {
    pub fn name(&self) -> String {
        event_name(self.action.media, self.state)
    }
}

/// How a chat names the action it belongs to: `interactionData.journey` (SPEC §3).
#[derive(Debug, Clone, PartialEq)]
pub struct ChatLink {
    pub action_id: String,
    pub action_map_id: String,
    pub action_map_version: u32,
}

#[derive(Debug)]
struct Tracked {
    info: Rc<ActionInfo>,
    state: State,
    deadline: Option<f64>,
}

/// How many finished actions are kept so that a late answer gets "it is completed", not "unknown".
const KEEP_FINISHED: usize = 64;

/// Every web action of the page. Time is an input (`now`, in ms); the shell arms one timer for
/// [`Journey::next_deadline`] and calls [`Journey::expire`] when it fires.
#[derive(Debug, Default)]
pub struct Journey {
    actions: Vec<Tracked>,
}

impl Journey {
    pub fn new() -> Self {
        Self::default()
    }

    /// The state of an action, if the page has it.
    pub fn state(&self, action_id: &str) -> Option<State> {
        self.actions
            .iter()
            .find(|a| a.info.action_id == action_id)
            .map(|a| a.state)
    }

    /// Raises an offer: the action enters `offered` and, if its media type can time out, gets a deadline.
    pub fn offer(&mut self, offer: Offer, now: f64) -> Result<Vec<Event>, JourneyError> {
        if let Some(state) = self.state(&offer.action_id) {
            return Err(JourneyError(concat(&[
                "ac('offer', {…}): web action '",
                &shown(&offer.action_id),
                "' already exists (it is ",
                state.name(),
                ")",
            ])));
        }
        self.forget_finished();
        let info = Rc::new(ActionInfo {
            action_id: offer.action_id,
            media: offer.media,
            action_map_id: offer.action_map_id,
            action_map_version: offer.action_map_version,
        });
        self.actions.push(Tracked {
            info: Rc::clone(&info),
            state: Offered,
            deadline: offer.timeout_ms.map(|t| now + t),
        });
        Ok(vec![Event {
            action: info,
            state: Offered,
            error: None,
        }])
    }

    /// One legal step of an action the page knows (`ac('accept'|'reject'|'ignore', id)`, or an error).
    pub fn transition(
        &mut self,
        action_id: &str,
        to: State,
        error: Option<(i32, String)>,
    ) -> Result<Vec<Event>, JourneyError> {
        let i = self.find(action_id).ok_or_else(|| {
            JourneyError(concat(&[
                "there is no web action '",
                &shown(action_id),
                "' on this page",
            ]))
        })?;
        self.step(i, to, error).map(|e| vec![e])
    }

    /// A chat linked to an action reports where it got to. Unknown actions are adopted (the offer was made
    /// elsewhere: another page, or the vendor's own SDK) as an offered web chat. Steps the report skipped on
    /// the happy path are emitted in order (a chat reported `started` first is also `accepted`); a report of
    /// the state the action is already in changes nothing.
    pub fn chat_progress(
        &mut self,
        link: ChatLink,
        to: State,
        error: Option<(i32, String)>,
    ) -> Result<Vec<Event>, JourneyError> {
        let i = match self.find(&link.action_id) {
            Some(i) => i,
            None => {
                self.forget_finished();
                self.actions.push(Tracked {
                    info: Rc::new(ActionInfo {
                        action_id: link.action_id,
                        media: MediaType::Webchat,
                        action_map_id: link.action_map_id,
                        action_map_version: link.action_map_version,
                    }),
                    state: Offered,
                    deadline: None,
                });
                self.actions.len() - 1
            }
        };
        let from = self.actions.get(i).map_or(Offered, |a| a.state);
        if from == to {
            return Ok(Vec::new());
        }
        let (Some(a), Some(b)) = (
            CHAT_PATH.iter().position(|s| *s == from),
            CHAT_PATH.iter().position(|s| *s == to),
        ) else {
            return self.step(i, to, error).map(|e| vec![e]);
        };
        if b < a {
            // Already further along (a chat restored after a reload reports `started` again): nothing to say.
            return Ok(Vec::new());
        }
        let mut events = Vec::new();
        for s in CHAT_PATH.iter().skip(a + 1).take(b - a) {
            // started → completed is legal: skip `engaged` when the chat ended before an agent came.
            if *s == Engaged && to == Completed {
                continue;
            }
            events.push(self.step(i, *s, None)?);
        }
        Ok(events)
    }

    /// Offers whose deadline passed by `now` time out.
    pub fn expire(&mut self, now: f64) -> Vec<Event> {
        let mut events = Vec::new();
        for i in 0..self.actions.len() {
            let due = self
                .actions
                .get(i)
                .and_then(|a| a.deadline)
                .is_some_and(|d| d <= now);
            // A step changes only its own action, so each is judged as it was when the timer fired.
            if let Some(e) = due.then(|| self.step(i, Timedout, None).ok()).flatten() {
                events.push(e);
            }
        }
        events
    }

    /// When the shell must call [`Journey::expire`] next, if any offer is waiting.
    pub fn next_deadline(&self) -> Option<f64> {
        self.actions
            .iter()
            .filter_map(|a| a.deadline)
            .min_by(|a, b| a.total_cmp(b))
    }

    fn find(&self, action_id: &str) -> Option<usize> {
        self.actions.iter().position(|a| a.info.action_id == action_id)
    }

    fn step(&mut self, i: usize, to: State, error: Option<(i32, String)>) -> Result<Event, JourneyError> {
        let a = self
            .actions
            .get_mut(i)
            .ok_or_else(|| JourneyError(String::from("no such web action")))?;
        let media = a.info.media;
        if !media.allows(a.state, to) {
            let why = if media.is_terminal(a.state) {
                "its lifecycle has ended"
            } else if !media.has(to) {
                "that state does not exist for its media type"
            } else {
                "that is not a legal transition"
            };
            return Err(JourneyError(concat(&[
                "web action '",
                &shown(&a.info.action_id),
                "' (",
                media.name(),
                ") is ",
                a.state.name(),
                "; it cannot become ",
                to.name(),
                ": ",
                why,
            ])));
        }
        a.state = to;
        if to != Offered {
            a.deadline = None;
        }
        let error = if to == Errored {
            Some(error.unwrap_or((0, String::from("unknown error"))))
        } else {
            None
        };
        Ok(Event {
            action: Rc::clone(&a.info),
            state: to,
            error,
        })
    }

    fn forget_finished(&mut self) {
        let finished = self
            .actions
            .iter()
            .filter(|a| a.info.media.is_terminal(a.state))
            .count();
        if finished >= KEEP_FINISHED {
            if let Some(oldest) = self
                .actions
                .iter()
                .position(|a| a.info.media.is_terminal(a.state))
            {
                self.actions.remove(oldest);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::text::{push_decimal, SHOWN_CHARS};

    fn offer(id: &str, media: MediaType, timeout_ms: Option<f64>) -> Offer {
        Offer {
            action_id: id.into(),
            media,
            action_map_id: "map".into(),
            action_map_version: 3,
            timeout_ms,
        }
    }

    fn states(events: &[Event]) -> Vec<&'static str> {
        events.iter().map(|e| e.state.name()).collect()
    }

    #[test]
    fn every_state_has_a_name_and_every_name_a_state() {
        for (s, n) in STATES {
            assert_eq!(s.name(), n);
            assert_eq!(State::parse(n), Some(s));
        }
        for (m, n, _, _) in MEDIA {
            assert_eq!(MediaType::parse(n), Some(m));
            assert_eq!(m.name(), n);
        }
        // Topic numbers and the web shell's event slots are built from the discriminants as positions here.
        for (i, (s, _)) in STATES.iter().enumerate() {
            assert_eq!(*s as usize, i);
        }
        for (i, row) in MEDIA.iter().enumerate() {
            assert_eq!(row.0 as usize, i);
        }
    }

    #[test]
    fn a_long_value_is_cut_in_error_messages_and_says_how_long_it_was() {
        assert_eq!(shown("webchat:nope"), "webchat:nope");
        let sixty = "é".repeat(SHOWN_CHARS);
        assert_eq!(shown(&sixty), sixty);
        let huge = "x".repeat(1 << 20);
        let want = ["'", &"x".repeat(SHOWN_CHARS), "…(1048576 chars)'"].concat();
        let e = Topic::parse(&huge).unwrap_err().0;
        assert!(e.contains(&want), "{}", &e[..200]);
        assert!(e.len() < 300, "{} bytes", e.len());
        // Cut on a character, counted in characters.
        let wide = shown(&"é".repeat(100));
        assert_eq!(
            wide,
            ["é".repeat(SHOWN_CHARS), "…(100 chars)".to_string()].concat()
        );
        let method = Method::parse(&Arg::Str(huge.clone())).unwrap_err().0;
        assert!(
            method.len() < 300 && method.contains("…(1048576 chars)"),
            "{method}"
        );
        let mut j = Journey::new();
        let t = j.transition(&huge, Accepted, None).unwrap_err().0;
        assert!(t.len() < 200 && t.contains("…(1048576 chars)"), "{t}");
        let offer = OfferArgs {
            media_type: Arg::Str(huge.clone()),
            action_map_id: Arg::Str("m".into()),
            action_map_version: Arg::Number(1.0),
            action_id: Arg::Undefined,
            timeout_ms: Arg::Undefined,
        };
        let o = offer.validate(|| "id".into()).unwrap_err().0;
        assert!(o.len() < 300 && o.contains("…(1048576 chars)"), "{o}");
        let mut digits = String::new();
        for n in [0, 7, 10, 1234567890] {
            push_decimal(&mut digits, n);
            digits.push(' ');
        }
        assert_eq!(digits, "0 7 10 1234567890 ");
    }

    #[test]
    fn every_topic_has_a_small_number_and_back() {
        let mut seen = 0;
        for i in 0..TOPICS {
            if let Some(t) = Topic::from_index(i) {
                assert_eq!(t.index(), i);
                assert_eq!(Topic::parse(&t.name()), Ok(t));
                seen += 1;
            }
        }
        // Every state of each media type, plus its `all`.
        assert_eq!(seen, MEDIA.iter().map(|m| m.2.len() + 1).sum::<usize>());
        assert_eq!(Topic::from_index(TOPICS), None);
    }

    #[test]
    fn event_names_parse_against_the_table() {
        assert_eq!(
            Topic::parse("webchat:offered"),
            Ok(Topic {
                media: MediaType::Webchat,
                state: Some(Offered)
            })
        );
        assert_eq!(
            Topic::parse("content-offer:all"),
            Ok(Topic {
                media: MediaType::ContentOffer,
                state: None
            })
        );
        let e = Topic::parse("content-offer:engaged").unwrap_err().0;
        assert!(e.contains("has no state 'engaged'"), "{e}");
        for bad in [
            "webchat",
            "webchat:",
            "voice:all",
            "webchat:offer",
            ":all",
            "WEBCHAT:all",
        ] {
            let e = Topic::parse(bad).unwrap_err().0;
            assert!(e.contains(&format!("'{bad}'")), "{e}");
        }
    }

    #[test]
    fn event_name_is_media_colon_state() {
        assert_eq!(
            event_name(MediaType::ContentOffer, Accepted),
            "content-offer:accepted"
        );
    }

    #[test]
    fn a_web_chat_walks_the_whole_lifecycle() {
        let mut j = Journey::new();
        let mut all = j.offer(offer("a", MediaType::Webchat, None), 0.0).unwrap();
        for s in [Accepted, Started, Engaged, Completed] {
            all.extend(j.transition("a", s, None).unwrap());
        }
        assert_eq!(
            states(&all),
            ["offered", "accepted", "started", "engaged", "completed"]
        );
        let info = &all[0].action;
        assert_eq!((info.action_map_id.as_str(), info.action_map_version), ("map", 3));
    }

    #[test]
    fn illegal_transitions_are_refused_and_change_nothing() {
        let mut j = Journey::new();
        j.offer(offer("a", MediaType::Webchat, None), 0.0).unwrap();
        let e = j.transition("a", Engaged, None).unwrap_err().0;
        assert!(e.contains("is offered; it cannot become engaged"), "{e}");
        assert_eq!(j.state("a"), Some(Offered));
        j.transition("a", Rejected, None).unwrap();
        let e = j.transition("a", Accepted, None).unwrap_err().0;
        assert!(e.contains("its lifecycle has ended"), "{e}");
        let e = j.transition("a", Errored, None).unwrap_err().0;
        assert!(e.contains("its lifecycle has ended"), "{e}");
        assert_eq!(j.state("a"), Some(Rejected));
        let e = j.transition("nope", Accepted, None).unwrap_err().0;
        assert!(e.contains("no web action 'nope'"), "{e}");
    }

    #[test]
    fn a_content_offer_ends_when_accepted_and_has_no_chat_states() {
        let mut j = Journey::new();
        j.offer(offer("c", MediaType::ContentOffer, None), 0.0).unwrap();
        assert_eq!(states(&j.transition("c", Accepted, None).unwrap()), ["accepted"]);
        assert!(j.transition("c", Started, None).is_err());
        let mut j = Journey::new();
        j.offer(offer("c", MediaType::ContentOffer, None), 0.0).unwrap();
        let e = j.transition("c", Timedout, None).unwrap_err().0;
        assert!(e.contains("does not exist for its media type"), "{e}");
    }

    #[test]
    fn any_live_state_may_error_and_the_error_is_carried() {
        for path in [
            &[][..],
            &[Accepted][..],
            &[Accepted, Started][..],
            &[Accepted, Started, Engaged][..],
        ] {
            let mut j = Journey::new();
            j.offer(offer("a", MediaType::Webchat, None), 0.0).unwrap();
            for s in path {
                j.transition("a", *s, None).unwrap();
            }
            let ev = j.transition("a", Errored, Some((503, "down".into()))).unwrap();
            assert_eq!(ev[0].error, Some((503, "down".into())));
        }
    }

    #[test]
    fn the_web_chat_form_closed_after_accepting_is_a_rejection() {
        let mut j = Journey::new();
        j.offer(offer("a", MediaType::Webchat, None), 0.0).unwrap();
        j.transition("a", Accepted, None).unwrap();
        assert_eq!(states(&j.transition("a", Rejected, None).unwrap()), ["rejected"]);
    }

    #[test]
    fn an_unanswered_offer_times_out_on_simulated_time() {
        let mut j = Journey::new();
        j.offer(offer("a", MediaType::Webchat, Some(1000.0)), 10_000.0)
            .unwrap();
        j.offer(offer("b", MediaType::Webchat, Some(500.0)), 10_000.0)
            .unwrap();
        assert_eq!(j.next_deadline(), Some(10_500.0));
        assert!(j.expire(10_499.0).is_empty());
        let ev = j.expire(10_500.0);
        assert_eq!((ev[0].action.action_id.as_str(), ev[0].state), ("b", Timedout));
        assert_eq!(j.next_deadline(), Some(11_000.0));
        // An answer settles the offer: its deadline goes away, nothing times out later.
        j.transition("a", Accepted, None).unwrap();
        assert_eq!(j.next_deadline(), None);
        assert!(j.expire(1e12).is_empty());
        assert_eq!(j.state("a"), Some(Accepted));
        // A late answer to the timed-out offer is refused.
        assert!(j.transition("b", Accepted, None).is_err());
    }

    #[test]
    fn a_chat_fills_in_the_steps_its_report_skipped() {
        let mut j = Journey::new();
        let link = ChatLink {
            action_id: "x".into(),
            action_map_id: "m".into(),
            action_map_version: 1,
        };
        // Unknown action: adopted as an offered web chat.
        let ev = j.chat_progress(link.clone(), Started, None).unwrap();
        assert_eq!(states(&ev), ["accepted", "started"]);
        assert_eq!(ev[0].action.action_map_id, "m");
        assert!(j.chat_progress(link.clone(), Started, None).unwrap().is_empty());
        assert!(j.chat_progress(link.clone(), Accepted, None).unwrap().is_empty());
        assert_eq!(
            states(&j.chat_progress(link.clone(), Engaged, None).unwrap()),
            ["engaged"]
        );
        assert_eq!(
            states(&j.chat_progress(link.clone(), Completed, None).unwrap()),
            ["completed"]
        );
        assert!(j.chat_progress(link, Errored, Some((1, "late".into()))).is_err());
    }

    #[test]
    fn a_chat_that_ends_before_an_agent_came_is_completed_without_engaged() {
        let mut j = Journey::new();
        j.offer(offer("x", MediaType::Webchat, Some(100.0)), 0.0).unwrap();
        let link = ChatLink {
            action_id: "x".into(),
            action_map_id: "map".into(),
            action_map_version: 3,
        };
        assert_eq!(
            states(&j.chat_progress(link.clone(), Accepted, None).unwrap()),
            ["accepted"]
        );
        // Accepting cleared the offer's deadline.
        assert!(j.expire(1000.0).is_empty());
        j.chat_progress(link.clone(), Started, None).unwrap();
        assert_eq!(
            states(&j.chat_progress(link, Completed, None).unwrap()),
            ["completed"]
        );
    }

    #[test]
    fn a_chat_error_errors_the_action() {
        let mut j = Journey::new();
        let link = ChatLink {
            action_id: "x".into(),
            action_map_id: "m".into(),
            action_map_version: 1,
        };
        j.chat_progress(link.clone(), Accepted, None).unwrap();
        let ev = j
            .chat_progress(link, Errored, Some((500, "boom".into())))
            .unwrap();
        assert_eq!(states(&ev), ["errored"]);
        assert_eq!(ev[0].error, Some((500, "boom".into())));
    }

    #[test]
    fn an_action_id_cannot_be_offered_twice() {
        let mut j = Journey::new();
        j.offer(offer("a", MediaType::Webchat, None), 0.0).unwrap();
        let e = j.offer(offer("a", MediaType::Webchat, None), 0.0).unwrap_err().0;
        assert!(e.contains("already exists"), "{e}");
    }

    #[test]
    fn finished_actions_are_forgotten_beyond_a_bound() {
        let mut j = Journey::new();
        for i in 0..200 {
            let id = i.to_string();
            j.offer(offer(&id, MediaType::Webchat, None), 0.0).unwrap();
            j.transition(&id, Rejected, None).unwrap();
        }
        assert!(j.actions.len() <= KEEP_FINISHED + 1);
        assert_eq!(j.state("199"), Some(Rejected));
    }

    fn args(media: Arg, map: Arg, ver: Arg, id: Arg, timeout: Arg) -> OfferArgs {
        OfferArgs {
            media_type: media,
            action_map_id: map,
            action_map_version: ver,
            action_id: id,
            timeout_ms: timeout,
        }
    }

    #[test]
    fn offers_are_validated_with_messages_that_name_the_field() {
        let s = |v: &str| Arg::Str(v.into());
        let ok = args(
            s("webchat"),
            s("m"),
            Arg::Number(2.0),
            Arg::Undefined,
            Arg::Undefined,
        )
        .validate(|| "gen".into())
        .unwrap();
        assert_eq!(ok.action_id, "gen");
        assert_eq!(ok.timeout_ms, Some(DEFAULT_OFFER_TIMEOUT_MS));
        let co = args(
            s("content-offer"),
            s("m"),
            Arg::Number(1.0),
            s("mine"),
            Arg::Undefined,
        )
        .validate(|| "gen".into())
        .unwrap();
        assert_eq!((co.action_id.as_str(), co.timeout_ms), ("mine", None));
        let cases = [
            (
                args(
                    s("voice"),
                    s("m"),
                    Arg::Number(1.0),
                    Arg::Undefined,
                    Arg::Undefined,
                ),
                "unknown mediaType 'voice'",
            ),
            (
                args(
                    Arg::Undefined,
                    s("m"),
                    Arg::Number(1.0),
                    Arg::Undefined,
                    Arg::Undefined,
                ),
                "mediaType must be",
            ),
            (
                args(
                    s("webchat"),
                    s(""),
                    Arg::Number(1.0),
                    Arg::Undefined,
                    Arg::Undefined,
                ),
                "actionMapId",
            ),
            (
                args(
                    s("webchat"),
                    s("m"),
                    Arg::Number(1.5),
                    Arg::Undefined,
                    Arg::Undefined,
                ),
                "actionMapVersion",
            ),
            (
                args(s("webchat"), s("m"), s("1"), Arg::Undefined, Arg::Undefined),
                "actionMapVersion",
            ),
            (
                args(
                    s("webchat"),
                    s("m"),
                    Arg::Number(1.0),
                    Arg::Number(1.0),
                    Arg::Undefined,
                ),
                "actionId",
            ),
            (
                args(
                    s("webchat"),
                    s("m"),
                    Arg::Number(1.0),
                    Arg::Undefined,
                    Arg::Number(-1.0),
                ),
                "timeoutMs",
            ),
            (
                args(
                    s("content-offer"),
                    s("m"),
                    Arg::Number(1.0),
                    Arg::Undefined,
                    Arg::Number(5.0),
                ),
                "does not time out",
            ),
        ];
        for (a, want) in cases {
            let e = a.validate(|| "gen".into()).unwrap_err().0;
            assert!(e.contains(want), "{e} should mention {want}");
        }
    }

    #[test]
    fn calls_are_validated_with_messages_that_name_the_problem() {
        let s = |v: &str| Arg::Str(v.into());
        assert_eq!(Method::parse(&s("on")), Ok(Method::On));
        assert!(Method::parse(&s("subscribe"))
            .unwrap_err()
            .0
            .contains("unknown method"));
        assert!(Method::parse(&Arg::Number(1.0))
            .unwrap_err()
            .0
            .contains("got a number"));
        assert!(Method::On
            .check_listener(&s("webchat:all"), &Arg::Function)
            .is_ok());
        let e = Method::On
            .check_listener(&s("webchat:all"), &Arg::Undefined)
            .unwrap_err()
            .0;
        assert!(e.contains("callback must be a function, got undefined"), "{e}");
        let e = Method::Off
            .check_listener(&s("chat:all"), &Arg::Function)
            .unwrap_err()
            .0;
        assert!(e.starts_with("ac('off'): unknown event name 'chat:all'"), "{e}");
        let e = Method::Once
            .check_listener(&Arg::Null, &Arg::Function)
            .unwrap_err()
            .0;
        assert!(e.contains("event name must be a string"), "{e}");
        assert!(Method::Init.check_tracking(&[s("org"), Arg::Object]).is_ok());
        assert!(Method::Init
            .check_tracking(&[])
            .unwrap_err()
            .0
            .contains("organization id"));
        assert!(Method::Pageview.check_tracking(&[]).is_ok());
        assert!(Method::Pageview
            .check_tracking(&[s("x")])
            .unwrap_err()
            .0
            .contains("must be an object"));
        assert!(Method::Record
            .check_tracking(&[s("")])
            .unwrap_err()
            .0
            .contains("got an empty string"));
        assert!(Method::Identify
            .check_tracking(&[s("me"), Arg::Array])
            .unwrap_err()
            .0
            .contains("traits"));
        assert_eq!(Method::Accept.check_answer(&s("a")), Ok(("a".into(), Accepted)));
        assert!(Method::Ignore
            .check_answer(&Arg::Undefined)
            .unwrap_err()
            .0
            .contains("action id"));
    }

    #[test]
    fn tracking_refusals_name_the_argument_and_what_it_was() {
        let s = |v: &str| Arg::Str(v.into());
        let cases: [(Method, Vec<Arg>, &str); 5] = [
            (
                Method::Init,
                vec![],
                "ac('init'): the organization id (first argument) must be a non-empty string, got undefined",
            ),
            (
                Method::Record,
                vec![s("")],
                "ac('record'): the event name (first argument) must be a non-empty string, got an empty string",
            ),
            (
                Method::Identify,
                vec![s("me"), Arg::Array],
                "ac('identify'): the traits (second argument), when given, must be an object, got an array",
            ),
            (
                Method::Pageview,
                vec![Arg::Null],
                "ac('pageview'): the attributes (first argument), when given, must be an object, got null",
            ),
            (
                Method::Init,
                vec![s("org"), Arg::Number(1.0)],
                "ac('init'): the options (second argument), when given, must be an object, got a number",
            ),
        ];
        for (m, args, text) in cases {
            assert_eq!(m.check_tracking(&args), Err(JourneyError(text.into())));
        }
        assert_eq!(Method::Pageview.check_tracking(&[Arg::Object]), Ok(()));
        assert_eq!(Method::On.check_tracking(&[Arg::Null]), Ok(()));
    }
}
