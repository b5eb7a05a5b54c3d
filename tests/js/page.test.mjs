// js/page.js: how cxbridge reads a page's values. Each function either never throws or throws an Error that names
// what it was reading; sizes are refused before anything is copied.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assignFrom, boundedJson, isList, isPlainObject, plainCopy, stringList, thrownText, toConsole } from '../../js/page.js';

const boom = () => {
  throw new Error('boom');
};
const revoked = () => {
  const r = Proxy.revocable([], {});
  r.revoke();
  return r.proxy;
};

test('isList and isPlainObject never throw', () => {
  assert.equal(isList([1]), true);
  assert.equal(isList(revoked()), false);
  assert.equal(isList(new Proxy([], {})), true);
  assert.equal(isPlainObject({}), true);
  assert.equal(isPlainObject(Object.create(null)), true);
  for (const v of [[], new Uint8Array(2), new Map(), new Date(0), () => {}, null, 'x', new (class A {})()]) {
    assert.equal(isPlainObject(v), false, String(v));
  }
  assert.equal(isPlainObject(new Proxy({}, { getPrototypeOf: boom })), false);
});

test('thrownText reads a thrown value without running its code', () => {
  assert.equal(thrownText(new Error('m')), 'm');
  assert.equal(thrownText('s'), 's');
  assert.equal(thrownText(3), '3');
  assert.equal(thrownText({ toString: boom }), 'a thrown object');
  assert.equal(thrownText(new Proxy({}, { getPrototypeOf: boom })), 'a thrown object');
  assert.equal(thrownText(Symbol('x')), 'a thrown symbol');
});

test('stringList copies strings, refuses what it cannot read or what is too long, naming it', () => {
  assert.deepEqual(stringList(['a', 1, null], 'names', 5), ['a', null, null]);
  assert.throws(() => stringList('a', 'names', 5), /^Error: names must be an array$/);
  assert.throws(() => stringList(new Array(2 ** 32 - 1), 'names', 5), /names has 4294967295 items; at most 5 are read/);
  const arr = ['a', 'b'];
  Object.defineProperty(arr, 1, { get: boom });
  assert.throws(() => stringList(arr, 'names', 5), /reading names\[1\] threw: boom/);
  assert.throws(() => stringList(new Proxy([], { get: boom }), 'names', 5), /reading names.length threw: boom/);
});

test('plainCopy copies plain data, names the path that threw, and bounds sizes', () => {
  const src = { a: [1, { b: 'x' }], f: boom };
  const copy = plainCopy(src, 'data', 3, 10, 100);
  assert.deepEqual(copy, { a: [1, { b: 'x' }], f: boom });
  assert.notEqual(copy.a, src.a);
  const bad = { events: [{ get customData() { throw new Error('no'); } }] };
  assert.throws(() => plainCopy(bad, 'data', 4, 10, 100), /reading data.events\[0\].customData threw: no/);
  assert.throws(() => plainCopy(new Proxy({}, { ownKeys: boom }), 'options', 2, 10, 100), /reading the keys of options threw: boom/);
  assert.throws(() => plainCopy({ a: new Array(11).fill(0) }, 'data', 3, 10, 100), /data.a has 11 items/);
  assert.throws(() => plainCopy(new Array(10).fill([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 'data', 3, 10, 50), /more than 50 values/);
  // A key named __proto__ stays a key.
  const proto = JSON.parse('{"__proto__": {"polluted": true}}');
  const c = plainCopy(proto, 'data', 3, 10, 100);
  assert.equal(Object.getPrototypeOf(c), Object.prototype);
  assert.deepEqual(Object.keys(c), ['__proto__']);
  // Below depth, the value itself is kept: the reader goes no further.
  const deep = { a: { b: { c: {} } } };
  assert.equal(plainCopy(deep, 'data', 1, 10, 100).a, deep.a);
});

test('assignFrom names what it could not read and refuses too many keys', () => {
  assert.deepEqual(assignFrom({ a: 1 }, { b: 2 }, 'userData', 10), { a: 1, b: 2 });
  assert.throws(() => assignFrom({}, { get x() { throw new Error('g'); } }, 'userData', 10), /reading userData threw: g/);
  assert.throws(() => assignFrom({}, { a: 1, b: 2, c: 3 }, 'userData', 2), /userData has 3 items; at most 2 are read/);
});

test('boundedJson writes JSON, and gives up on cycles, BigInts and sizes over the limit without writing them out', () => {
  assert.equal(boundedJson({ a: [1, 'x'] }, 100), '{"a":[1,"x"]}');
  const cyclic = {};
  cyclic.self = cyclic;
  assert.equal(boundedJson(cyclic, 100), undefined);
  assert.equal(boundedJson({ n: 1n }, 100), undefined);
  assert.equal(boundedJson({ s: 'x'.repeat(200) }, 100), undefined);
  // An array claiming 2^32 - 1 items: the writing stops near the limit instead of reading every index.
  let read = 0;
  const huge = new Proxy(new Array(2 ** 32 - 1), {
    get: (t, k) => (typeof k === 'string' && /^\d+$/.test(k) && read++, Reflect.get(t, k)),
  });
  assert.equal(boundedJson(huge, 1000), undefined);
  assert.ok(read < 200, `${read} items were read`);
});

test('toConsole writes to the console, and never throws though the page broke it', () => {
  const saved = console.warn;
  const seen = [];
  try {
    console.warn = (...args) => seen.push(args);
    toConsole('warn', 'a', 1);
    assert.deepEqual(seen, [['a', 1]]);
    console.warn = () => {
      throw new Error('page logger');
    };
    assert.doesNotThrow(() => toConsole('warn', 'b'));
    assert.doesNotThrow(() => toConsole('no-such-level', 'c'));
  } finally {
    console.warn = saved;
  }
});
