// Traps: every end-to-end spec must fail on a page error, an unhandled rejection or a wasm trap. The harness
// (tests/e2e/harness.mjs) does that for every page opened with its newPage() — including a page no test checked
// and a problem reported after a test's own check; eslint.config.js keeps specs from opening pages or browsers
// any other way. This spec makes sure the harness really catches each kind of trap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newPage, assertNoTraps, emulatorAndBrowser } from './harness.mjs';

let emu;
let browser;
emulatorAndBrowser({}, (e, b) => ([emu, browser] = [e, b]));

test('the harness catches a page error, an unhandled rejection and a wasm trap message', async () => {
  const page = await newPage(browser);
  await page.goto(`${emu.url}/tests/blank.html`);
  await page.evaluate(() => {
    setTimeout(() => {
      throw new Error('a page error');
    });
    Promise.reject(new Error('an unhandled rejection'));
    console.log('RuntimeError: unreachable executed');
    console.warn('recursive use of an object detected which would lead to unsafe aliasing in rust');
    console.info('closure invoked recursively or after being dropped');
    console.debug('Attempt to use a moved value');
  });
  await page.waitForTimeout(200);
  assert.throws(() => assertNoTraps(page), (err) => {
    for (const what of ['a page error', 'an unhandled rejection', 'unreachable', 'recursive use', 'closure invoked',
      'moved value']) {
      assert.match(err.message, new RegExp(what));
    }
    return true;
  });
  // Seen and judged: this page's traps were provoked on purpose.
  page.traps.length = 0;
  assertNoTraps(page);
});
