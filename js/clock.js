// The shell's timers (src/web/clock.rs). Neither function throws: a page may have replaced setTimeout or
// clearTimeout with something that does, and no exception may unwind into the wasm. Then no timer is armed.

/** Calls `cb` once after `ms` milliseconds; returns the handle, or undefined when none could be armed. */
export function armTimer(cb, ms) {
  try {
    return setTimeout(cb, ms);
  } catch (_) {
    return undefined;
  }
}

export function clearTimer(handle) {
  try {
    clearTimeout(handle);
  } catch (_) {}
}
