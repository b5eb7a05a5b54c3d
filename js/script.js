// dist/cxbridge.js: the classic-script bundle. Defines the globals synchronously as queueing stubs, then loads the
// wasm from the folder this script came from, boots it, and replays what the page queued meanwhile.
import init, * as wasm from '../build/pkg/cxbridge.js';
import { createStubs, realApi, VERSION } from './loader.js';
import { dispatch } from './listeners.js';
import { installCif } from './cif.js';

(function (win) {
  if (win.cxbridge && win.cxbridge.version) {
    console.warn('cxbridge: loaded twice; the second copy does nothing');
    return;
  }
  const script = document.currentScript;
  const base = (script && script.src) || win.location.href;
  const wasmUrl = new URL('cxbridge_bg.wasm', base);

  // The Journey tracking snippet names the function in _genesysJourneySdk (default 'ac') and queues on its `.q`.
  const acName = typeof win._genesysJourneySdk === 'string' && win._genesysJourneySdk ? win._genesysJourneySdk : 'ac';
  const prior = win[acName];
  // Copied up front: a queue that cannot be read (a getter or Proxy that throws) must not stop the bundle loading.
  let acQueue = [];
  try {
    if (prior && Array.isArray(prior.q)) acQueue = Array.from(prior.q, (args) => Array.from(args));
  } catch (err) {
    console.error(new Error(`cxbridge: ${acName}.q (the Journey snippet's queue) could not be read, so its calls are not replayed: ${err && err.message ? err.message : err}`));
  }
  const stubs = createStubs(acQueue);
  win[acName] = stubs.ac;
  win.CXBus = stubs.CXBus;
  win._genesys = win._genesys || {};
  win._genesys.widgets = win._genesys.widgets || {};
  win._genesys.widgets.bus = stubs.bus;

  let settle;
  const ready = new Promise((resolve, reject) => (settle = { resolve, reject }));
  const api = { ready, version: VERSION, embedded: stubs.embedded, analytics: stubs.analytics };
  win.cxbridge = api;
  // CIF pages find Microsoft.CIFramework.logAnalyticsEvent at once (unless Microsoft's library is there), its calls
  // queued with the rest until the wasm is ready; installCifShim() answers at once too (docs/analytics.md).
  const cif = () => installCif(stubs.analytics.logAnalyticsEvent);
  stubs.analytics.installCifShim = cif;
  cif();

  init({ module_or_path: wasmUrl })
    .then((raw) => {
      // Diagnostics for `npm run bench` (not public API): the emitter without an action, and wasm memory.
      // A page keeps the topic number of a name, as ac('on', …) does, so a dispatch carries no string.
      const topics = new Map();
      let lastName;
      let lastTopic = 0;
      const topic = (name) => {
        if (name === lastName) return lastTopic;
        let t = topics.get(name);
        if (t === undefined) topics.set(name, (t = wasm.acBenchTopic(name)));
        lastName = name;
        return (lastTopic = t);
      };
      Object.defineProperty(api, '__bench', {
        value: {
          // Rust decides (membership, fired onces, the list); one loop in JS calls the listeners, from the list
          // cached there until membership changes (then `dispatch` answers 2 and Rust hands over the new one).
          emit: (name, payload) => {
            const t = topic(name);
            if (t !== 0 && dispatch(t - 1, payload) === 2 && wasm.acBenchPrepare(t) !== 0) dispatch(t - 1, payload);
          },
          wasmMemoryBytes: () => raw.memory.buffer.byteLength,
        },
      });
      wasm.boot(true);
      stubs.attach(realApi(wasm));
      wasm.afterReplay(true);
      settle.resolve(api);
    })
    .catch((err) => {
      const error = new Error(`cxbridge: could not load ${wasmUrl}: ${err && err.message ? err.message : err}`);
      console.error(error);
      settle.reject(error);
    });
})(window);
