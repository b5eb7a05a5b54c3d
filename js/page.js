// Reading the values a page hands to cxbridge. A page value may be a Proxy whose traps throw, an object whose
// getters or toString throw, a revoked Proxy, or an array that claims 2^32 - 1 items. Page code that throws must
// never unwind through a wasm frame (docs/architecture.md, "Page values"), so the shell reads page values only
// through these functions: each either never throws, or is imported with `catch` and throws an Error that names
// what it was reading. Sizes are checked before anything is copied.

/** A thrown value as text, without running page code that could throw again. */
export function thrownText(err) {
  try {
    if (err instanceof Error) return String(err.message);
  } catch (_) {}
  const t = typeof err;
  if (t === 'string') return err;
  if (t === 'number' || t === 'boolean' || t === 'bigint' || err == null) return String(err);
  return `a thrown ${t === 'object' ? 'object' : t}`;
}

/** How many code points the string `v` has. Never throws. */
export function stringChars(v) {
  let n = 0;
  // eslint-disable-next-line no-unused-vars
  for (const _ of v) n++;
  return n;
}

/**
 * The first `limit` code points of the string `v` (never split inside one), read from no more than the `2 * limit`
 * UTF-16 units that can hold them. Never throws.
 */
export function stringHead(v, limit) {
  return Array.from(v.slice(0, 2 * limit)).slice(0, limit).join('');
}

/** `Array.isArray(v)`, false for a revoked Proxy (where Array.isArray throws). Never throws. */
export function isList(v) {
  try {
    return Array.isArray(v);
  } catch (_) {
    return false;
  }
}

/**
 * Whether `v` is a page's own data object: its prototype is an `Object.prototype` (of any frame) or null. Arrays,
 * functions, DOM nodes, typed arrays, Maps, class instances and `window` are not. Never throws (a Proxy whose
 * trap throws is not).
 */
export function isPlainObject(v) {
  if (v === null || typeof v !== 'object') return false;
  try {
    const p = Object.getPrototypeOf(v);
    return p === null || Object.getPrototypeOf(p) === null;
  } catch (_) {
    return false;
  }
}

/** The page's own error is the `cause`: a page can still find what its code threw. */
function readError(what, err) {
  return new Error(`reading ${what} threw: ${thrownText(err)}`, { cause: err });
}

function tooMany(what, n, max) {
  return new Error(`${what} has ${n} items; at most ${max} are read`);
}

/**
 * A page array's items, each passed through `f(item, path)`, as a plain array. Throws an Error naming the path
 * when it has more than `max` items or its length or an item cannot be read.
 */
export function mapList(v, what, max, f) {
  let n;
  try {
    n = v.length;
  } catch (err) {
    throw readError(`${what}.length`, err);
  }
  if (!(n <= max)) throw tooMany(what, n, max);
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    let item;
    try {
      item = v[i];
    } catch (err) {
      throw readError(`${what}[${i}]`, err);
    }
    out[i] = f(item, `${what}[${i}]`);
  }
  return out;
}

/**
 * A page array of strings as a plain array (`null` for an item that is not a string). Throws an Error naming
 * `what` when it is not an array, has more than `max` items, or cannot be read.
 */
export function stringList(v, what, max) {
  if (!isList(v)) throw new Error(`${what} must be an array`);
  return mapList(v, what, max, (item) => (typeof item === 'string' ? item : null));
}

/**
 * A copy of `v` whose arrays and objects, down to `depth` containers, are plain ones the page cannot intercept:
 * an array's items and an object's own enumerable string keys are read once, with every getter and Proxy trap
 * caught. Below `depth`, and for functions, the value itself is kept (the shell reads no further than that). At
 * most `maxItems` items or keys per container and `maxNodes` values in all. Throws an Error naming the path
 * (`data.events[0].customData`) that threw or was over a bound.
 */
export function plainCopy(v, what, depth, maxItems, maxNodes) {
  let nodes = 0;
  const copy = (x, path, left) => {
    if (++nodes > maxNodes) throw new Error(`${what} has more than ${maxNodes} values; at most ${maxNodes} are read`);
    if (x === null || (typeof x !== 'object' && typeof x !== 'function')) return x;
    if (typeof x === 'function' || left === 0) return x;
    if (isList(x)) return mapList(x, path, maxItems, (item, at) => copy(item, at, left - 1));
    let keys;
    try {
      keys = Object.keys(x);
    } catch (err) {
      throw readError(`the keys of ${path}`, err);
    }
    if (keys.length > maxItems) throw tooMany(path, keys.length, maxItems);
    const out = {};
    for (const k of keys) {
      let item;
      try {
        item = x[k];
      } catch (err) {
        throw readError(`${path}.${k}`, err);
      }
      // Defined as data: a key named __proto__ stays a key, never a prototype.
      Object.defineProperty(out, k, { value: copy(item, `${path}.${k}`, left - 1), enumerable: true, writable: true, configurable: true });
    }
    return out;
  };
  return copy(v, what, depth);
}

/**
 * `Object.assign(target, source)` for a page's `source` of at most `max` keys, throwing an Error that names `what`
 * when reading it throws or it has more keys.
 */
export function assignFrom(target, source, what, max) {
  let n;
  try {
    n = Object.keys(source).length;
  } catch (err) {
    throw readError(`the keys of ${what}`, err);
  }
  if (n > max) throw tooMany(what, n, max);
  try {
    return Object.assign(target, source);
  } catch (err) {
    throw readError(what, err);
  }
}

/**
 * `JSON.stringify(value)`, or undefined when it cannot be written (a cycle, a BigInt, a getter or toJSON that
 * throws) or would be longer than `limit` characters. The length is counted as the text is made and the work stops
 * at the limit, so a page's array that claims 2^32 - 1 items, or an object nested 100,000 deep, costs no more than
 * `limit` allows.
 */
export function boundedJson(value, limit) {
  let size = 0;
  try {
    return JSON.stringify(value, function (key, v) {
      size += key.length + (typeof v === 'string' ? v.length : 8);
      if (size > limit) throw RangeError('over the limit');
      return v;
    });
  } catch (_) {
    return undefined;
  }
}

/** `root` (`window` when absent) then each key of the dotted `path`; undefined when a step is not an object or its getter throws. */
export function globalAt(path, root) {
  let v = root === undefined ? globalThis : root;
  for (const key of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    try {
      v = v[key];
    } catch (_) {
      return undefined;
    }
  }
  return v;
}

/**
 * `console[level](...args)` for the shell's reports. Never throws: a page may have replaced `console` or one of its
 * methods with something that does, and no exception may unwind into the wasm.
 */
export function toConsole(level, ...args) {
  try {
    console[level](...args);
  } catch (_) {}
}

/**
 * Runs `f` in a microtask. A page may have replaced `queueMicrotask` with something that throws (this is called
 * from wasm frames, where no exception may unwind): then a promise job runs it, the same queue.
 */
export function soon(f) {
  try {
    queueMicrotask(f);
  } catch (_) {
    Promise.resolve().then(f);
  }
}

/**
 * `target.addEventListener(type, fn)`; returns the function that removes it. Called from wasm frames: a page whose
 * `addEventListener` throws gets a console error and nothing listens.
 */
export function listen(target, type, fn) {
  try {
    target.addEventListener(type, fn);
  } catch (err) {
    toConsole('error', `cxbridge: could not listen for ${type}:`, err);
  }
  return () => {
    try {
      target.removeEventListener(type, fn);
    } catch (_) {}
  };
}
