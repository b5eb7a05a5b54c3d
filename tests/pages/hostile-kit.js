// What the pages that drive cxbridge with hostile values share (tests/pages/reliability.js, tests/pages/hostile.js):
// the text of a wasm trap, how a thrown or rejected value is described, and whether a result is a thenable — each
// read without letting the value's own code throw.
(function () {
  'use strict';

  /** What a wasm trap or a wasm-bindgen misuse prints (tests/e2e/harness.mjs watches the console for the same). */
  const TRAP = /unreachable|RuntimeError|recursive use of an object|closure invoked|already (mutably )?borrowed|null pointer passed to rust|attempt(ed)? to (use a moved value|take ownership)|memory access out of bounds/i;

  function describe(e) {
    try {
      if (e instanceof Error) return { error: true, message: String(e.message) };
      return { error: false, message: typeof e === 'string' ? e : Object.prototype.toString.call(e) };
    } catch (_) {
      return { error: false, message: '(unprintable)' };
    }
  }

  function isThenable(r) {
    try {
      return r !== null && (typeof r === 'object' || typeof r === 'function') && typeof r.then === 'function';
    } catch (_) {
      return false;
    }
  }

  window.hostileKit = { TRAP, describe, isThenable };
})();
