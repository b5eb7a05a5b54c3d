// Hostile callers: every public JS entry point — ac(), CXBus.*, a plugin handle, _genesys.widgets.bus,
// WebChatService's commands, handlers and subscribers that answer or throw wrong values, cxbridge.embedded.* and
// cxbridge.analytics.* — driven with undefined, null, numbers, BigInt, strings (empty, 1 MB), symbols, objects
// whose getters throw, cyclic objects and arrays, Proxies that throw on every trap, a revoked Proxy. Each call
// must end in a clear answer (a thrown Error with a message, a rejected deferred or promise with a message, or a
// return value plus a console message as the API documents), never a trap, never a silent hang; and afterwards
// every area must still work (a wasm trap would have left the module unusable).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newPage, assertNoTraps, TRAP, emulatorAndBrowser } from './harness.mjs';

let emu;
let browser;
emulatorAndBrowser({ env: { CXBRIDGE_AGENT_DELAY_MS: '200' } }, (e, b) => ([emu, browser] = [e, b]));

test('every public entry point answers wrong types with a clear error, never a trap', async () => {
  const page = await newPage(browser);
  await page.goto(`${emu.url}/tests/reliability.html`);
  const results = await page.evaluate(() => window.hostile());

  // Enough calls to mean something: every entry point times every hostile value.
  assert.ok(results.length > 2000, `only ${results.length} calls were made`);
  const areas = ['ac(', 'CXBus.', '_genesys.widgets.bus.', 'plugin.', "command('WebChatService.", 'handler ',
    'publish to a subscriber', 'embedded.', 'analytics.'];
  for (const a of areas) assert.ok(results.some((r) => r.label.startsWith(a)), `no call covers ${a}`);

  const problems = [];
  for (const r of results) {
    if (TRAP.test(r.message)) problems.push(`${r.label}: trap "${r.message}"`);
    // The page's own values come back as they were given (a handler that rejects with '' rejects with '').
    const ownValue = r.label.startsWith('handler ');
    if (r.kind === 'threw' && !ownValue && !(r.error && r.message)) {
      problems.push(`${r.label}: threw something that is not an Error with a message: ${JSON.stringify(r)}`);
    }
    if (r.kind === 'rejected' && !ownValue && !r.message) {
      problems.push(`${r.label}: rejected without a message`);
    }
    if (r.kind === 'pending') problems.push(`${r.label}: never settled (a silent drop)`);
  }
  assert.deepEqual(problems, [], problems.slice(0, 40).join('\n'));

  // Still alive: each area answers a normal call after all that.
  const sanity = await page.evaluate(() => window.sanity());
  assert.equal(sanity.ac, true);
  assert.match(sanity.command, /^pong:x$/);
  assert.match(sanity.quickBus, /^pong:y$/);
  assert.equal(sanity.embedded, true);
  assert.equal(sanity.cif, 'string');
  assert.ok(sanity.session === 'resolved' || sanity.session.startsWith('rejected: '), sanity.session);

  // Console errors are how ac() and the bus report a bad call: each names who reports it. A 1 MB message is
  // refused by the server (400), which the browser logs itself.
  const unexplained = page.consoleErrors.filter(
    (t) => !/^(ac\(|cxbridge|WebChatService|logAnalyticsEvent|Failed to load resource: the server responded with a status of 400)/.test(t),
  );
  assert.deepEqual(unexplained.slice(0, 10), []);
  // A done/fail callback that throws is the page's own bug: the vendor Deferred runs the other callbacks and
  // rethrows it asynchronously so it is not lost. Those, and only those, are expected page errors here.
  page.traps = page.traps.filter((t) => !/^pageerror: hostile (callback|callable proxy)$/.test(t));
  assertNoTraps(page, { allowConsoleErrors: [/./] });
});

test('the same hostile values queued before the wasm is ready are replayed without a trap', async () => {
  // Calls made while the stubs queue: hostile values must survive the replay, and the replay must not stop at
  // the first one that throws.
  const page = await newPage(browser);
  await page.route('**/dist/cxbridge_bg.wasm', async (route) => {
    await new Promise((r) => setTimeout(r, 300));
    await route.continue();
  });
  await page.goto(`${emu.url}/tests/blank.html`);
  const out = await page.evaluate(async () => {
    const s = document.createElement('script');
    s.src = '/dist/cxbridge.js';
    const loaded = new Promise((r) => s.addEventListener('load', r));
    document.head.appendChild(s);
    await loaded;
    const cyclic = {};
    cyclic.self = cyclic;
    const proxy = new Proxy({}, { get() { throw new Error('hostile proxy get'); } });
    const early = [];
    for (const v of [undefined, null, 42, '', cyclic, proxy, Symbol('s')]) {
      try { window.ac(v, v); } catch (e) { early.push('ac threw ' + e.message); }
      try { window.CXBus.command(v, v).fail(() => early.push('command failed')); } catch (e) { early.push('command threw ' + e.message); }
      try { window.cxbridge.analytics.logAnalyticsEvent(v, v, v).catch(() => early.push('cif rejected')); } catch (e) { early.push('cif threw ' + e.message); }
      try { window.cxbridge.embedded.on(v, v); } catch (e) { early.push('on threw ' + e.message); }
    }
    const api = await window.cxbridge.ready;
    const p = window.CXBus.registerPlugin('AfterReplay');
    p.registerCommand('ok', (e) => e.deferred.resolve('ok'));
    p.ready();
    const after = await window.CXBus.command('AfterReplay.ok');
    await new Promise((r) => setTimeout(r, 100));
    return { after, early, version: api.version };
  });
  assert.equal(out.after, 'ok');
  assert.equal(out.early.filter((e) => e === 'command failed').length, 7, JSON.stringify(out.early));
  assert.equal(out.early.filter((e) => e === 'cif rejected').length, 7, JSON.stringify(out.early));
  for (const e of out.early) assert.doesNotMatch(e, TRAP);
  assertNoTraps(page, { allowConsoleErrors: [/^ac\(|cxbridge/] });
});

test('hostile configuration globals: the bundle still loads, reports them, and works', async () => {
  // What a page (or a script before it) may have put in the globals cxbridge reads at load: getters that throw,
  // Proxies, cyclic objects, wrong types, a throwing or non-function onReady, a broken Journey snippet queue.
  const variants = {
    'throwing getters': () => {
      const w = {};
      for (const k of ['webchat', 'main', 'onReady', 'bus']) {
        Object.defineProperty(w, k, { enumerable: true, get() { throw new Error('hostile getter: ' + k); } });
      }
      window._genesys = { widgets: w };
      window._genesysJourneySdk = 'ac';
      window.ac = { q: new Proxy([], { get() { throw new Error('hostile queue'); } }) };
    },
    'proxies and cycles': () => {
      const cyclic = { type: 'purecloud-v2-sockets' };
      cyclic.transport = cyclic;
      cyclic.dataURL = cyclic;
      window._genesys = {
        widgets: {
          webchat: { transport: cyclic, userData: cyclic },
          main: new Proxy({}, { get() { throw new Error('hostile proxy'); } }),
          onReady: () => { throw new Error('hostile onReady'); },
        },
      };
      window._genesysJourneySdk = 42;
    },
    'wrong types': () => {
      window._genesys = { widgets: { webchat: 'webchat', main: 7, onReady: 'not a function' } };
      window._genesysJourneySdk = { not: 'a name' };
      window.ac = function () {};
      window.ac.q = 'not an array';
    },
  };
  for (const [name, setup] of Object.entries(variants)) {
    const page = await newPage(browser);
    await page.goto(`${emu.url}/tests/blank.html`);
    const out = await page.evaluate(async (src) => {
      (0, eval)(`(${src})()`);
      const s = document.createElement('script');
      s.src = '/dist/cxbridge.js';
      const loaded = new Promise((r) => s.addEventListener('load', r));
      document.head.appendChild(s);
      await loaded;
      const api = await window.cxbridge.ready;
      const p = window.CXBus.registerPlugin('AfterHostileConfig');
      p.registerCommand('ok', (e) => e.deferred.resolve('ok'));
      p.ready();
      return { version: api.version, ok: await window.CXBus.command('AfterHostileConfig.ok') };
    }, setup.toString());
    assert.equal(out.ok, 'ok', name);
    // The page's own throwing onReady surfaces as its own error; anything else would be cxbridge's.
    page.traps = page.traps.filter((t) => !/^pageerror: hostile onReady$/.test(t));
    for (const t of page.traps) assert.doesNotMatch(t, TRAP, name);
    assertNoTraps(page, { allowConsoleErrors: [/./] });
  }
});
