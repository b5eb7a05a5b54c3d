// Loaded before the bundle on pages that test hostile callers. Wraps every function the wasm module imports, so
// that an exception leaving one of them — which would unwind through the wasm frames that called it, skipping
// Rust's stack restore and leaving borrows held — is recorded in `window.importThrows` (then rethrown, as before).
// Imports that wasm-bindgen declares `catch` never throw here: their glue catches inside.
(function () {
  'use strict';
  const throws = [];
  window.importThrows = throws;
  /** What the page is doing when an import throws: set by the page that drives the calls. */
  window.currentCall = '(loading)';

  function describe(err) {
    try {
      return err instanceof Error ? `${err.name}: ${err.message}` : `non-Error ${typeof err}`;
    } catch (_) {
      return '(unprintable)';
    }
  }

  function wrap(imports) {
    if (!imports || typeof imports !== 'object') return imports;
    const out = {};
    for (const mod of Object.keys(imports)) {
      const table = imports[mod];
      out[mod] = {};
      for (const name of Object.keys(table)) {
        const f = table[name];
        out[mod][name] =
          typeof f !== 'function'
            ? f
            : function () {
                try {
                  return f.apply(this, arguments);
                } catch (err) {
                  if (throws.length < 200) {
                    let stack = '';
                    try {
                      stack = String(err && err.stack).split('\n').slice(0, 6).join(' | ');
                    } catch (_) {}
                    throws.push({ import: `${mod}.${name}`, during: window.currentCall, error: describe(err), stack });
                  } else {
                    throws.push(null);
                  }
                  throw err;
                }
              };
      }
    }
    return out;
  }

  const streaming = WebAssembly.instantiateStreaming;
  const instantiate = WebAssembly.instantiate;
  if (streaming) {
    WebAssembly.instantiateStreaming = function (source, imports) {
      return streaming.call(this, source, wrap(imports));
    };
  }
  WebAssembly.instantiate = function (source, imports) {
    return instantiate.call(this, source, wrap(imports));
  };
})();
