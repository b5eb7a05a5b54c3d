// The ac() listeners as a dispatch sees them (src/web/ac.rs imports this). Rust's core::emitter decides who is
// subscribed, in which order, and what on/once/off did; each time that changes, Rust replaces the frozen array of
// a slot (one per event, one per topic) here. A dispatch is then ONE call across the wasm boundary that loops
// here, instead of one wasm→JS call per listener (which cost ~70 ns each, several times a listener's own cost).
//
// The dispatch rules are core::emitter's, kept by the records: a record removed (`off`) is marked dead and
// skipped even by a dispatch already under way (which reads `alive` only once something was removed); a list is replaced, never changed, so a listener added during
// a dispatch waits for the next; a `once` record is claimed (marked dead) before its call, so a nested dispatch
// cannot run it again, and Rust is told so that it retires the subscription.

const lists = [];
// How many records `off` has killed so far: a dispatch checks `alive` only once this moved since it started.
let kills = 0;

/** A subscription as the loop sees it. `fn` is called with `this` undefined, as before. */
export function record(fn, once) {
  return { fn, alive: true, once };
}

export function kill(r) {
  r.alive = false;
  kills++;
}

export function isAlive(r) {
  return r.alive;
}

/** Replaces the listeners of `slot` (Rust builds `recs` from the emitter's snapshot); `name` is for errors. */
export function setList(slot, recs, name) {
  const fns = new Array(recs.length);
  let hasOnce = false;
  for (let i = 0; i < recs.length; i++) {
    fns[i] = recs[i].fn;
    if (recs[i].once) hasOnce = true;
  }
  lists[slot] = Object.freeze({ recs: Object.freeze(recs), fns: Object.freeze(fns), hasOnce, name });
}

/** Calls the live listeners of `slot` with `payload`; 1 when a `once` fired (Rust then retires it), else 0. */
export function dispatch(slot, payload) {
  const list = lists[slot];
  const { recs, fns } = list;
  const n = fns.length;
  const k = kills;
  let fired = 0;
  let errors;
  let i = 0;
  // One try around the loop, re-entered after a throw, rather than one per call.
  while (i < n) {
    try {
      if (list.hasOnce) {
        for (; i < n; i++) {
          const r = recs[i];
          if (!r.alive) continue;
          if (r.once) {
            // Claimed before the call: a nested dispatch cannot run it again.
            r.alive = false;
            fired = 1;
          }
          const f = r.fn;
          f(payload);
        }
      } else {
        // Nothing was removed since this dispatch started (the usual case): no record to read.
        for (; i < n; i++) {
          if (kills !== k && !recs[i].alive) continue;
          const f = fns[i];
          f(payload);
        }
      }
    } catch (err) {
      (errors || (errors = [])).push(err);
      i++;
    }
  }
  // After every listener had its turn, in order.
  if (errors) for (const err of errors) listenerThrew('ac', list.name, err);
  return fired;
}

// ac('on'|'once'|'off', name, fn) for a name already parsed once: no string crosses into the wasm. `learn` is
// called by Rust with the topic's number once a name passed validation; a name never seen takes the slow path,
// which validates it and reports errors.
const topics = new Map();

export function learn(name, topic) {
  topics.set(name, topic);
}

/** `method | (topic + 1) << 2` (method 1 on, 2 once, 3 off) for a call the fast path can take, else 0. */
export function listenCode(args) {
  const m = args[0];
  const method = m === 'on' ? 1 : m === 'once' ? 2 : m === 'off' ? 3 : 0;
  if (method === 0 || typeof args[2] !== 'function') return 0;
  const t = topics.get(args[1]);
  return t === undefined ? 0 : method | ((t + 1) << 2);
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
