// The browser calls of the analytics shell (src/web/analytics.rs): it decides when and what; these only perform.
// They live in JS because each one costs the wasm far more bytes as web-sys glue than it costs here.
import { boundedJson, listen, thrownText, toConsole } from './page.js';

/**
 * An envelope `{id, source, event: {name, data, correlationId?, catalogMismatch?}, timestamp}`; `at` is when it
 * happened (ms).
 */
export function envelope(id, source, name, data, correlationId, mismatch, at) {
  const event = { name, data };
  if (correlationId != null) event.correlationId = correlationId;
  if (mismatch != null) event.catalogMismatch = mismatch;
  return { id, source, event, timestamp: new Date(at).toISOString() };
}

/** JSON text, or undefined when it cannot be written or would be longer than `limit` characters. */
export const stringify = boundedJson;

/** An envelope's JSON parsed, or undefined. */
function parsed(json) {
  try {
    return JSON.parse(json);
  } catch (_) {}
}

/** The `source` of an envelope's JSON, as text. */
export function envelopeSource(json) {
  const e = parsed(json);
  return `${e && e.source}`;
}

/** The `event.name` of an envelope's JSON, as text. */
export function envelopeName(json) {
  const e = parsed(json);
  return `${e && e.event && e.event.name}`;
}

/**
 * `crypto.randomUUID()`; where it is missing (not a secure context), a v4 UUID from `getRandomValues`. Never
 * throws (wasm calls it, in the middle of a dispatch too): a `crypto` the page replaced with one that throws
 * falls back to `Math.random`.
 */
export function uuid() {
  const c = globalThis.crypto;
  let b = new Uint8Array(16);
  try {
    if (typeof c.randomUUID === 'function') return c.randomUUID();
    c.getRandomValues(b);
  } catch (_) {
    b = b.map(() => (Math.random() * 256) | 0);
  }
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/**
 * The Journey visitor's `[customerId, sessionId]`. customerId: the _cxbridge_cid cookie, written on every page
 * load (the two years count from the last visit); sessionId: sessionStorage. An id read back must be a UUID v4 (a
 * tampered one is replaced). Storage refused (a sandboxed frame, cookies blocked) leaves page-lifetime ids: never
 * throws.
 */
export function visitorIds() {
  let cid;
  try {
    for (const pair of document.cookie.split(';')) {
      const i = pair.indexOf('=');
      if (i > 0 && pair.slice(0, i).trim() === '_cxbridge_cid') {
        cid = pair.slice(i + 1).trim();
        break;
      }
    }
  } catch (_) {}
  if (!UUID4.test(cid)) cid = uuid();
  try {
    document.cookie = `_cxbridge_cid=${cid}; Max-Age=63072000; Path=/; SameSite=Lax${location.protocol === 'https:' ? '; Secure' : ''}`;
  } catch (_) {}
  let sid = null;
  try {
    sid = sessionStorage.getItem('_cxbridge_sid');
  } catch (_) {}
  if (!UUID4.test(sid)) {
    sid = uuid();
    try {
      sessionStorage.setItem('_cxbridge_sid', sid);
    } catch (_) {}
  }
  return [cid, sid];
}

/**
 * Pushes `{event: 'cxbridge.<source>.<name>', id, source, name, timestamp, data, correlationId?}` onto
 * `window[layer]`, creating the array when absent and never replacing it (GTM wraps `push`). The `event` name lets
 * a tag manager trigger match one source with a prefix (`cxbridge.ac.`) or one event exactly. `env` is an envelope object or its JSON text. A layer without `push()` is a console error.
 */
export function pushDataLayer(layer, env) {
  if (typeof env === 'string') env = JSON.parse(env);
  let target;
  try {
    // The page's own: its getter, setter or Proxy may throw.
    target = window[layer];
    if (target == null) target = window[layer] = [];
    if (typeof target.push !== 'function') target = null;
  } catch (err) {
    toConsole('error', `cxbridge.analytics: window.${layer} could not be read (${thrownText(err)}); nothing is pushed`);
    return;
  }
  if (!target) {
    toConsole('error', `cxbridge.analytics: window.${layer} exists but has no push(); it is left as it is and nothing is pushed`);
    return;
  }
  const ev = env.event || {};
  const item = { event: `cxbridge.${env.source}.${ev.name}`, id: env.id, source: env.source, name: ev.name,
    timestamp: env.timestamp, data: ev.data };
  if (ev.correlationId !== undefined) item.correlationId = ev.correlationId;
  if (ev.catalogMismatch !== undefined) item.catalogMismatch = ev.catalogMismatch;
  try {
    target.push(item);
  } catch (err) {
    toConsole('error', 'cxbridge.analytics: a dataLayer listener threw:', err);
  }
}

/** Segment's /v1/batch body for a JSON array of envelopes (docs/analytics.md has the mapping). */
export function segmentBody(envelopesJson, anonymousId, writeKey, version) {
  const batch = JSON.parse(envelopesJson).map((env) => {
    const ev = env.event || {};
    const d = ev.data;
    const cx = { source: env.source };
    if (ev.correlationId !== undefined) cx.correlationId = ev.correlationId;
    if (ev.catalogMismatch !== undefined) cx.catalogMismatch = ev.catalogMismatch;
    return {
      type: 'track',
      event: ev.name,
      properties: d && typeof d === 'object' && !Array.isArray(d) ? d : d === undefined ? {} : { value: d },
      messageId: env.id,
      timestamp: env.timestamp,
      anonymousId,
      context: { library: { name: 'cxbridge', version }, cxbridge: cx },
    };
  });
  const body = { batch, sentAt: new Date().toISOString() };
  if (writeKey != null) body.writeKey = writeKey;
  return JSON.stringify(body);
}

let lastRetryAfter = null;

/** The `Retry-After` header of the last answer `post` reported. */
export function retryAfter() {
  return lastRetryAfter;
}

/**
 * POSTs `body` (a string, so text/plain: a CORS simple request, no preflight, which keepalive requests may not
 * make) with keepalive; calls `answered(status)` (its Retry-After kept for `retryAfter()`), or `answered(-1)`
 * when the request fails.
 */
export function post(url, body, answered) {
  let p;
  try {
    p = fetch(url, { method: 'POST', body, keepalive: true });
  } catch (_) {
    p = Promise.reject();
  }
  p.then(
    (res) => {
      lastRetryAfter = res.headers.get('Retry-After');
      answered(res.status);
    },
    () => answered(-1),
  );
}

/** `navigator.sendBeacon`, false when refused (over the 64 KiB quota) or missing. */
export function beacon(url, body) {
  try {
    return navigator.sendBeacon(url, body) === true;
  } catch (_) {
    return false;
  }
}

function storage() {
  try {
    return window.localStorage;
  } catch (_) {
    return null;
  }
}

let storageWarned = false;

/** Writes (or, for null text, removes) a key; with `warn`, a failure is a console warning, the first time only. */
export function store(key, text, warn) {
  const s = storage();
  let err = s ? undefined : new Error('localStorage is not available');
  try {
    if (s && text == null) s.removeItem(key);
    else if (s) s.setItem(key, text);
  } catch (e) {
    err = e;
  }
  if (err && warn && !storageWarned) {
    storageWarned = true;
    toConsole('warn', 
      'cxbridge.analytics: the queue cannot be written to localStorage; events are kept in memory only and do not survive a reload:',
      err,
    );
  }
}

/** The anonymous id Segment requires when none is configured: kept in localStorage across visits. */
export function storedAnonymousId() {
  const key = 'cxbridge.analytics.anonymousId';
  const s = storage();
  let id;
  try {
    id = s ? s.getItem(key) : null;
  } catch (_) {}
  if (id == null) store(key, (id = uuid()), false);
  return id;
}

/**
 * The queues other pages left under `prefix` (the key `own` aside), each as
 * `{key, t, closed, q: [id, json, id, json, …], dl: [json, …]}`; an unreadable record reads as empty, with `t`
 * NaN. Which to take over is the shell's decision (core::analytics::outbox); it removes those with `store`.
 */
export function storedQueues(prefix, own) {
  const s = storage();
  const out = [];
  if (!s) return out;
  const keys = [];
  for (let i = 0; i < s.length; i++) {
    const k = s.key(i);
    if (k && k.startsWith(prefix) && k !== own) keys.push(k);
  }
  for (const key of keys) {
    let rec;
    try {
      rec = JSON.parse(s.getItem(key));
    } catch (_) {}
    rec = rec && typeof rec === 'object' ? rec : {};
    const q = [];
    for (const env of (Array.isArray(rec.q) && rec.q) || []) {
      if (env && typeof env.id === 'string') q.push(env.id, JSON.stringify(env));
    }
    const dl = ((Array.isArray(rec.dl) && rec.dl) || []).map((env) => JSON.stringify(env)).filter((j) => typeof j === 'string');
    out.push({ key, t: typeof rec.t === 'number' ? rec.t : NaN, closed: !!rec.closed, q, dl });
  }
  return out;
}

/**
 * Adds the page lifecycle listeners: `on(0)` on `pagehide`, `on(1)` / `on(2)` when `visibilitychange` leaves the
 * page hidden / visible, `on(3)` on `online`; returns the function that removes them again.
 */
export function listenPage(on) {
  const off = [
    listen(window, 'pagehide', () => on(0)),
    listen(document, 'visibilitychange', () => on(document.visibilityState === 'hidden' ? 1 : 2)),
    listen(window, 'online', () => on(3)),
  ];
  return () => off.forEach((f) => f());
}

/** `cxbridge.analytics.stats()`'s object. */
export function stats(queued, delivered, rejected, dropped, retries, pending, held) {
  return { queued, delivered, rejected, dropped, retries, pending, held };
}

/** logAnalyticsEvent's pending promises and their resolvers, until `settle`. */
const resolvers = new Map();

/**
 * A message the shell made (core::analytics::problem, CIF's absent fields): `console.warn` or `console.error`. A
 * console the page replaced with one that throws does not throw into the wasm.
 */
export function report(text, warning) {
  toConsole(warning ? 'warn' : 'error', text);
}


/** A promise that `settle` settles later. */
export function promise() {
  let r;
  const p = new Promise((res, rej) => (r = [res, rej]));
  resolvers.set(p, r);
  return p;
}

/** Resolves `p` with `value`, or (not `ok`) rejects it with `value`, an Error the wasm made. */
export function settle(p, value, ok) {
  const r = resolvers.get(p);
  resolvers.delete(p);
  if (r) r[ok ? 0 : 1](value);
}
