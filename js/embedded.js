// The reading half of the embedded-UI shell (src/web/embedded.rs imports this). Rust keeps every decision that
// guards the page: isTrusted, the exact origin, the source window, the event name and the payload's key types.
// What lives here is the walk over `event.data` that those decisions need, because as web-sys glue (a Reflect
// call per property read, per key, per value) it cost the wasm several times its size here.
//
// A failure is a number, the index of a `core::embedded::Rejection` that `web::embedded::rejection` maps back:
// 4 not an object, 5 name missing, 6 name not a string, 7 not smcc:, 8 name malformed, 9 data not an object,
// 10 too deep, 11 too large, 12 not JSON, 13 unreadable.

/** An own data property of `o` without running a getter: its value, `absent` when there is none; throws 13. */
function own(o, key, absent) {
  const d = Reflect.getOwnPropertyDescriptor(o, key);
  if (d === undefined) return absent;
  if (d.get !== undefined) throw 13;
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
  if (!isRecord(msg)) return 4;
  try {
    const missing = {};
    const name = own(msg, 'name', missing);
    if (name === missing) return 5;
    if (typeof name !== 'string') return 6;
    if (name.length > maxLen) return name.startsWith(prefix) ? 8 : 7;
    return name;
  } catch (_) {
    return 13;
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
    if (n > maxValues - values) throw 11;
  };
  const copy = (v, depth) => {
    if (depth > maxDepth) throw 10;
    fits(1);
    values += 1;
    if (typeof v !== 'object' || v === null) {
      if (typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') throw 12;
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
    if (p !== null && p !== proto) throw 12;
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
    if (data === absent || !isRecord(data)) return 9;
    return copy(data, 0);
  } catch (e) {
    return typeof e === 'number' ? e : 13;
  }
}

/** What the copy holds under `key`: the index of a `core::embedded::Found`. */
export function found(copy, key) {
  if (!Object.hasOwn(copy, key)) return 0;
  const v = copy[key];
  if (v === undefined) return 1;
  if (v === null) return 2;
  switch (typeof v) {
    case 'boolean':
      return 3;
    case 'number':
      return 4;
    case 'string':
      return 5;
    case 'object':
      return Array.isArray(v) ? 6 : 7;
    default:
      return 8;
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
export function readOptions(o) {
  if (typeof o !== 'object' || o === null) return 1;
  const allowAny = o.allowAnyOrigin === true;
  const debug = o.debug === true;
  const list = o.allowedOrigins;
  const origins = [];
  if (Array.isArray(list)) {
    for (let i = 0, n = list.length; i < n; i++) origins.push(typeof list[i] === 'string' ? list[i] : null);
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

/** An `on` callback threw: reported, and the other callbacks still run. */
export function reportThrown(name, err) {
  console.error(`cxbridge.embedded: a listener of ${name} threw:`, err);
}
