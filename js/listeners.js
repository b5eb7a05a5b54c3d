// The ac() listeners as a dispatch sees them (src/web/ac.rs imports this). Rust's core::emitter decides who is
// subscribed, in which order, and what on/once/off did; the array of each slot (one per event, one per topic) is
// built from its snapshot and cached here. A dispatch is then at most ONE call across the wasm boundary that loops
// here, instead of one wasm→JS call per listener (~70 ns each, several times a listener's own cost), and none at
// all when it starts on the JS side (the benchmark hook) and the cached list is still good.
//
// The arrays are never frozen: V8 does not inline the calls of a loop over a frozen array, which made a dispatch
// to 10 listeners 2.4× slower. Nothing outside this module sees them, so nothing can change them.
//
// The dispatch rules are core::emitter's, kept by the records: a record removed (`off`) is marked dead and
// skipped even by a dispatch already under way (which reads `alive` only once something was removed); a list is
// replaced, never changed, so a listener added during a dispatch waits for the next; a `once` record is claimed
// (marked dead) before its call, so a nested dispatch cannot run it again, and Rust retires the subscription on
// its next look (`takeFired`).

// slot → cached list; dropped as a whole whenever membership may have changed (a record made or killed, a `once`
// retired), so the next dispatch of any slot asks Rust for the list again. Conservative: a duplicate `on` also
// drops it, which costs one rebuild and never a wrong list.
let lists = [];
// A `once` ran since Rust last retired: every list is stale until Rust has heard.
let fired = false;
// How many records `off` has killed so far: a dispatch checks `alive` only once this moved since it started.
let kills = 0;

/** A subscription as the loop sees it. `fn` is called with `this` undefined, as before. */
export function record(fn, once) {
  lists = [];
  return { fn, alive: true, once };
}

// A number per page function, so Rust compares subscriptions without calling back into JS.
const ids = new WeakMap();
let nextId = 0;

export function fnId(fn) {
  let id = ids.get(fn);
  if (id === undefined) ids.set(fn, (id = ++nextId));
  return id;
}

export function kill(r) {
  r.alive = false;
  kills++;
  lists = [];
}

export function isAlive(r) {
  return r.alive;
}

/** Whether a `once` ran since the last call; Rust then retires the dead records (membership changes). */
export function takeFired() {
  if (!fired) return false;
  fired = false;
  lists = [];
  return true;
}

/** Caches the listeners of `slot` (Rust builds `recs` from the emitter's snapshot); `name` is for errors. */
export function setList(slot, recs, name) {
  const fns = new Array(recs.length);
  let hasOnce = false;
  for (let i = 0; i < recs.length; i++) {
    fns[i] = recs[i].fn;
    if (recs[i].once) hasOnce = true;
  }
  lists[slot] = { recs, fns, hasOnce, name };
}

/**
 * Calls the live listeners of `slot` with `payload` and returns true; returns false without calling anyone when
 * the cached list may be out of date: the caller asks Rust for it (`setList`) and calls again. Kept small, with
 * the rare paths (a `once` in the list, a listener that throws) in functions of their own, so that V8 inlines it
 * and the listeners into the caller's loop.
 */
export function dispatch(slot, payload) {
  const list = lists[slot];
  if (list === undefined || fired) return false;
  if (list.hasOnce) return dispatchOnce(list, payload);
  const fns = list.fns;
  const n = fns.length;
  const k = kills;
  let i = 0;
  try {
    // Nothing was removed since this dispatch started (the usual case): no record to read.
    for (; i < n; i++) {
      if (kills !== k && !list.recs[i].alive) continue;
      const f = fns[i];
      f(payload);
    }
  } catch (err) {
    resume(list, payload, i + 1, k, [err]);
  }
  return true;
}

/** The rest of a dispatch after listener `i - 1` threw; every error is reported once all had their turn. */
function resume(list, payload, i, k, errors) {
  const { fns, recs } = list;
  while (i < fns.length) {
    try {
      for (; i < fns.length; i++) {
        if (kills !== k && !recs[i].alive) continue;
        const f = fns[i];
        f(payload);
      }
    } catch (err) {
      errors.push(err);
      i++;
    }
  }
  for (const err of errors) listenerThrew('ac', list.name, err);
}

/** A dispatch of a list with a `once` in it: every record is read, and a `once` is claimed before its call. */
function dispatchOnce(list, payload) {
  const recs = list.recs;
  let errors;
  let i = 0;
  while (i < recs.length) {
    try {
      for (; i < recs.length; i++) {
        const r = recs[i];
        if (!r.alive) continue;
        if (r.once) {
          // Claimed before the call: a nested dispatch cannot run it again; Rust retires it on its next look.
          r.alive = false;
          fired = true;
        }
        const f = r.fn;
        f(payload);
      }
    } catch (err) {
      (errors || (errors = [])).push(err);
      i++;
    }
  }
  // After every listener had its turn, in order.
  if (errors) for (const err of errors) listenerThrew('ac', list.name, err);
  return true;
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
 * (the topic's number, and the new record for on/once, none for off), everything else to `wasm.ac` with the
 * arguments as an array.
 */
export function acEntry(wasm) {
  return function ac(m, name, fn) {
    if (typeof fn === 'function' && (m === 'on' || m === 'once' || m === 'off')) {
      const t = topics.get(name);
      if (t !== undefined) {
        // `fired`: a `once` ran since Rust last heard, so it retires first (no call back here to ask).
        const once = m === 'once';
        wasm.acListen(t, takeFired(), fnId(fn), m === 'off' ? undefined : record(fn, once), once);
        return undefined;
      }
    }
    return wasm.ac(Array.from(arguments));
  };
}

/**
 * Reports an error a page listener threw: console.error (whatever it is *now*: error trackers wrap it) and a
 * `cxbridge:error` CustomEvent on window. Never throws: it runs in the middle of a dispatch.
 */
export function listenerThrew(source, event, error) {
  try {
    console.error(source + ": a '" + event + "' listener threw (the other listeners still ran):", error);
    window.dispatchEvent(new CustomEvent('cxbridge:error', { detail: { source, event, error } }));
  } catch (_) {
    // No window (a worker) or a console that throws: the error was reported as far as possible.
  }
}
