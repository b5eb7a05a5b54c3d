// dist/cxbridge.js: the classic-script bundle. Defines the globals synchronously as queueing stubs, then loads the
// wasm from the folder this script came from, boots it, and replays what the page queued meanwhile.
import init, * as wasm from '../build/pkg/cxbridge.js';
import { createStubs, realApi, VERSION } from './loader.js';
import { installBenchHook } from '../benches/hook.js';
import { installCif } from './cif.js';
import { createWidgets } from './widgets.js';
import { thrownText } from './page.js';

(function (win) {
  // Included twice (two tags, or a tag and the Journey snippet): the first copy stays the one, and takes back any
  // global the page replaced between the two (a Journey snippet's `ac` and its queue, `window._genesys`) — unless
  // its wasm failed to load: then this copy starts afresh (including the bundle again is a script-tag page's retry).
  const first = win.cxbridge && win.cxbridge.version ? win.cxbridge.__includedAgain : null;
  if (first !== null && (typeof first !== 'function' || first() !== 'failed')) {
    console.warn('cxbridge: loaded twice; the second copy does nothing');
    return;
  }
  const script = document.currentScript;
  const base = (script && script.src) || win.location.href;
  const wasmUrl = new URL('cxbridge_bg.wasm', base);

  // The Journey tracking snippet names the function in _genesysJourneySdk (default 'ac') and queues on its `.q`.
  const acNameNow = () =>
    typeof win._genesysJourneySdk === 'string' && win._genesysJourneySdk ? win._genesysJourneySdk : 'ac';
  const acName = acNameNow();
  /** The snippet's queue on `fn`, copied: one that cannot be read (a throwing getter or Proxy) is reported. */
  const snippetQueue = (name, fn) => {
    try {
      if (fn && Array.isArray(fn.q)) return Array.from(fn.q, (args) => Array.from(args));
    } catch (err) {
      console.error(new Error(`cxbridge: ${name}.q (the Journey snippet's queue) could not be read, so its calls are not replayed: ${thrownText(err)}`));
    }
    return [];
  };
  const stubs = createStubs(snippetQueue(acName, win[acName]));

  /**
   * Puts the globals on the page: `ac` (under the snippet's name), `CXBus`, `_genesys.widgets.bus`. Run at load,
   * when the bundle is included again, and when widgets-core starts (a configuration assigned to
   * `window._genesys` after the bundle replaced the object `bus` was on). A Journey snippet that replaced `ac`
   * since has its queue replayed, in order, so nothing it queued is lost.
   */
  function install() {
    const name = acNameNow();
    const prior = win[name];
    if (prior !== stubs.ac) {
      const queued = prior ? snippetQueue(name, prior) : [];
      win[name] = stubs.ac;
      for (const args of queued) stubs.ac.apply(null, args);
    }
    win.CXBus = stubs.CXBus;
    win._genesys = win._genesys || {};
    win._genesys.widgets = win._genesys.widgets || {};
    if (!win._genesys.widgets.bus) win._genesys.widgets.bus = stubs.bus;
  }
  win[acName] = stubs.ac;
  win.CXBus = stubs.CXBus;
  win._genesys = win._genesys || {};
  win._genesys.widgets = win._genesys.widgets || {};
  win._genesys.widgets.bus = stubs.bus;

  let settle;
  let failed = false;
  const ready = new Promise((resolve, reject) => (settle = { resolve, reject }));
  const api = { ready, version: VERSION, embedded: stubs.embedded, analytics: stubs.analytics };
  Object.defineProperty(api, '__includedAgain', {
    value: () => {
      if (failed) return 'failed';
      try {
        install();
      } catch (err) {
        console.error(new Error(`cxbridge: the second copy could not restore the globals: ${thrownText(err)}`));
      }
    },
  });
  win.cxbridge = api;
  // CIF pages find Microsoft.CIFramework.logAnalyticsEvent at once (unless Microsoft's library is there), its calls
  // queued with the rest until the wasm is ready; installCifShim() answers at once too (docs/analytics.md).
  const cif = () => installCif(stubs.analytics.logAnalyticsEvent);
  stubs.analytics.installCifShim = cif;
  cif();

  init({ module_or_path: wasmUrl })
    .then((raw) => {
      // CXBRIDGE_BENCH: true only in `npm run bench`'s own build (scripts/build.mjs); dist/ has no bench hook.
      if (CXBRIDGE_BENCH) installBenchHook(api, wasm, raw.memory);
      wasm.boot(true);
      const real = realApi(wasm);
      const widgets = createWidgets({ wasm, globals: true, CXBus: stubs.CXBus, bus: stubs.bus, install });
      real.CXBus.loadPlugin = widgets.loadPlugin;
      real.CXBus.loadFile = widgets.loadFile;
      stubs.attach(real);
      wasm.afterReplay(true);
      widgets.autoStart();
      settle.resolve(api);
    })
    .catch((err) => {
      const error = new Error(`cxbridge: could not load ${wasmUrl}: ${thrownText(err)}`);
      console.error(error);
      failed = true;
      stubs.fail(error);
      settle.reject(error);
    });
})(window);
