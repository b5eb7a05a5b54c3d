// The WebChatService shell's I/O primitives. They report through the shell's one long-lived Rust callback (owned by
// the shell for the life of the module), cb(kind, number, number, string, string, value), with an id, so no
// per-request closure is ever created, leaked or invoked after being dropped. Callbacks are always invoked
// asynchronously: the shell never re-enters itself from these calls.
import { boundedJson, isPlainObject, listen, soon, thrownText, toConsole } from './page.js';

// The callback and its kinds, handed over once at boot (`wcInit`): the kinds are the shell's (`Io` in
// src/web/webchat.rs), so no number of them is written here.
let cb = () => {};
let io = {};

/** The shell's callback and the kinds it reads: a fetch answered or failed, a socket opened, its frame, its close. */
export function wcInit(callback, answered, failed, opened, frame, closed) {
  cb = callback;
  io = { answered, failed, opened, frame, closed };
}


/** `text` parsed as JSON, or undefined when it is not JSON (JSON itself has no undefined). */
export function wcParse(text) {
  try {
    return JSON.parse(text);
  } catch (_) {
    return undefined;
  }
}

/**
 * `o[k]` when it is `o`'s own (a parsed answer's or frame's field; never one a page put on `Object.prototype`),
 * else undefined. Never throws. (Anything but an object is tested first: the reader asks fields of absent values
 * on every frame, and `Object.hasOwn` throwing on them cost more than the rest of the read.)
 */
export function wcField(o, k) {
  if (o === null || typeof o !== 'object') return undefined;
  try {
    return Object.hasOwn(o, k) ? o[k] : undefined;
  } catch (_) {
    return undefined;
  }
}

/** A date string as ms since the epoch (`Date.parse`); 0 for anything else. */
export function wcTime(v) {
  const ms = typeof v === 'string' ? Date.parse(v) : NaN;
  return isNaN(ms) ? 0 : ms;
}

/**
 * fetch → cb(answered, id, status, statusText, text, value): `value` a 2xx answer parsed (undefined when it is not
 * JSON: then `text` is what came); cb(failed, id, 0, why) when no answer came. The core reads the answer
 * (core::guestchat::read).
 */
export function wcFetch(id, method, url, bearer, body) {
  const headers = {};
  if (bearer) headers.Authorization = 'Bearer ' + bearer;
  if (body != null) headers['Content-Type'] = 'application/json';
  let p;
  try {
    p = fetch(url, { method, headers, body: body == null ? undefined : body, cache: 'no-store' });
  } catch (e) {
    p = Promise.reject(e);
  }
  p.then((res) => res.text().then((t) => [res.status, res.statusText, t]))
    .then(
      (a) => {
        const v = a[0] >= 200 && a[0] < 300 ? wcParse(a[2]) : undefined;
        cb(io.answered, id, a[0], a[1], v === undefined ? a[2] : '', v);
      },
      (e) => cb(io.failed, id, 0, String((e && e.message) || e || 'network error')),
    );
}

/**
 * Opens a WebSocket; cb(opened, gen), cb(frame, gen, 0, , , parsed) (a message's text parsed; undefined when it is
 * not JSON), cb(closed, gen). Returns the socket (or null).
 */
export function wcSocket(url, gen) {
  let ws;
  try {
    ws = new WebSocket(url);
  } catch (_) {
    soon(() => cb(io.closed, gen));
    return null;
  }
  ws.onopen = () => cb(io.opened, gen);
  // (A binary frame is not JSON either: `JSON.parse` of a Blob or ArrayBuffer fails, as of any other non-JSON.)
  ws.onmessage = (e) => cb(io.frame, gen, 0, undefined, undefined, wcParse(e.data));
  ws.onclose = () => cb(io.closed, gen);
  ws.onerror = () => {}; // a close event always follows
  return ws;
}

/** Detaches and closes a socket: nothing it does later reaches the shell. */
export function wcClose(ws) {
  if (!ws) return;
  ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
  try {
    ws.close();
  } catch (_) {
    /* already closed */
  }
}

/** A listener (on `target`, or on the window for null) calling cb(kind); returns the function that removes it. */
export function wcListen(target, type, kind) {
  return listen(target === null ? window : target, type, () => cb(kind));
}

// The restore snapshot in sessionStorage, never throwing (storage can be disabled or full: the session just won't
// survive a reload).
const KEY = 'cxbridge.webchat.session';

/** The stored snapshot, or null. */
export function wcStored() {
  try {
    return window.sessionStorage.getItem(KEY);
  } catch (_) {
    return null;
  }
}

/** Stores the snapshot; null removes it. */
export function wcStore(value) {
  try {
    const s = window.sessionStorage;
    if (value == null) s.removeItem(KEY);
    else s.setItem(KEY, value);
  } catch (_) {
    /* no storage */
  }
}

/** Sends on the open socket; a socket not open (or gone) drops the frame, as the core expects of a lost stream. */
export function wcSend(ws, text) {
  try {
    if (ws) ws.send(text);
  } catch (_) {
    /* not open: the core resends after reconnecting */
  }
}

// The page-side parts of payloads: compiled prefilters (from the core's list, which is what survives a reload) and
// registered preprocessors.
let regexps = [];
const preprocessors = [];

/** The core's prefilter list changed: compile it again (JSON `{filters: [{source, flags}]}`). */
export function wcFilters(json) {
  regexps = [];
  for (const f of JSON.parse(json).filters) {
    try {
      regexps.push(new RegExp(f.source, f.flags));
    } catch (e) {
      toConsole('error', 'WebChatService: a stored prefilter is not a valid RegExp', e);
    }
  }
}

export function wcRegexps() {
  return regexps.slice();
}

/** Registers a preprocessor (a function). */
export function wcPre(f) {
  preprocessors.push(f);
}

// Equal strings of a payload made one: a `messageReceived` names its conversation and member ids twice and its text
// and message id twice (the wire original and the widget's message), and every payload of a chat repeats the same
// few ids and names. Kept alive by whoever keeps payloads (a page's own transcript, analytics holding events until
// `configure`), the copies were ~40 % of a payload's heap. Within one payload every string is shared; across
// payloads only short ones (ids, names, timestamps), the last 256 of them, so a long text is never kept here.
let shared = new Map();
const inPayload = new Map();
const share = (v) => {
  let seen = inPayload.get(v);
  if (seen !== undefined) return seen;
  seen = v.length <= 64 ? shared.get(v) : undefined;
  if (seen === undefined) {
    seen = v;
    if (v.length <= 64) {
      if (shared.size >= 256) shared = new Map();
      shared.set(v, v);
    }
  }
  inPayload.set(v, seen);
  return seen;
};

// The core's markers (core::webchat::payload): a value that is `undefined` (a key present without a value, as in the
// vendor's objects; JSON has no such value), and an object that is an endChat jqXHR.
const UNDEF = '\u0000u';
const XHR = '\u0000xhr';
// endChat's jqXHR: its fields and its request methods. Not its promise methods: an object with `then` would be
// adopted by a promise resolved with it, and the deferred would resolve with something else.
const jqXHR = (o) => {
  delete o[XHR];
  const self = () => o;
  Object.assign(o, {
    getResponseHeader: () => null,
    getAllResponseHeaders: () => '',
    setRequestHeader: self,
    overrideMimeType: self,
    statusCode: self,
    abort: self,
    state: () => 'resolved',
  });
  return o;
};

// One walk over a parsed payload, children first: markers made what they stand for, long strings shared, and
// jQuery's `responseJSON` added where `responseText` parses. A plain JSON.parse and this walk, rather than a reviver
// (which takes JSON.parse off its fast path: most of a message's processing time).
const fix = (v) => {
  const keys = Array.isArray(v) ? null : Object.keys(v);
  const n = keys ? keys.length : v.length;
  for (let i = 0; i < n; i++) {
    const k = keys ? keys[i] : i;
    const x = v[k];
    if (typeof x === 'string') {
      if (x === UNDEF) v[k] = undefined;
      else if (x.length > 8) v[k] = share(x);
    } else if (x !== null && typeof x === 'object') fix(x);
  }
  if (keys) {
    if (v[XHR] === 1) jqXHR(v);
    else if (typeof v.responseText === 'string') {
      try {
        v.responseJSON = JSON.parse(v.responseText);
      } catch (_) {
        /* not JSON: responseText only */
      }
    }
  }
  return v;
};

/**
 * Makes the vendor-shaped payload the shell wrote as JSON: prefiltered messages hidden, then each preprocessor
 * applied in order. Null for a `messageReceived` whose every message was hidden (nothing to publish).
 */
export function wcMake(json) {
  let o;
  try {
    o = fix(JSON.parse(json));
  } finally {
    inPayload.clear();
  }
  const list = o && o.messages;
  if (Array.isArray(list)) {
    const shown = [];
    // A hidden message is hidden from both lists (`originalMessages[i]` stays the original of `messages[i]`).
    const originals = o.originalMessages;
    const shownOriginals = [];
    for (let i = 0; i < list.length; i++) {
      const m = list[i];
      if (regexps.some((r) => ((r.lastIndex = 0), r.test(m.text)))) continue;
      if (Array.isArray(originals)) shownOriginals.push(originals[i]);
      let v = m;
      for (const f of preprocessors) {
        try {
          const r = f(v);
          if (r !== null && typeof r === 'object') v = r;
        } catch (e) {
          toConsole('error', 'WebChatService: a preprocessor threw', e);
        }
      }
      shown.push(v);
    }
    if (!shown.length && o.originalMessages && 'restoring' in o) return null;
    o.messages = shown;
    if (Array.isArray(originals)) o.originalMessages = shownOriginals;
  }
  return o;
}

const isObj = (v) => v !== null && typeof v === 'object';
const g = (o, k) => (isObj(o) ? o[k] : undefined);

const plain = isPlainObject;

/**
 * An object's own entries for the core: `[key, value]`, a string value as itself, null for null, undefined or a
 * function, anything else as `[its text]` (an object as JSON of at most `max` characters, else empty).
 */
const entriesOf = (o, max) =>
  Object.entries(o).map(([k, v]) => [
    k,
    v == null || typeof v === 'function'
      ? null
      : typeof v === 'string'
        ? v
        : [typeof v === 'object' ? (boundedJson(v, max) ?? '') : String(v)],
  ]);

/**
 * startChat's options as plain values, their getters caught, for the core to decide what they mean
 * (core::webchat::member_info): `[options, form, userData, base, referrer, url, title]` — the options', the form's
 * (null unless a plain object), the userData's (null when it is not a plain object, [] when absent) and the
 * configured userData's entries, then document.referrer, location.href and document.title. A string when reading
 * threw.
 */
export function wcStartOptions(data, base, max) {
  try {
    const ud = g(data, 'userData');
    const form = g(data, 'form');
    const doc = typeof document === 'object' ? document : {};
    return [
      isObj(data) ? entriesOf(data, max) : [],
      plain(form) ? entriesOf(form, max) : null,
      ud == null ? [] : plain(ud) ? entriesOf(ud, max) : null,
      entriesOf(base, max),
      doc.referrer,
      typeof location === 'object' ? location.href : undefined,
      doc.title,
    ];
  } catch (e) {
    return 'reading the startChat options threw: ' + thrownText(e);
  }
}

/**
 * The element `registerTypingPreviewInput({input})` names (a jQuery-like collection gives its first element), its
 * `tagName` and `type`: `[element, tagName, type]`, for the core to decide whether it is a text input
 * (`is_typing_input`); null when a getter threw.
 */
export function wcTypingInput(data) {
  try {
    let el = g(data, 'input');
    if (isObj(el) && typeof el.tagName !== 'string') el = el[0];
    return [el, g(el, 'tagName'), g(el, 'type')];
  } catch (_) {
    return null;
  }
}

/** A RegExp (or, when `many`, an array of them) as `[{source, flags}]`; null when one is not a RegExp. */
export function wcRegexpsOf(v, many) {
  try {
    const list = many && Array.isArray(v) ? v : [v];
    if (list.length > 1000) return null;
    return list.every((r) => r instanceof RegExp) ? list.map((r) => ({ source: r.source, flags: r.flags })) : null;
  } catch (_) {
    return null;
  }
}
