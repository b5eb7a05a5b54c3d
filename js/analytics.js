// The browser calls of the analytics shell (src/web/analytics.rs): it decides when and what; these only perform.
// They live in JS because each one costs the wasm far more bytes as web-sys glue than it costs here.
import { boundedJson } from './page.js';

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

/** "CIF event 'name'" for an envelope's JSON. */
function named(json) {
  let e;
  try {
    e = JSON.parse(json);
  } catch (_) {}
  return `${e && e.source} event '${e && e.event && e.event.name}'`;
}

/** `crypto.randomUUID()`; where it is missing (not a secure context), a v4 UUID from `getRandomValues`. */
export function uuid() {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  const b = new Uint8Array(16);
  if (c && c.getRandomValues) c.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = (Math.random() * 256) | 0;
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Pushes `{event: 'cxbridge.<source>.<name>', id, source, name, timestamp, data, correlationId?}` onto
 * `window[layer]`, creating the array when absent and never replacing it (GTM wraps `push`). The `event` name lets
 * a tag manager trigger match one source with a prefix (`cxbridge.ac.`) or one event exactly. `env` is an envelope object or its JSON text. A layer without `push()` is a console error.
 */
export function pushDataLayer(layer, env) {
  if (typeof env === 'string') env = JSON.parse(env);
  let target = window[layer];
  if (target == null) target = window[layer] = [];
  if (typeof target.push !== 'function') {
    console.error(`cxbridge.analytics: window.${layer} exists but has no push(); it is left as it is and nothing is pushed`);
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
    console.error('cxbridge.analytics: a dataLayer listener threw:', err);
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
    console.warn(
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
 * Takes the queues other pages left under `prefix`: those marked closed or not written for `staleMs`. Returns
 * `{q: [id, json, id, json, …], dl: [json, …]}` and removes the keys taken.
 */
export function takeQueues(prefix, own, staleMs) {
  const s = storage();
  const out = { q: [], dl: [] };
  if (!s) return out;
  const now = Date.now();
  const keys = [];
  for (let i = 0; i < s.length; i++) {
    const k = s.key(i);
    if (k && k.startsWith(prefix) && k !== own) keys.push(k);
  }
  for (const k of keys) {
    let rec;
    try {
      rec = JSON.parse(s.getItem(k));
    } catch (_) {
      rec = null;
    }
    if (rec && !rec.closed && now - rec.t < staleMs) continue;
    for (const env of (rec && Array.isArray(rec.q) && rec.q) || []) {
      if (env && typeof env.id === 'string') out.q.push(env.id, JSON.stringify(env));
    }
    for (const env of (rec && Array.isArray(rec.dl) && rec.dl) || []) out.dl.push(JSON.stringify(env));
    s.removeItem(k);
  }
  return out;
}

/**
 * Adds the page lifecycle listeners: `on(0)` on `pagehide`, `on(1)` / `on(2)` when `visibilitychange` leaves the
 * page hidden / visible, `on(3)` on `online`; returns the function that removes them again.
 */
export function listenPage(on) {
  const pagehide = () => on(0);
  const onVisibility = () => on(document.visibilityState === 'hidden' ? 1 : 2);
  const online = () => on(3);
  addEventListener('pagehide', pagehide);
  addEventListener('online', online);
  document.addEventListener('visibilitychange', onVisibility);
  return () => {
    removeEventListener('pagehide', pagehide);
    removeEventListener('online', online);
    document.removeEventListener('visibilitychange', onVisibility);
  };
}

/** `cxbridge.analytics.stats()`'s object. */
export function stats(queued, delivered, rejected, dropped, retries, pending, held) {
  return { queued, delivered, rejected, dropped, retries, pending, held };
}

/** logAnalyticsEvent's pending promises and their resolvers, until `settle`. */
const resolvers = new Map();

/**
 * Analytics' problems by the shell's code (src/web/analytics.rs): the message goes to the console, or rejects `p`
 * (a promise of `promise()`) when there is one. `n` and `m` are the numbers a message names.
 */
export function problem(code, source, name, n, m, p) {
  // Codes 7 and 8 name the event by its envelope's JSON.
  const what = code > 6 ? named(name) : `${source} event '${name}'`;
  const text = [
    `logAnalyticsEvent: CIF events are not delivered: configure({sources}) leaves out '${source}'`,
    'logAnalyticsEvent: analytics has no destination: configure({endpoint}) or configure({dataLayer: true})',
    `cxbridge.analytics: the data of ${what} cannot be serialized as JSON (a cycle, a BigInt, a getter that throws, or far larger than maxEventBytes); the event is dropped`,
    `cxbridge.analytics: ${what} is larger than maxEventBytes (${n} bytes); it is not sent to the collector`,
    'cxbridge.analytics: more than 200 events were recorded before cxbridge.analytics.configure(); the oldest are dropped (counted in stats().dropped)',
    `cxbridge.analytics: the collector refused a batch of ${n} events with HTTP ${m}; they are dropped (counted in stats().rejected)`,
    `cxbridge.analytics: unknown event source '${source}'`,
    `cxbridge.analytics: the collector refused one event as too large (HTTP 413): ${what}, a body of ${
      n} bytes; it is dropped (counted in stats().rejected)`,
    `cxbridge.analytics: an event queued by an earlier page is larger than maxEventBytes now allows: ${what}, ${
      n} bytes; it is dropped (counted in stats().dropped)`,
  ][code];
  if (p) settle(p, text, false);
  else say(code === 4 ? 'warn' : 'error', text);
}

/** `console[level](text)`; a console the page replaced with one that throws does not throw into the wasm. */
function say(level, text) {
  try {
    console[level](text);
  } catch (_) {}
}

/** A warning the shell made (CIF fields the structure expects, absent). */
export function warn(text) {
  say('warn', text);
}

/** A promise that `settle` settles later. */
export function promise() {
  let r;
  const p = new Promise((res, rej) => (r = [res, rej]));
  resolvers.set(p, r);
  return p;
}

/** Resolves `p` with `value`, or (not `ok`) rejects it with an Error whose message is `value`. */
export function settle(p, value, ok) {
  const r = resolvers.get(p);
  resolvers.delete(p);
  if (r) r[ok ? 0 : 1](ok ? value : new Error(value));
}

let timer;

/** Clears the batch timer, and sets it to call `cb` after `delay` ms unless `delay` is negative. */
export function wakeAt(cb, delay) {
  clearTimeout(timer);
  timer = delay < 0 ? undefined : setTimeout(cb, delay);
}
