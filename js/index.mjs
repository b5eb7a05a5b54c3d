// dist/cxbridge.mjs: the ESM entry of the npm package. `await load()` gives the same API object as
// window.cxbridge (plus `ac`, `CXBus` and `bus`), touching no global unless `{ globals: true }` is passed.
import init, * as wasm from '../build/pkg/cxbridge.js';
import { realApi, VERSION } from './loader.js';
import { createWidgets } from './widgets.js';
import { thrownText } from './page.js';

let loading = null;

export const version = VERSION;

/**
 * Loads the wasm once; every call gives the same promise. When the wasm cannot be fetched, compiled or
 * instantiated, the promise rejects with an error naming the URL and the cause, and the next call tries again.
 */
export function load(options = {}) {
  if (loading) return loading;
  const globals = options.globals === true;
  const wasmUrl = options.wasmUrl || new URL('./cxbridge_bg.wasm', import.meta.url);
  const attempt = init({ module_or_path: wasmUrl }).then(
    () => start(globals),
    (err) => {
      if (loading === attempt) loading = null;
      throw new Error(`cxbridge: could not load ${wasmUrl}: ${thrownText(err)}`);
    },
  );
  loading = attempt;
  return attempt;
}

function start(globals) {
  wasm.boot(globals);
  const real = realApi(wasm);
  const api = {
    version: VERSION,
    ac: real.ac,
    CXBus: real.CXBus,
    bus: real.bus,
    embedded: real.embedded,
    analytics: real.analytics,
  };
  api.ready = Promise.resolve(api);
  const install = () => {
    window.ac = real.ac;
    window.CXBus = real.CXBus;
    window._genesys = window._genesys || {};
    window._genesys.widgets = window._genesys.widgets || {};
    if (!window._genesys.widgets.bus) window._genesys.widgets.bus = real.bus;
    window.cxbridge = api;
  };
  const useGlobals = globals && typeof window !== 'undefined';
  const widgets = createWidgets({ wasm, globals: useGlobals, CXBus: real.CXBus, bus: real.bus, install });
  real.CXBus.loadPlugin = widgets.loadPlugin;
  real.CXBus.loadFile = widgets.loadFile;
  if (useGlobals) {
    install();
    window._genesys.widgets.bus = real.bus;
    real.analytics.installCifShim();
  }
  wasm.afterReplay(globals);
  widgets.start();
  return api;
}

export default load;
