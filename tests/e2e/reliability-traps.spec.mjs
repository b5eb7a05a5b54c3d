// Traps: every end-to-end spec must fail on a page error, an unhandled rejection or a wasm trap. The harness
// (tests/e2e/harness.mjs) does that for every page opened with its newPage() — including a page no test checked
// and a problem reported after a test's own check. This spec makes sure no spec goes around it, and that the
// harness really catches each kind of trap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { newPage, assertNoTraps, root, emulatorAndBrowser } from './harness.mjs';

test('every spec opens its pages and browsers through the harness', () => {
  const dir = join(root, 'tests/e2e');
  const problems = [];
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.spec.mjs'))) {
    const src = readFileSync(join(dir, f), 'utf8');
    if (/\.\s*newPage\s*\(|\bnewContext\s*\(|chromium\s*\.\s*launch/.test(src)) {
      problems.push(`${f}: opens a page or browser itself (use newPage(context) / launchBrowser() from harness.mjs)`);
    }
    if (/\bnewPage\s*\(/.test(src) && !/\bassertNoTraps\s*\(/.test(src)) {
      problems.push(`${f}: opens pages but never calls assertNoTraps`);
    }
  }
  assert.deepEqual(problems, []);
});

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
