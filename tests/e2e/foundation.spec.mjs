// Foundation: the classic-script bundle loads from a plain <script> tag, defines its globals synchronously, and
// replays calls made before the wasm was ready, in order and exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newPage, assertNoTraps, emulatorAndBrowser } from './harness.mjs';

let emu;
let browser;
emulatorAndBrowser({}, (e, b) => ([emu, browser] = [e, b]));

test('a plain script tag defines the globals synchronously and replays queued calls after load', async () => {
  const page = await newPage(browser);
  await page.goto(`${emu.url}/tests/foundation.html`);
  assert.deepEqual(await page.evaluate(() => window.stubsPresent), { ac: true, CXBus: true, bus: true, cxbridge: true });
  const version = await page.evaluate(() => cxbridge.ready.then((api) => api.version));
  assert.match(version, /^\d+\.\d+\.\d+$/);
  await page.waitForFunction(() => window.log.length >= 4);
  // Allow a moment for any double replay to show itself.
  await page.waitForTimeout(100);
  assert.deepEqual(await page.evaluate(() => window.log), [
    '1:Command does not exist',
    '2:Command does not exist',
    '3:Command does not exist',
    '4',
  ]);
  await page.waitForFunction(() => window.early.length >= 6);
  assert.deepEqual(await page.evaluate(() => window.early), [
    'handled 1', 'done 1', 'handled 2', 'done 2', 'handled 3', 'then 3',
  ]);
  assertNoTraps(page);
});

test('the ESM entry loads with import() and touches no global', async () => {
  const page = await newPage(browser);
  await page.goto(`${emu.url}/tests/blank.html`);
  const result = await page.evaluate(async () => {
    const { load } = await import('/dist/cxbridge.mjs');
    const api = await load();
    const again = await load();
    return {
      same: api === again,
      version: api.version,
      hasCXBus: typeof api.CXBus.registerPlugin === 'function',
      globals: [typeof window.CXBus, typeof window.ac, typeof window.cxbridge],
    };
  });
  assert.equal(result.same, true);
  assert.match(result.version, /^\d+\.\d+\.\d+$/);
  assert.equal(result.hasCXBus, true);
  assert.deepEqual(result.globals, ['undefined', 'undefined', 'undefined']);
  assertNoTraps(page);
});

test('the demo page served by npm start loads the wasm and says it is ready', async () => {
  const page = await newPage(browser);
  await page.goto(`${emu.url}/`);
  await page.waitForSelector('[data-cxbridge-status="ready"]', { timeout: 15000 });
  assertNoTraps(page);
});

test('a call queued before load that fails gives its error to what the caller holds, and a dead handle only warns', async () => {
  const page = await newPage(browser);
  const warnings = [];
  page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
  await page.goto(`${emu.url}/tests/loader-queued-errors.html`);
  await page.evaluate(() => cxbridge.ready);
  await page.waitForFunction(() => window.results.cif && window.results.command);
  const results = await page.evaluate(() => window.results);
  assert.match(results.cif, /^rejected: .+/);
  assert.equal(results.command, 'rejected: Command does not exist');
  // The refused listen() left a dead handle: stop() warns instead of throwing.
  assert.equal(await page.evaluate(() => window.queuedHandle.stop()), false);
  assert.ok(warnings.some((w) => /handle whose creation was refused/.test(w)), warnings.join('\n'));
  // The listen() refusal itself was reported on the console, naming the problem.
  assert.ok(page.consoleErrors.some((e) => /allowedOrigins/.test(e)), page.consoleErrors.join('\n'));
  assertNoTraps(page, { allowConsoleErrors: [/allowedOrigins/] });
});
