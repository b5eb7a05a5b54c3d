// js/embedded.js: the walk over a posted message that the embedded checks need. It answers with the codes it is
// handed (in the wasm, core::embedded's `Rejection` and `Found`); here each is a distinct string, so a test names
// the one it expects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyData, found, readName, readOptions } from '../../js/embedded.js';

const name = (msg, maxLen = 128) =>
  readName(msg, maxLen, 'smcc:', 'notAnObject', 'nameMissing', 'nameNotString', 'nameNotSmcc', 'nameMalformed', 'unreadable');
const copy = (msg, optional = false, maxDepth = 32, maxValues = 10000) =>
  copyData(msg, optional, maxDepth, maxValues, 'dataNotObject', 'tooDeep', 'tooLarge', 'notJson', 'unreadable');
const kind = (o, key) =>
  found(o, key, 'missing', 'undefined', 'null', 'boolean', 'number', 'string', 'array', 'object', 'other');

// The walk tells a failure from a copy by its type: the wasm hands it numbers. These stand-ins must be numbers too.
const codes = new Map();
const num = (s) => {
  if (!codes.has(s)) codes.set(s, 1000 + codes.size);
  return codes.get(s);
};
const why = (r) => [...codes].find(([, n]) => n === r)?.[0] ?? r;
const copyN = (msg, optional = false, maxDepth = 32, maxValues = 10000) =>
  why(copyData(msg, optional, maxDepth, maxValues, ...['dataNotObject', 'tooDeep', 'tooLarge', 'notJson', 'unreadable'].map(num)));

test('readName answers the name or the code of why not, never running a getter', () => {
  assert.equal(name({ name: 'smcc:task:ring' }), 'smcc:task:ring');
  assert.equal(name(null), 'notAnObject');
  assert.equal(name(['smcc:x']), 'notAnObject');
  assert.equal(name({}), 'nameMissing');
  assert.equal(name({ name: 3 }), 'nameNotString');
  let ran = false;
  const getter = Object.defineProperty({}, 'name', { get: () => ((ran = true), 'smcc:x') });
  assert.equal(name(getter), 'unreadable');
  assert.equal(ran, false);
  assert.equal(name({ name: 'smcc:' + 'a'.repeat(200) }), 'nameMalformed');
  assert.equal(name({ name: 'x'.repeat(200) }), 'nameNotSmcc');
  // Short names are the core's to judge.
  assert.equal(name({ name: 'other' }), 'other');
});

test('copyData bounds depth and size at their edges', () => {
  const deep = (n) => {
    let d = {};
    for (let i = 0; i < n; i++) d = { d };
    return { data: d };
  };
  assert.equal(typeof copyN(deep(32)), 'object');
  assert.equal(copyN(deep(33)), 'tooDeep');
  const cyclic = {};
  cyclic.self = cyclic;
  assert.equal(copyN({ data: cyclic }), 'tooDeep');
  // `data` is one value, `a` another: 9,998 items make 10,000.
  assert.equal(typeof copyN({ data: { a: new Array(9998).fill(1) } }), 'object');
  assert.equal(copyN({ data: { a: new Array(9999).fill(1) } }), 'tooLarge');
  // A container too wide to fit is refused before its items are read.
  const wide = new Proxy(new Array(20000), { get: (t, k) => (k === 'length' ? 20000 : assert.fail(`read ${String(k)}`)) });
  assert.equal(copyN({ data: { wide } }), 'tooLarge');
  assert.equal(copyN({ data: { a: 1 } }, false, 32, 1), 'tooLarge');
});

test('copyData copies JSON-like data by definition and refuses the rest', () => {
  const c = copy({ data: JSON.parse('{"__proto__": {"x": 1}, "a": [1, null, "s"]}') });
  assert.equal(Object.getPrototypeOf(c), Object.prototype);
  assert.deepEqual(Object.keys(c), ['__proto__', 'a']);
  assert.equal({}.x, undefined);
  for (const v of [() => {}, Symbol('s'), 10n, new Date(0), new Map()]) {
    assert.equal(copyN({ data: { v } }), 'notJson', String(typeof v));
  }
  assert.equal(copyN({ data: Object.defineProperty({}, 'g', { get: () => 1, enumerable: true }) }), 'unreadable');
  assert.equal(copyN({ data: 'x' }), 'dataNotObject');
  assert.equal(copyN({ data: [] }), 'dataNotObject');
  assert.equal(copyN({}), 'dataNotObject');
  assert.deepEqual(copy({}, true), {});
  assert.deepEqual(copy({ data: null }, true), {});
});

test('found names what a copy holds under a key', () => {
  const c = { u: undefined, n: null, b: true, x: 1, s: 's', a: [], o: {} };
  assert.deepEqual(
    ['nope', 'u', 'n', 'b', 'x', 's', 'a', 'o'].map((k) => kind(c, k)),
    ['missing', 'undefined', 'null', 'boolean', 'number', 'string', 'array', 'object'],
  );
  assert.equal(kind({ f: () => {} }, 'f'), 'other');
});

test('readOptions copies listen() options, or names the one of the wrong type', () => {
  assert.deepEqual(readOptions({ allowedOrigins: ['https://a.example', 3], debug: true }, 10), {
    allowAnyOrigin: false,
    debug: true,
    allowedOrigins: ['https://a.example', null],
  });
  assert.deepEqual(readOptions({ allowAnyOrigin: true }, 10), { allowAnyOrigin: true, debug: false, allowedOrigins: [] });
  assert.equal(readOptions(null, 10), 'options');
  assert.equal(readOptions({ allowedOrigins: 'https://a.example' }, 10), 'allowedOrigins');
  assert.throws(() => readOptions({ allowedOrigins: ['a', 'b'] }, 1), /^Error: cxbridge\.embedded\.listen: allowedOrigins/);
});
