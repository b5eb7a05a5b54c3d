// The Genesys Widgets deferred: `done`, `fail`, `always`, `state` behave as the vendor's (jQuery-like: callbacks
// attached after settlement run at once, in attachment order), while `then` is a real Promise/A+ thenable, so
// `.then().then()` chains and `await` works (SPEC.md §2, "improve"). Kept in JS because it is created on every
// command and on every call queued before the wasm is ready; the bus's Rust shell constructs it through an import.

const PENDING = 'pending';

export class Deferred {
  constructor() {
    this._state = PENDING;
    this._value = undefined;
    this._done = [];
    this._fail = [];
    this.resolve = this.resolve.bind(this);
    this.reject = this.reject.bind(this);
  }

  state() {
    return this._state;
  }

  resolve(value) {
    this._settle('resolved', value);
    return this;
  }

  reject(reason) {
    this._settle('rejected', reason);
    return this;
  }

  _settle(state, value) {
    if (this._state !== PENDING) return;
    this._state = state;
    this._value = value;
    const list = state === 'resolved' ? this._done : this._fail;
    this._done = [];
    this._fail = [];
    for (const fn of list) callSafely(fn, value);
  }

  _add(which, fns) {
    for (const fn of fns.flat()) {
      if (typeof fn !== 'function') continue;
      if (this._state === PENDING) (which === 'resolved' ? this._done : this._fail).push(fn);
      else if (this._state === which) callSafely(fn, this._value);
    }
    return this;
  }

  done(...fns) {
    return this._add('resolved', fns);
  }

  fail(...fns) {
    return this._add('rejected', fns);
  }

  always(...fns) {
    this._add('resolved', fns);
    return this._add('rejected', fns);
  }

  then(onResolved, onRejected) {
    return new Promise((resolve, reject) => {
      this._add('resolved', [(v) => resolve(v)]);
      this._add('rejected', [(e) => reject(e)]);
    }).then(onResolved, onRejected);
  }

  catch(onRejected) {
    return this.then(undefined, onRejected);
  }

  promise() {
    return this;
  }
}

// A throwing done/fail callback must not stop the ones after it, nor vanish: it is reported asynchronously, as
// an uncaught error would be, so the page's error handlers see it.
function callSafely(fn, value) {
  try {
    fn(value);
  } catch (err) {
    queueMicrotask(() => {
      throw err;
    });
  }
}

/** Settles `target` as `source` settles; `source` may be a Deferred, a Promise or a plain value. */
export function follow(target, source) {
  if (source && typeof source.done === 'function' && typeof source.fail === 'function') {
    source.done(target.resolve).fail(target.reject);
  } else if (source && typeof source.then === 'function') {
    source.then(target.resolve, target.reject);
  } else {
    target.resolve(source);
  }
  return target;
}
