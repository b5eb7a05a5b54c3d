// The ac() dispatch loop (src/web/ac.rs imports this). Rust's core::emitter decides everything: who is subscribed,
// in which order, what on/once/off did, whether a listener removed meanwhile may still run, and which `once` has
// fired. This module only performs: it calls, in order, the functions Rust listed for a slot (one per event, one
// per topic), and isolates a listener that throws.
//
// Why the loop is here and not in Rust: a dispatch is then at most ONE call across the wasm boundary, instead of
// one wasm→JS call per listener (each costs several times a listener's own work), and none at all when it starts
// on the JS side (the benchmark hook) and the list is still good. docs/performance.md has the figures.
//
// A list is what Rust handed over for a slot (`setList`); every change of membership drops them all (`changed`),
// and the next dispatch of a slot finds none and asks Rust again. When membership changes during a call, or the
// list has a `once` in it (which the emitter must claim before its call), the loop stops and hands the rest of
// the dispatch back to Rust, which asks the emitter about each listener left (`callListener` below). A listener
// that throws does not stop the others; what they threw is handed to Rust too, which reports it.
//
// The arrays are never frozen: V8 does not inline the calls of a loop over a frozen array (docs/performance.md).
// Nothing outside this module sees them, so nothing can change them.
import { toConsole } from './page.js';

// slot → { fns, once }.
let lists = [];
// Counts changes of membership: a dispatch compares it after each call.
let epoch = 0;
// What listeners threw in a dispatch handed back to Rust, until Rust takes them (`carriedErrors`).
let carried = null;

/** Membership changed (or may have): every list is stale, and a dispatch under way hands the rest to Rust. */
export function changed() {
  lists = [];
  epoch++;
}

// A number per page function, so Rust compares subscriptions without calling back into JS.
const ids = new WeakMap();
let nextId = 0;

export function fnId(fn) {
  let id = ids.get(fn);
  if (id === undefined) ids.set(fn, (id = ++nextId));
  return id;
}

/** Keeps the listeners of `slot` as Rust listed them; `once`: one of them is a `once` (the dispatch is Rust's). */
export function setList(slot, fns, once) {
  lists[slot] = { fns, once };
}

/**
 * Calls the listeners of `slot` with `payload`. Returns `true` when every one had its turn and none threw;
 * `undefined`, calling nobody, when there is no list for the slot (Rust hands one over with `setList` and calls
 * again); or the index of the first listener it did not call, when the rest of the dispatch is Rust's: the
 * listeners left, if any, and reporting what the others threw. Kept small, with the rare paths in functions of
 * their own, so that V8 inlines it and the listeners into the caller's loop.
 */
export function dispatch(slot, payload) {
  const list = lists[slot];
  if (list === undefined) return undefined;
  if (list.once) return 0;
  const fns = list.fns;
  const n = fns.length;
  const e = epoch;
  let i = 0;
  try {
    for (; i < n; ) {
      const f = fns[i++];
      f(payload);
      if (epoch !== e && i < n) return i;
    }
  } catch (err) {
    return resume(fns, payload, i, e, [err]);
  }
  return true;
}

/** The rest of a dispatch after a listener threw: as `dispatch`, keeping what the listeners throw for Rust. */
function resume(fns, payload, i, e, errors) {
  while (i < fns.length && epoch === e) {
    const f = fns[i++];
    try {
      f(payload);
    } catch (err) {
      errors.push(err);
    }
  }
  carried = errors;
  return i;
}

/** What the listeners threw before the loop handed the dispatch to Rust (an array Rust adds to, then reports). */
export function carriedErrors() {
  const errors = carried || [];
  carried = null;
  return errors;
}

/** Calls one listener for Rust's part of a dispatch; what it throws is added to `errors`. */
export function callListener(fn, payload, errors) {
  try {
    fn(payload);
  } catch (err) {
    errors.push(err);
  }
}

/**
 * Reports what the listeners of `event` threw in one dispatch, once all had their turn, in order: console.error
 * (whatever it is *now*: error trackers wrap it) and a `cxbridge:error` CustomEvent on window whose `detail` is
 * `{ source: 'ac', event, error }`. Never throws: Rust calls it.
 */
export function reportThrown(event, errors) {
  for (const error of errors) {
    try {
      toConsole('error', "ac: a '" + event + "' listener threw (the other listeners still ran):", error);
      window.dispatchEvent(new CustomEvent('cxbridge:error', { detail: { source: 'ac', event, error } }));
    } catch (_) {
      // No window (a worker) or a console that throws: the error was reported as far as possible.
    }
  }
}

// ac('on'|'once'|'off', name, fn) for a name already parsed once: classified here, so no string crosses into the
// wasm and nothing is parsed. `learn` is called by Rust with the topic's number once a name passed validation; a
// name never seen takes the slow path, which validates it and reports errors.
const topics = new Map();

export function learn(name, topic) {
  topics.set(name, topic);
}

/**
 * The function behind `ac(...)`: on/once/off with a known name and a function go straight to `wasm.acListen`
 * (the topic's number, the function's, and the function for on/once, none for off), everything else to `wasm.ac`
 * with the arguments as an array.
 */
export function acEntry(wasm) {
  return function ac(m, name, fn) {
    if (typeof fn === 'function' && (m === 'on' || m === 'once' || m === 'off')) {
      const t = topics.get(name);
      if (t !== undefined) {
        // Dropped before Rust changes anything (conservatively: a duplicate `on` changes nothing), which saves a
        // call back here to say so.
        changed();
        wasm.acListen(t, fnId(fn), m === 'off' ? undefined : fn, m === 'once');
        return undefined;
      }
    }
    return wasm.ac(Array.from(arguments));
  };
}
