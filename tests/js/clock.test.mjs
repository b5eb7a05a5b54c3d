// js/clock.js: the shell's timers. They arm and clear real timers, and never throw even when a page replaced
// setTimeout or clearTimeout with something that does (no exception may unwind into the wasm).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { armTimer, clearTimer } from '../../js/clock.js';

test('armTimer calls back once after the delay; clearTimer cancels it', async () => {
  let fired = 0;
  const handle = armTimer(() => fired++, 5);
  assert.notEqual(handle, undefined);
  const cancelled = armTimer(() => fired++, 5);
  clearTimer(cancelled);
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(fired, 1);
});

test('a page that replaced setTimeout and clearTimeout with throwing ones gets no timer, and no exception', () => {
  const { setTimeout: st, clearTimeout: ct } = globalThis;
  globalThis.setTimeout = () => {
    throw new Error('page setTimeout');
  };
  globalThis.clearTimeout = () => {
    throw new Error('page clearTimeout');
  };
  try {
    assert.equal(armTimer(() => {}, 1), undefined);
    assert.doesNotThrow(() => clearTimer(42));
  } finally {
    globalThis.setTimeout = st;
    globalThis.clearTimeout = ct;
  }
});
