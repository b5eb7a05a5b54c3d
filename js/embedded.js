// The reading half of the embedded-UI shell (src/web/embedded.rs imports this). Rust keeps every decision that
// guards the page: isTrusted, the exact origin, the source window, the event name and the payload's key types.
// What lives here is the walk over `event.data` that those decisions need, because as web-sys glue (a Reflect
// call per property read, per key, per value) it cost the wasm several times its size here.
//
// Every limit and every code here is core::embedded's (MAX_*, `Rejection`, `Found`), handed over by the shell on
// each call: this file holds no number of its own, so the two sides cannot drift apart. tests/js/embedded.test.mjs
// tests the walk.

import { isList, toConsole, stringList } from './page.js';

/** Thrown by `own` at a getter, which it never runs. */
const GETTER = {};

/** An own data property of `o` without running a getter: its value, `absent` when there is none; or throws. */
function own(o, key, absent) {
  const d = Reflect.getOwnPropertyDescriptor(o, key);
  if (d === undefined) return absent;
  if (d.get !== undefined) throw GETTER;
  return d.value;
}

function isRecord(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `event.data.name`, or the code of why not (the last six arguments). A name longer than `maxLen` is refused before
 * Rust copies it into wasm memory: a hostile name may be megabytes long.
 */
export function readName(msg, maxLen, prefix, notAnObject, nameMissing, nameNotString, nameNotSmcc, nameMalformed, unreadable) {
  if (!isRecord(msg)) return notAnObject;
  try {
    const missing = {};
    const name = own(msg, 'name', missing);
    if (name === missing) return nameMissing;
    if (typeof name !== 'string') return nameNotString;
    if (name.length > maxLen) return name.startsWith(prefix) ? nameMalformed : nameNotSmcc;
    return name;
  } catch (_) {
    return unreadable;
  }
}

/**
 * A JSON-like copy of `event.data.data`, objects built by definition (`Object.fromEntries`), so `__proto__` stays
 * an ordinary key. At most `maxDepth` levels below `data` and `maxValues` values in all (each value counts one; a
 * container's children are refused at once when they could not all fit, before any of them is read).
 * `optional`: the event documents no keys, so a missing or null `data` is an empty object. Returns the copy (an
 * object), or the code of why not (a number: the last five arguments).
 */
export function copyData(msg, optional, maxDepth, maxValues, dataNotObject, tooDeep, tooLarge, notJson, unreadable) {
  let values = 0;
  const proto = Object.prototype;
  const fits = (n) => {
    if (n > maxValues - values) throw tooLarge;
  };
  const copy = (v, depth) => {
    if (depth > maxDepth) throw tooDeep;
    fits(1);
    values += 1;
    if (typeof v !== 'object' || v === null) {
      if (typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') throw notJson;
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
    if (p !== null && p !== proto) throw notJson;
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
    if (data === absent || !isRecord(data)) return dataNotObject;
    return copy(data, 0);
  } catch (e) {
    return typeof e === 'number' ? e : unreadable;
  }
}

/** What the copy holds under `key`: one of the codes after it (a `core::embedded::Found` each). */
export function found(copy, key, missing, undef, nul, boolean, number, string, array, object, other) {
  if (!Object.hasOwn(copy, key)) return missing;
  const v = copy[key];
  if (v === undefined) return undef;
  if (v === null) return nul;
  switch (typeof v) {
    case 'boolean':
      return boolean;
    case 'number':
      return number;
    case 'string':
      return string;
    case 'object':
      return Array.isArray(v) ? array : object;
    default:
      return other;
  }
}

/** debug: logs an accepted message as the vendor's first example does. */
export function logAccepted(prefix, name, data) {
  let json = '';
  try {
    json = JSON.stringify(data, null, 2);
  } catch (_) {}
  toConsole('debug', `${prefix}[Event Triggered] - ${name}\n\nData:\n${json}`);
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
 * `listen()`'s options as `{ allowAnyOrigin, debug, allowedOrigins }` (each origin a string or null: Rust names the
 * bad one; more than `maxOrigins` is refused before any is copied), or the name of the option that has the wrong type ('options' itself or 'allowedOrigins'). A getter that
 * throws throws.
 */
export function readOptions(o, maxOrigins) {
  if (typeof o !== 'object' || o === null) return 'options';
  const allowAnyOrigin = o.allowAnyOrigin === true;
  const debug = o.debug === true;
  const list = o.allowedOrigins;
  let allowedOrigins = [];
  if (isList(list)) {
    try {
      allowedOrigins = stringList(list, 'allowedOrigins', maxOrigins);
    } catch (err) {
      throw new Error(`cxbridge.embedded.listen: ${err.message}`, { cause: err });
    }
  } else if (list != null) return 'allowedOrigins';
  return { allowAnyOrigin, debug, allowedOrigins };
}

/** `options.frame`: null when not given, the element or window, or false when it is neither. */
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
  return false;
}

/** The window whose messages a frame option accepts: an iframe's is looked up at each message (it changes when
 * the element is re-inserted), null while it has none. */
export function frameWindow(f) {
  return f instanceof HTMLIFrameElement ? f.contentWindow : f;
}

/** Adds `fn` as the window's `message` and `messageerror` listener; returns the function that removes it, or null
 * where there is no window. Throws what the page's `addEventListener` threw (imported with `catch`), with neither
 * listener left behind. */
export function listenWindow(fn) {
  if (typeof window === 'undefined') return null;
  const remove = () => {
    removeEventListener('message', fn);
    removeEventListener('messageerror', fn);
  };
  try {
    addEventListener('message', fn);
    addEventListener('messageerror', fn);
  } catch (err) {
    try {
      remove();
    } catch (_) {}
    throw err;
  }
  return remove;
}

/** Names why a message was refused (debug mode, or a malformed vendor event). */
export function warnRejected(event, reason) {
  toConsole('warn', `cxbridge.embedded: rejected a message from ${event.origin}: ${reason}`, event.data);
}

/**
 * A known event whose payload differs from the catalog, delivered anyway: one warning per line of `differences`
 * (`smcc:identity:show: data.taskID: expected string, got null`, made by `core::embedded::Mismatch`). Returns the
 * analytics marker: the same lines without the event name.
 */
export function mismatched(event, differences) {
  return differences.split('\n').map((line) => {
    try {
      toConsole('warn', `cxbridge.embedded: ${line} (from ${event.origin}); the event is delivered anyway, as the payload differs from the Engage Digital catalog`);
    } catch (_) {
      // A console the page replaced with one that throws: the event is delivered all the same.
    }
    return line.slice(line.indexOf(': ') + 2);
  });
}

/** An `on` callback threw: reported, and the other callbacks still run. */
export function reportThrown(name, err) {
  toConsole('error', `cxbridge.embedded: a listener of ${name} threw:`, err);
}
