// The reading half of the embedded-UI shell (src/web/embedded.rs imports this). Rust keeps every decision that
// guards the page: isTrusted, the exact origin, the source window, the event name and the payload's key types.
// What lives here is the walk over `event.data` that those decisions need, because as web-sys glue (a Reflect
// call per property read, per key, per value) it cost the wasm several times its size here.
//
// A failure is a number, the index of a `core::embedded::Rejection` variant in declaration order, which
// `Rejection::from_code` maps back; `found` answers with the index of a `core::embedded::Found`. A native test
// there pins both tables to the enums (each name is its variant's, in SCREAMING_CASE); esbuild inlines them.

import { isList, stringList } from './page.js';
const NOT_AN_OBJECT = 4;
const NAME_MISSING = 5;
const NAME_NOT_STRING = 6;
const NAME_NOT_SMCC = 7;
const NAME_MALFORMED = 8;
const DATA_NOT_OBJECT = 9;
const TOO_DEEP = 10;
const TOO_LARGE = 11;
const NOT_JSON = 12;
const UNREADABLE = 13;

const MISSING = 0;
const UNDEFINED = 1;
const NULL = 2;
const BOOLEAN = 3;
const NUMBER = 4;
const STRING = 5;
const ARRAY = 6;
const OBJECT = 7;
const OTHER = 8;

/** An own data property of `o` without running a getter: its value, `absent` when there is none; or throws. */
function own(o, key, absent) {
  const d = Reflect.getOwnPropertyDescriptor(o, key);
  if (d === undefined) return absent;
  if (d.get !== undefined) throw UNREADABLE;
  return d.value;
}

function isRecord(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `event.data.name`, or a failure code. A name longer than `maxLen` is refused before Rust copies it into wasm
 * memory: a hostile name may be megabytes long.
 */
export function readName(msg, maxLen, prefix) {
  if (!isRecord(msg)) return NOT_AN_OBJECT;
  try {
    const missing = {};
    const name = own(msg, 'name', missing);
    if (name === missing) return NAME_MISSING;
    if (typeof name !== 'string') return NAME_NOT_STRING;
    if (name.length > maxLen) return name.startsWith(prefix) ? NAME_MALFORMED : NAME_NOT_SMCC;
    return name;
  } catch (_) {
    return UNREADABLE;
  }
}

/**
 * A JSON-like copy of `event.data.data`, objects built by definition (`Object.fromEntries`), so `__proto__` stays
 * an ordinary key. At most `maxDepth` levels below `data` and `maxValues` values in all (core::embedded::Budget's
 * rule: each value counts one; a container's children are refused at once when they could not all fit).
 * `optional`: the event documents no keys, so a missing or null `data` is an empty object. Returns the copy (an
 * object), or a failure code (a number).
 */
export function copyData(msg, optional, maxDepth, maxValues) {
  let values = 0;
  const proto = Object.prototype;
  const fits = (n) => {
    if (n > maxValues - values) throw TOO_LARGE;
  };
  const copy = (v, depth) => {
    if (depth > maxDepth) throw TOO_DEEP;
    fits(1);
    values += 1;
    if (typeof v !== 'object' || v === null) {
      if (typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') throw NOT_JSON;
      return v;
    }
    if (Array.isArray(v)) {
      const n = v.length;
      fits(n);
      const out = [];
      for (let i = 0; i < n; i++) out.push(copy(v[i], depth + 1));
      return out;
    }
    const p = Reflect.getPrototypeOf(v);
    if (p !== null && p !== proto) throw NOT_JSON;
    const keys = Reflect.ownKeys(v);
    fits(keys.length);
    const entries = [];
    for (const k of keys) if (typeof k === 'string') entries.push([k, copy(own(v, k, undefined), depth + 1)]);
    return Object.fromEntries(entries);
  };
  try {
    const absent = {};
    const data = own(msg, 'data', absent);
    if (optional && (data === absent || data === null)) return {};
    if (data === absent || !isRecord(data)) return DATA_NOT_OBJECT;
    return copy(data, 0);
  } catch (e) {
    return typeof e === 'number' ? e : UNREADABLE;
  }
}

/** What the copy holds under `key`: the index of a `core::embedded::Found`. */
export function found(copy, key) {
  if (!Object.hasOwn(copy, key)) return MISSING;
  const v = copy[key];
  if (v === undefined) return UNDEFINED;
  if (v === null) return NULL;
  switch (typeof v) {
    case 'boolean':
      return BOOLEAN;
    case 'number':
      return NUMBER;
    case 'string':
      return STRING;
    case 'object':
      return Array.isArray(v) ? ARRAY : OBJECT;
    default:
      return OTHER;
  }
}

/** debug: logs an accepted message as the vendor's first example does. */
export function logAccepted(prefix, name, data) {
  let json = '';
  try {
    json = JSON.stringify(data, null, 2);
  } catch (_) {}
  console.debug(`${prefix}[Event Triggered] - ${name}\n\nData:\n${json}`);
}

/** `cxbridge.embedded.stats()`'s object. */
export function stats(accepted, rejected) {
  return { accepted, rejected };
}

/** The bus payload of an accepted event. */
export function pair(name, data) {
  return { name, data };
}

/**
 * `listen()`'s options as `[allowAnyOrigin, debug, origins]`, each origin a string or null (Rust names the bad
 * one), or a failure: 1 options not an object, 2 allowedOrigins not an array. A getter that throws throws.
 */
const MAX_ORIGINS = 1000;
export function readOptions(o) {
  if (typeof o !== 'object' || o === null) return 1;
  const allowAny = o.allowAnyOrigin === true;
  const debug = o.debug === true;
  const list = o.allowedOrigins;
  let origins = [];
  if (isList(list)) {
    try {
      origins = stringList(list, 'allowedOrigins', MAX_ORIGINS);
    } catch (err) {
      throw new Error(`cxbridge.embedded.listen: ${err.message}`, { cause: err });
    }
  } else if (list != null) return 2;
  return [allowAny, debug, origins];
}

/** `options.frame`: null when not given, the element or window, or 0 when it is neither. */
export function readFrame(o) {
  const f = o.frame;
  if (f == null) return null;
  if (f instanceof HTMLIFrameElement) return f;
  if (typeof f === 'object') {
    let w;
    try {
      w = f.window;
    } catch (_) {}
    if (Object.is(w, f)) return f;
  }
  return 0;
}

/** The window whose messages a frame option accepts: an iframe's is looked up at each message (it changes when
 * the element is re-inserted), null while it has none. */
export function frameWindow(f) {
  return f instanceof HTMLIFrameElement ? f.contentWindow : f;
}

/** Adds `fn` as the window's `message` and `messageerror` listener; returns the function that removes it, or null
 * where there is no window. */
export function listenWindow(fn) {
  if (typeof window === 'undefined') return null;
  addEventListener('message', fn);
  addEventListener('messageerror', fn);
  return () => {
    removeEventListener('message', fn);
    removeEventListener('messageerror', fn);
  };
}

/** Names why a message was refused (debug mode, or a malformed vendor event). */
export function warnRejected(event, reason) {
  console.warn(`cxbridge.embedded: rejected a message from ${event.origin}: ${reason}`, event.data);
}

/**
 * A known event whose payload differs from the catalog, delivered anyway: one warning per line of `differences`
 * (`smcc:identity:show: data.taskID: expected string, got null`, made by `core::embedded::Mismatch`). Returns the
 * analytics marker: the same lines without the event name.
 */
export function mismatched(event, differences) {
  return differences.split('\n').map((line) => {
    try {
      console.warn(`cxbridge.embedded: ${line} (from ${event.origin}); the event is delivered anyway, as the payload differs from the Engage Digital catalog`);
    } catch (_) {
      // A console the page replaced with one that throws: the event is delivered all the same.
    }
    return line.slice(line.indexOf(': ') + 2);
  });
}

/** An `on` callback threw: reported, and the other callbacks still run. */
export function reportThrown(name, err) {
  console.error(`cxbridge.embedded: a listener of ${name} threw:`, err);
}
