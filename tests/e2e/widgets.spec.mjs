// Genesys Widgets' loader and lifecycle, as real pages use them: the vendor's "Developer Tools" snippet verbatim,
// a lazy-load page (loadFile, then loadPlugin('widgets-core')), extensions with ($, CXBus, Common), onReady
// before and after the bundle, a configuration assigned after the bundle, the bundle included twice, a wasm that
// cannot be loaded, and the UI commands a headless bridge cannot run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newPage, assertNoTraps, emulatorAndBrowser } from './harness.mjs';

let emu;
let browser;
emulatorAndBrowser({}, (e, b) => ([emu, browser] = [e, b]));

/** Starts a chat and ends it: proof that WebChatService runs with the configuration the page gave. */
async function chatRoundTrip(page) {
  return page.evaluate(async () => {
    const started = await CXBus.command('WebChatService.startChat', { nickname: 'Loader' }).then(
      () => 'started',
      (e) => `failed: ${e && (e.message || e.statusText || JSON.stringify(e))}`,
    );
    const session = await CXBus.command('WebChatService.getSessionData');
    await CXBus.command('WebChatService.endChat');
    return { started, conversation: typeof session.conversationId };
  });
}

test('the vendor snippet: loadPlugin resolves for what cxbridge provides and fails naming what it does not', async () => {
  const page = await newPage(browser);
  const vendorRequests = [];
  page.on('request', (req) => /mypurecloud/.test(req.url()) && vendorRequests.push(req.url()));
  await page.goto(`${emu.url}/tests/widgets-snippet.html`);
  await page.waitForFunction(() => Object.keys(window.results).length === 8);
  // Let a second onReady show itself if there were one.
  await page.waitForTimeout(100);
  const r = await page.evaluate(() => ({ results: window.results, readyCalls: window.readyCalls }));
  assert.deepEqual(r.readyCalls, [true], 'onReady once, with _genesys.widgets.bus');
  assert.equal(r.results.widgetsCore, 'done');
  assert.equal(r.results.webchatservice, 'done');
  assert.equal(r.results.cxWebchatService, 'done');
  assert.match(r.results.webchat, /^failed: cxbridge: CXBus\.loadPlugin\('webchat'\): cxbridge is headless .*'webchat'.*widgets-core, cxbus and webchatservice/);
  assert.match(r.results.sendmessageservice, /^failed: .*does not provide the Genesys Widgets plugin 'sendmessageservice'; it provides widgets-core/);
  assert.match(r.results.noName, /^failed: cxbridge: CXBus\.loadPlugin\(\) needs a plugin name/);
  assert.match(r.results.open, /^failed: cxbridge: WebChat\.open: cxbridge is headless .* UI plugin WebChat; it provides CXBus and WebChatService/);
  assert.match(r.results.callbackOpen, /^failed: cxbridge: Callback\.open: cxbridge is headless/);
  // The snippet's pluginsPath is the vendor's CDN: nothing is fetched from it.
  assert.deepEqual(vendorRequests, []);
  // The configuration given before the snippet drives WebChatService.
  assert.deepEqual(await chatRoundTrip(page), { started: 'started', conversation: 'string' });
  assertNoTraps(page);
});

test('lazy loading: loadFile runs the configuration file, then widgets-core starts with that configuration', async () => {
  const page = await newPage(browser);
  await page.goto(`${emu.url}/tests/widgets-lazy.html`);
  await page.waitForFunction(() => window.order.includes('widgets-core done') && Object.keys(window.results).length === 3);
  const r = await page.evaluate(() => ({
    order: window.order,
    results: window.results,
    bus: window._genesys.widgets.bus === window._genesys.widgets.bus && typeof window._genesys.widgets.bus.command,
  }));
  assert.deepEqual(r.order, ['config file ran', 'extension', 'onReady:true', 'widgets-core done']);
  assert.equal(r.bus, 'function', '_genesys.widgets.bus is on the configuration the file assigned');
  assert.equal(r.results.missingFile, 'failed: Could not load file: /tests/no-such-file.js');
  // The page's own plugin, from pluginsPath under the vendor's file name, is registered and answers.
  assert.equal(r.results.myPlugin, 'done');
  assert.equal(await page.evaluate(() => CXBus.command('MyLazyPlugin.hello', 'there')), 'hello there');
  assert.equal(r.results.missingPlugin, 'failed: Could not load plugin file: /tests/plugins/nosuchplugin.min.js');
  // A file is loaded once, as the vendor's loadFile does.
  const again = await page.evaluate(() =>
    CXBus.loadFile('/tests/widgets-lazy-config.js').then(() => 'done', (e) => e.message),
  );
  assert.match(again, /already loaded/);
  assert.deepEqual(await page.evaluate(() => window.order.filter((o) => o === 'config file ran').length), 1);
  // WebChatService runs with the configuration the file assigned after the bundle.
  assert.deepEqual(await chatRoundTrip(page), { started: 'started', conversation: 'string' });
  // The two missing files above, as the browser reports them.
  assertNoTraps(page, { allowConsoleErrors: [/Failed to load resource: .*404/] });
});

test('extensions get ($, CXBus, Common) once, before onReady; one that throws is reported and the rest run', async () => {
  const page = await newPage(browser);
  await page.goto(`${emu.url}/tests/widgets-extensions.html`);
  await page.waitForFunction(() => window.order.includes('TestExtension.ready') && window.seen.open);
  await page.waitForTimeout(100);
  const r = await page.evaluate(() => ({ order: window.order, seen: window.seen, common: window._genesys.widgets.common }));
  assert.deepEqual(r.order, ['Broken', 'Recorder', 'onReady', 'demo done', 'App.ready', 'TestExtension.ready']);
  assert.equal(typeof r.common, 'object', '_genesys.widgets.common is Common, as the vendor sets it');
  assert.deepEqual(r.seen.args, {
    jquery: true,
    cxbus: true,
    sanitized: '&lt;b&gt;"bold" & co&lt;/b&gt;',
    path: 7,
    created: 1,
    guid: true,
    generate: 'cxbridge: Common.Generate.Container builds Genesys Widgets UI, and cxbridge is headless',
  });
  assert.match(r.seen.open, /^cxbridge: WebChat\.open: cxbridge is headless/);
  assert.ok(page.consoleErrors.some((e) => /extensions\['Broken'\] threw/.test(e)), page.consoleErrors.join('\n'));
  assertNoTraps(page, { allowConsoleErrors: [/extensions\['Broken'\] threw/] });
});

for (const when of ['before', 'after']) {
  test(`onReady defined ${when} the bundle is called once, with _genesys.widgets.bus`, async () => {
    const page = await newPage(browser);
    await page.goto(`${emu.url}/tests/widgets-onready.html?when=${when}`);
    await page.evaluate(() => cxbridge.ready);
    await page.waitForTimeout(150);
    assert.deepEqual(await page.evaluate(() => window.readyCalls), [true]);
    // Loading widgets-core again does not call it again.
    await page.evaluate(() => CXBus.loadPlugin('widgets-core'));
    await page.waitForTimeout(50);
    assert.deepEqual(await page.evaluate(() => window.readyCalls), [true]);
    assertNoTraps(page);
  });
}

test('onReady assigned by an inline script parsed after the wasm was ready is still called', async () => {
  const page = await newPage(browser);
  // Hold the parser-blocking script back until the page says its wasm is ready.
  const wasmReady = page.waitForRequest(/wasm-ready/, { timeout: 15000 }).catch(() => {});
  await page.route('**/tests/widgets-slow.js', async (route) => {
    await wasmReady;
    await route.continue();
  });
  await page.goto(`${emu.url}/tests/widgets-onready-late-script.html`);
  await page.waitForTimeout(100);
  const r = await page.evaluate(() => ({ readyWhile: window.readyWhile, readyCalls: window.readyCalls }));
  assert.equal(r.readyWhile, 'loading', 'the wasm was ready while the document was still being parsed');
  assert.deepEqual(r.readyCalls, [true]);
  assertNoTraps(page);
});

test('a page that loads another plugin early still gets widgets-core started by itself', async () => {
  const page = await newPage(browser);
  await page.goto(`${emu.url}/tests/widgets-onready.html?when=before&loads=1`);
  await page.evaluate(() => cxbridge.ready);
  await page.waitForTimeout(150);
  assert.deepEqual(await page.evaluate(() => [window.readyCalls, window.cxbusLoaded]), [[true], 'done']);
  assertNoTraps(page);
});

test('a configuration assigned after widgets-core started by itself is used when the page loads widgets-core', async () => {
  const page = await newPage(browser);
  await page.goto(`${emu.url}/tests/widgets-onready.html?when=late`);
  await page.waitForFunction(() => window.coreLoaded === true);
  const r = await page.evaluate(() => ({
    readyCalls: window.readyCalls,
    serviceBefore: window.serviceBefore,
    bus: typeof window._genesys.widgets.bus.command,
  }));
  // Before: WebChatService is there but not configured (the page had configured none when the wasm booted).
  assert.match(r.serviceBefore, /^WebChatService is not configured: _genesys\.widgets\.webchat\.transport is missing/);
  assert.deepEqual(r.readyCalls, [true]);
  assert.equal(r.bus, 'function');
  assert.deepEqual(await chatRoundTrip(page), { started: 'started', conversation: 'string' });
  assertNoTraps(page);
});

test('the bundle included twice keeps working, and nothing queued between the two tags is lost', async () => {
  const page = await newPage(browser);
  const warnings = [];
  page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
  await page.goto(`${emu.url}/tests/widgets-double.html`);
  await page.waitForFunction(() => window.log.length >= 4);
  await page.waitForTimeout(100);
  const log = await page.evaluate(() => window.log);
  assert.deepEqual([...log].sort(), ['echo 1', 'echo 2', 'offered twice-map', 'onReady true']);
  assert.ok(log.indexOf('echo 1') < log.indexOf('echo 2'), log.join(', '));
  assert.ok(warnings.some((w) => /loaded twice/.test(w)), warnings.join('\n'));
  assert.equal(await page.evaluate(() => typeof window.ac.q.push), 'function');
  // A copy included long after the first was ready (a Journey snippet's async tag) also takes back a replaced `ac`
  // (its queued calls included) and a replaced `_genesys`.
  const late = await page.evaluate(async () => {
    window.ac = function () { (window.ac.q = window.ac.q || []).push(arguments); };
    ac('on', 'webchat:offered', (e) => window.log.push('late ' + e.actionMapId));
    window._genesys = { widgets: {} };
    const s = document.createElement('script');
    s.src = '/dist/cxbridge.js';
    await new Promise((r) => {
      s.onload = r;
      document.head.appendChild(s);
    });
    ac('offer', { mediaType: 'webchat', actionMapId: 'late-map', actionMapVersion: 1 });
    await new Promise((r) => setTimeout(r, 50));
    return { log: window.log.filter((l) => l.startsWith('late')), bus: typeof window._genesys.widgets.bus?.command };
  });
  assert.deepEqual(late, { log: ['late late-map'], bus: 'function' });
  assertNoTraps(page);
});

for (const [name, fulfil, cause] of [
  ['a 404', { status: 404, body: 'not here' }, /404/],
  ['bytes that do not compile', { status: 200, contentType: 'application/wasm', body: 'this is not wasm' }, /CompileError|magic|expected/i],
]) {
  test(`a wasm that fails to load (${name}): every queued call fails naming the URL and the cause`, async () => {
    const page = await newPage(browser);
    await page.route('**/dist/cxbridge_bg.wasm', (route) => route.fulfill(fulfil));
    await page.goto(`${emu.url}/tests/widgets-wasm-fail.html`);
    await page.waitForFunction(() => window.results.after && window.results.cif);
    const r = await page.evaluate(() => window.results);
    const named = new RegExp(`cxbridge: could not load ${emu.url}/dist/cxbridge_bg\\.wasm: `);
    for (const key of ['command', 'busCommand', 'loadPlugin', 'pluginCommand', 'after']) {
      assert.match(r[key], /^failed: /, key);
      assert.match(r[key], named, key);
      assert.match(r[key], cause, key);
    }
    assert.match(r.cif, /^rejected: cxbridge: could not load .*cxbridge_bg\.wasm/);
    assert.match(r.cifShim, /^rejected: cxbridge: could not load .*cxbridge_bg\.wasm/);
    assert.match(r.ready, /^rejected: cxbridge: could not load .*cxbridge_bg\.wasm/);
    assert.match(r.ready, cause);
    assertNoTraps(page, { allowConsoleErrors: [/could not load/, /Failed to load resource/] });
  });
}

test('after a failed load, including the bundle again loads it afresh', async () => {
  const page = await newPage(browser);
  let failing = true;
  await page.route('**/dist/cxbridge_bg.wasm', (route) => (failing ? route.fulfill({ status: 404 }) : route.continue()));
  await page.goto(`${emu.url}/tests/widgets-wasm-fail.html`);
  await page.waitForFunction(() => window.results.after);
  failing = false;
  const r = await page.evaluate(async () => {
    const s = document.createElement('script');
    s.src = '/dist/cxbridge.js';
    await new Promise((resolve) => {
      s.onload = resolve;
      document.head.appendChild(s);
    });
    await window.cxbridge.ready;
    const p = CXBus.registerPlugin('Again');
    p.registerCommand('ping', (e) => e.deferred.resolve('pong'));
    p.ready();
    return { ping: await CXBus.command('Again.ping'), bus: await _genesys.widgets.bus.command('Again.ping') };
  });
  assert.deepEqual(r, { ping: 'pong', bus: 'pong' });
  assertNoTraps(page, { allowConsoleErrors: [/could not load/, /Failed to load resource/] });
});

test('the ESM load() rejects naming the cause when the wasm fails, and the next load() retries', async () => {
  const page = await newPage(browser);
  await page.goto(`${emu.url}/tests/blank.html`);
  let failing = true;
  await page.route('**/dist/cxbridge_bg.wasm', (route) => (failing ? route.fulfill({ status: 404 }) : route.continue()));
  const first = await page.evaluate(async () => {
    const { load } = await import('/dist/cxbridge.mjs');
    return load().then(() => 'loaded', (e) => e.message);
  });
  assert.match(first, /^cxbridge: could not load .*cxbridge_bg\.wasm: .*404/);
  failing = false;
  const second = await page.evaluate(async () => {
    const { load } = await import('/dist/cxbridge.mjs');
    const api = await load();
    const same = (await load()) === api;
    return { same, plugin: typeof api.CXBus.registerPlugin, core: await api.CXBus.loadPlugin('widgets-core').then(() => 'done') };
  });
  assert.deepEqual(second, { same: true, plugin: 'function', core: 'done' });
  assertNoTraps(page, { allowConsoleErrors: [/Failed to load resource/] });
});
