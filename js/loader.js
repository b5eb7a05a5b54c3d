// The thin loader: the public globals exist synchronously as stubs that queue every call; once the wasm is ready
// the queue is replayed in order, each call exactly once, and the stubs forward to the real implementation from
// then on (so a page that kept a reference to a stub keeps working). Nothing here decides anything the core
// decides: it only queues, replays and forwards.

import { Deferred, cachedCommands, follow } from './deferred.js';
import { acEntry } from './listeners.js';
import { installCif } from './cif.js';

// The package's version: package.json's, put here by scripts/build.mjs (esbuild's define).
export const VERSION = CXBRIDGE_VERSION;

// What a call made before the wasm is ready returns, per method. 'void' calls return undefined; 'deferred' and
// 'promise' calls return a placeholder that settles as the real call does; 'plugin' calls return a stub handle
// whose own calls queue behind the one that created it. A method not listed here does not exist on the stub.
const PLUGIN = {
  publish: 'void', republish: 'void', subscribe: 'value', unsubscribe: 'void', command: 'deferred',
  registerCommand: 'void', registerEvents: 'void', before: 'void', data: 'value', ready: 'void',
  namespace: 'value', registerPlugin: 'plugin',
};
export const SURFACE = {
  CXBus: { ...PLUGIN, configure: 'void', loadPlugin: 'deferred', loadFile: 'deferred' },
  bus: PLUGIN,
  embedded: { listen: 'listener', on: 'void', off: 'void', stats: 'value' },
  analytics: { configure: 'void', logAnalyticsEvent: 'promise', installCifShim: 'void', stats: 'value' },
  listener: { stop: 'void' },
};
const HANDLE_KINDS = { plugin: PLUGIN, listener: SURFACE.listener };

/**
 * Creates the stubs. `acQueue` is the `.q` the Journey tracking snippet filled before this script ran (replayed
 * first, in order).
 */
export function createStubs(acQueue) {
  const queue = [];
  let live = false;
  // Set when the wasm could not be loaded: every call made since fails with it.
  let failure = null;

  function makeHandle(spec) {
    const handle = { target: null, dead: false, obj: {} };
    for (const [method, kind] of Object.entries(spec)) {
      handle.obj[method] = function () {
        const args = Array.from(arguments);
        if (live) return forward(handle, method, args);
        const entry = { handle, method, args, link: null };
        if (failure) {
          // Answered at once: the wasm will not come (it failed to load, see cxbridge.ready).
          if (kind === 'deferred') return new Deferred().reject(failure);
          if (kind === 'promise') return Promise.reject(failure);
          if (kind === 'plugin' || kind === 'listener') return makeHandle(HANDLE_KINDS[kind]).obj;
          return method === 'subscribe' ? args[0] : undefined;
        }
        queue.push(entry);
        switch (kind) {
          case 'deferred': {
            const d = new Deferred();
            entry.link = (r, err) => (err ? d.reject(err) : follow(d, r));
            return d;
          }
          case 'promise':
            return new Promise((resolve, reject) => {
              entry.link = (r, err) => (err ? reject(err) : follow({ resolve, reject }, r));
            });
          case 'plugin':
          case 'listener': {
            const child = makeHandle(HANDLE_KINDS[kind]);
            // A creation that threw or was refused leaves a dead handle: its calls warn, they do not throw.
            entry.link = (r, err) => {
              // (A failed wasm load was reported once, by the loader.)
              if (err && err !== failure) console.error(err);
              if (!err && r && typeof r === 'object') child.target = r;
              else child.dead = true;
            };
            return child.obj;
          }
          case 'value':
            // The answer is not known until the wasm runs: callers that need it should await cxbridge.ready.
            return method === 'subscribe' ? args[0] : undefined;
          default:
            return undefined;
        }
      };
    }
    return handle;
  }

  function forward(handle, method, args) {
    if (handle.dead || !handle.target) {
      console.warn(`cxbridge: ${method}() called on a handle whose creation was refused`);
      return false;
    }
    const fn = handle.target[method];
    if (typeof fn !== 'function') throw new TypeError(`cxbridge: ${method} is not available`);
    return fn.apply(handle.target, args);
  }

  const roots = {};
  const ROOTS = ['CXBus', 'bus', 'embedded', 'analytics'];
  for (const name of ROOTS) roots[name] = makeHandle(SURFACE[name]);

  let realAc = null;
  function ac() {
    if (realAc) return realAc.apply(null, arguments);
    if (failure) return undefined;
    queue.push({ ac: true, args: Array.from(arguments) });
    return undefined;
  }
  // The tracking snippet's function pushes onto `window[name].q`; once this stub has taken its place, those pushes
  // become calls, so nothing the snippet queues later is lost either.
  ac.q = { push: (args) => ac.apply(null, Array.from(args)) };
  ac.l = Date.now();
  for (const args of acQueue || []) queue.push({ ac: true, args: Array.from(args) });

  /** Replays the queue against `real` (the wasm-backed API) and switches every stub to forwarding. */
  function attach(real) {
    for (const name of ROOTS) roots[name].target = real[name];
    // Replay: entries added while replaying (a queued callback that calls the API) are replayed too, in order.
    for (let i = 0; i < queue.length; i++) {
      const entry = queue[i];
      let result;
      let error = null;
      try {
        result = entry.ac ? real.ac.apply(null, entry.args) : forward(entry.handle, entry.method, entry.args);
      } catch (err) {
        // The caller got its answer (a deferred, a promise, a handle) before the wasm existed: the error goes
        // there, or to the console when the call returned nothing that could carry it.
        error = err || new Error('cxbridge: a queued call failed');
        if (!entry.link) console.error(error);
      }
      if (entry.link) entry.link(result, error);
    }
    queue.length = 0;
    realAc = real.ac;
    live = true;
  }

  /**
   * The wasm could not be loaded (`error` names the URL and the cause): every queued call that returned a deferred
   * or a promise fails with it, every handle created meanwhile is dead, and later calls fail at once. Nothing is
   * left pending.
   */
  function fail(error) {
    failure = error;
    for (const entry of queue) if (entry.link) entry.link(undefined, error);
    queue.length = 0;
  }

  return {
    ac,
    CXBus: roots.CXBus.obj,
    bus: roots.bus.obj,
    embedded: roots.embedded.obj,
    analytics: roots.analytics.obj,
    attach,
    fail,
  };
}

/**
 * The real API over the wasm exports. Each area's Rust shell (src/web/*.rs) exports the functions named here;
 * this is the only place that maps the page-facing API onto them (the entries, js/listeners.js and js/widgets.js
 * call the few exports they perform for).
 */
export function realApi(wasm) {
  // A plugin handle's methods: one wasm export routed by the method's number, its place in the names
  // src/web/bus.rs lists (`pluginMethods`); the handles have those PLUGIN names.
  const methods = wasm.pluginMethods();
  // The handles live as long as the page, as the vendor's do: wasm-bindgen's `free` (and `Symbol.dispose`, which
  // a `using` declaration calls) would leave a plugin registered behind a handle whose every call throws, or a
  // listener that nothing can stop any more. Without them, the garbage collector is the only one to free a handle.
  for (const C of [wasm.Plugin, wasm.EmbeddedListener]) {
    delete C.prototype.free;
    if (Symbol.dispose) delete C.prototype[Symbol.dispose];
  }
  // A handle's method `m`, `f(handle, a, b)`, defined as class methods are: on the prototype, not enumerable.
  // Called without its handle (`const { subscribe } = plugin`, `return listener.stop`), it says so, rather than
  // wasm-bindgen's "null pointer passed to rust".
  const method = (C, what, m, f) =>
    Object.defineProperty(C.prototype, m, {
      value(a, b) {
        if (!(this instanceof C)) throw new TypeError(`cxbridge: ${m}() must be called on its ${what} (${what}.${m}(…))`);
        return f(this, a, b);
      },
      writable: true,
      configurable: true,
    });
  // `command` runs a route the bus decided without entering the wasm when it can (js/deferred.js).
  const COMMAND = methods.indexOf('command');
  const command = cachedCommands((handle, a, b) => wasm.pluginCall(handle, COMMAND, a, b));
  methods.forEach((m, i) => {
    if (m in PLUGIN) method(wasm.Plugin, 'plugin', m, i === COMMAND ? command : (h, a, b) => wasm.pluginCall(h, i, a, b));
  });
  const stop = wasm.EmbeddedListener.prototype.stop;
  method(wasm.EmbeddedListener, 'listener', 'stop', (h) => stop.call(h));
  const global = wasm.busHandle(false);
  const CXBus = Object.create(null);
  for (const m of Object.keys(PLUGIN)) CXBus[m] = (...a) => global[m](...a);
  // configure is the global's own (no handle has it). loadPlugin and loadFile are js/widgets.js's, added by the
  // entry (script.js, index.mjs).
  const configure = methods.indexOf('configure');
  CXBus.configure = (cfg) => wasm.pluginCall(global, configure, cfg);
  // The areas' exports themselves (each takes what the page passes and ignores the rest).
  const logAnalyticsEvent = wasm.logAnalyticsEvent;
  return {
    ac: acEntry(wasm),
    CXBus,
    bus: wasm.busHandle(true),
    embedded: {
      listen: wasm.embeddedListen,
      on: wasm.embeddedOn,
      off: wasm.embeddedOff,
      stats: wasm.embeddedStats,
    },
    analytics: {
      configure: wasm.analyticsConfigure,
      logAnalyticsEvent,
      installCifShim: () => installCif(logAnalyticsEvent),
      stats: wasm.analyticsStats,
    },
  };
}
