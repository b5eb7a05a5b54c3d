// dist/cxbridge.mjs: the ESM entry of the npm package. `await load()` gives the same API object as
// window.cxbridge (plus `ac`, `CXBus` and `bus`), touching no global unless `{ globals: true }` is passed.
import init, * as wasm from '../build/pkg/cxbridge.js';
import { realApi, VERSION } from './loader.js';

let loading = null;

export const version = VERSION;

export function load(options = {}) {
  if (loading) return loading;
  const globals = options.globals === true;
  const wasmUrl = options.wasmUrl || new URL('./cxbridge_bg.wasm', import.meta.url);
  loading = init({ module_or_path: wasmUrl }).then(() => {
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
    if (globals && typeof window !== 'undefined') {
      window.ac = real.ac;
      window.CXBus = real.CXBus;
      window._genesys = window._genesys || {};
      window._genesys.widgets = window._genesys.widgets || {};
      window._genesys.widgets.bus = real.bus;
      window.cxbridge = api;
      real.analytics.installCifShim();
    }
    wasm.afterReplay(globals);
    return api;
  });
  return loading;
}

export default load;
