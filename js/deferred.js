// The Genesys Widgets deferred: `done`, `fail`, `always`, `state` behave as the vendor's (jQuery-like: callbacks
// attached after settlement run at once, in attachment order), while `then` is a real Promise/A+ thenable, so
// `.then().then()` chains and `await` works (an improvement on the vendor's, whose `then` does not chain; docs/cxbus.md). Kept in JS because it is created on every
// command and on every call queued before the wasm is ready; the bus's Rust shell constructs it through an import.

import { isList, mapList, soon, toConsole, thrownText } from './page.js';

const PENDING = 'pending';

export class Deferred {
  constructor() {
    this._state = PENDING;
    this._value = undefined;
    // The callbacks waiting, made on the first one: most deferreds are settled before anyone waits.
    this._done = null;
    this._fail = null;
    this.resolve = this.resolve.bind(this);
    this.reject = this.reject.bind(this);
  }

  state() {
    return this._state;
  }

  resolve(value) {
    this._settle('resolved', value);
    return this;
  }

  reject(reason) {
    this._settle('rejected', reason);
    return this;
  }

  _settle(state, value) {
    if (this._state !== PENDING) return;
    this._state = state;
    this._value = value;
    const list = state === 'resolved' ? this._done : this._fail;
    this._done = this._fail = null;
    if (list !== null) for (const fn of list) callSafely(fn, value);
  }

  _add(which, fns) {
    for (const fn of fns.length === 1 && typeof fns[0] === 'function' ? fns : callbacks(fns)) {
      if (this._state === PENDING) {
        if (which === 'resolved') (this._done || (this._done = [])).push(fn);
        else (this._fail || (this._fail = [])).push(fn);
      } else if (this._state === which) callSafely(fn, this._value);
    }
    return this;
  }

  done(...fns) {
    return this._add('resolved', fns);
  }

  fail(...fns) {
    return this._add('rejected', fns);
  }

  always(...fns) {
    this._add('resolved', fns);
    return this._add('rejected', fns);
  }

  then(onResolved, onRejected) {
    return new Promise((resolve, reject) => {
      this._add('resolved', [(v) => resolve(v)]);
      this._add('rejected', [(e) => reject(e)]);
    }).then(onResolved, onRejected);
  }

  catch(onRejected) {
    return this.then(undefined, onRejected);
  }

  promise() {
    return this;
  }
}

// done(f), done(f, g) and done([f, g]) as jQuery takes them: the functions among the arguments and one level of
// arrays in them. A page's array is read as a page value (it may be a Proxy, or claim 2^32 - 1 items): at most
// MAX_CALLBACKS of them, and an array that cannot be read is refused with an Error that says so.
const MAX_CALLBACKS = 10000;
function callbacks(args) {
  const out = [];
  for (const a of args) {
    if (typeof a === 'function') out.push(a);
    else if (isList(a)) out.push(...mapList(a, 'the callbacks', MAX_CALLBACKS, (f) => f).filter((f) => typeof f === 'function'));
  }
  return out;
}

// A throwing done/fail callback must not stop the ones after it, nor vanish: it is reported asynchronously, as
// an uncaught error would be, so the page's error handlers see it.
function callSafely(fn, value) {
  try {
    fn(value);
  } catch (err) {
    soon(() => {
      throw err;
    });
  }
}

/** Settles `target` as `source` settles; `source` may be a Deferred, a Promise or a plain value. */
export function follow(target, source) {
  if (source && typeof source.done === 'function' && typeof source.fail === 'function') {
    source.done(target.resolve).fail(target.reject);
  } else if (source && typeof source.then === 'function') {
    source.then(target.resolve, target.reject);
  } else {
    target.resolve(source);
  }
  return target;
}

// ---- The bus's JS side (src/web/bus.rs imports these). Building small objects and calling page callbacks inside
// try/catch is cheaper and clearer in JS than through reflection from Rust.

// A handler's or hook's thrown value as the Error a command rejects with: an Error as itself, anything else as an
// Error carrying its text (read without running the page's toString).
function asError(err) {
  let isError = false;
  try {
    isError = err instanceof Error;
  } catch (_) {}
  return isError ? err : new Error(thrownText(err));
}

// Subscribers are called asynchronously, in one microtask per burst of publishes: every publish queued before the
// microtask runs (and any queued by a subscriber while it runs) is delivered in order, each to its subscribers in
// subscription order. A publish is queued as the bus's array of the subscribers of that moment (never changed once
// made) and the event. A delivery whose subscription was cancelled meanwhile (unsubscribe) is skipped. A throwing
// subscriber is reported with console.error and the others still run.
const pending = [];
let scheduled = false;

/** A subscription record: the callback, and whether it is still subscribed. */
export function subscription(fn) {
  return { fn, active: true };
}

export function refused(message, value) {
  try {
    toConsole('warn', message, value);
  } catch (_) {
    // A console the page replaced with one that throws: the call was still refused.
  }
}

export function cancel(record) {
  record.active = false;
}

export function sameCallback(a, b) {
  return a.fn === b.fn;
}

function flush() {
  for (let i = 0; i < pending.length; i += 2) {
    const records = pending[i];
    const evt = pending[i + 1];
    pending[i] = pending[i + 1] = undefined;
    for (let j = 0; j < records.length; j++) {
      const record = records[j];
      if (!record.active) continue;
      try {
        record.fn(evt);
      } catch (err) {
        toConsole('error', `cxbridge: a subscriber of ${evt && evt.event} threw`, err);
      }
    }
  }
  pending.length = 0;
  scheduled = false;
}

/**
 * Queues `record.fn(evt)` for each of `records` for the next delivery microtask, `evt` being what a subscriber
 * receives: `{time, publisher, event, data}`, one object per publish, shared by its subscribers.
 */
export function deliverLater(records, time, publisher, event, data) {
  pending.push(records, { time, publisher, event, data });
  if (!scheduled) {
    scheduled = true;
    soon(flush);
  }
}

// `plugin.command(name, data)` without the wasm, once the bus ran that command from that handle straight to a page
// handler (a ready plugin's, no before-hook, not debug mode: `runCommand` is told it may be kept): the same
// deferred, event and handler call as the bus's own way. Kept per name, for the handle that sent it, until the bus
// changes (`forgetRoutes`, called by the bus's shell).
const routes = new Map();
const MAX_ROUTES = 256;
// The handle and name of the command on its way through the wasm.
let sending = null;

export function forgetRoutes() {
  routes.clear();
}

/** A plugin handle's `command`; `call(handle, name, data)` is the bus's own way. */
export function cachedCommands(call) {
  return (handle, name, data) => {
    const r = routes.get(name);
    if (r !== undefined && r[0] === handle) {
      const deferred = new Deferred();
      runCommand(r[1], Date.now(), r[2], r[3], deferred, data, false);
      return deferred;
    }
    if (routes.size >= MAX_ROUTES) routes.clear();
    sending = typeof name === 'string' ? [handle, name] : null;
    try {
      return call(handle, name, data);
    } finally {
      sending = null;
    }
  };
}

/** Runs a registered command's handler; a handler that throws rejects the command with its error. */
export function runCommand(handler, time, commander, command, deferred, data, cache) {
  if (cache && sending !== null) routes.set(sending[1], [sending[0], handler, commander, command]);
  sending = null;
  try {
    handler({ time, commander, command, deferred, data });
  } catch (err) {
    deferred.reject(asError(err));
  }
}

/**
 * Runs before-hooks in order, each on the previous one's result. Returns the final options, or undefined when a
 * hook cancelled (returned a non-object, or threw) — the deferred is then already rejected.
 */
export function runHooks(hooks, data, deferred, cancelled) {
  let d = data;
  for (let i = 0; i < hooks.length; i++) {
    try {
      d = hooks[i](d);
    } catch (err) {
      deferred.reject(asError(err));
      return undefined;
    }
    if (d === null || typeof d !== 'object') {
      deferred.reject(new Error(cancelled));
      return undefined;
    }
  }
  return d;
}

// Debug mode (CXBus.configure({debug: true})): like the vendor's debug console, every publish and every command,
// and for a command how long it took to settle.
const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export function debugPublish(topic, publisher, data, subscribers, sticky) {
  toConsole('log', `[CXBus] ${sticky ? 'republish' : 'publish'} ${topic}`, { publisher, data, subscribers });
}

export function debugCommand(command, commander, data, deferred) {
  const t0 = now();
  toConsole('log', `[CXBus] command ${command} from ${commander}`, data);
  deferred.always((value) => {
    const ms = (now() - t0).toFixed(1);
    toConsole('log', `[CXBus] command ${command} ${deferred.state()} after ${ms} ms`, redactSession(command, value));
  });
}

/**
 * WebChatService's session object (getSessionData) without its credentials, for the debug log: the JWT and the
 * stream URL never reach the console.
 */
function redactSession(command, value) {
  try {
    if (String(command).indexOf('WebChatService.') === 0 && value !== null && typeof value === 'object' && 'jwt' in value) {
      const copy = Object.assign({}, value);
      delete copy.jwt;
      delete copy.WebSocketUrl;
      return copy;
    }
  } catch (_) {
    /* a hostile value: logged as it is, it cannot hold our session */
  }
  return value;
}
