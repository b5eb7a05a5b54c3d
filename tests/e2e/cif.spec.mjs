// CIF as CIF pages use it: a Dynamics 365 channel-integration widget written against Microsoft's library (waits for
// CIFInitDone, then calls Microsoft.CIFramework.logAnalyticsEvent without conversationId, as Microsoft's sample
// does) works on cxbridge alone; and Microsoft's library, present before cxbridge, in the next tag or loaded later,
// wins (tests/pages/cif-library.js stands in for it, with the shape the shipped one has).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newPage, assertNoTraps, emulatorAndBrowser } from './harness.mjs';

let emu;
let browser;
emulatorAndBrowser({}, (e, b) => ([emu, browser] = [e, b]));

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const CLICK_TO_ACT =
  "pageerror: Microsoft.CIFramework.setClickToAct: cxbridge provides only logAnalyticsEvent; setClickToAct needs Microsoft's CIF library in Dynamics 365";

/**
 * Waits until tests/pages/cif-widget.html has set itself up, and takes the one page error that set-up causes by
 * design: the widget calls setClickToAct(true) without handling its promise, as Microsoft's sample does.
 */
async function widgetSetUp(page) {
  await page.waitForFunction(() => window.widgetReady === true);
  for (let i = 0; i < 100 && !page.traps.includes(CLICK_TO_ACT); i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(page.traps, [CLICK_TO_ACT]);
  page.traps = [];
}

async function open(path) {
  const page = await newPage(browser);
  page.warnings = [];
  page.on('console', (m) => m.type() === 'warning' && page.warnings.push(m.text()));
  await page.goto(`${emu.url}/tests/${path}`);
  return page;
}

test('a CIF widget waiting for CIFInitDone logs its hold events through cxbridge, before analytics is configured', async () => {
  const page = await open('cif-widget.html');
  await widgetSetUp(page);
  await page.click('.holdCall');
  await page.click('.holdCall');
  await page.waitForFunction(() => logged.length === 2);
  const logged = await page.evaluate(() => logged);
  // Resolved with the envelope ids, though nothing has configured analytics yet.
  assert.deepEqual(logged.map((l) => l.slice(0, 2)), [['ok', 'CallHold'], ['ok', 'CallUnhold']]);
  for (const [, , id] of logged) assert.match(id, UUID);
  // CIFInitDone: once, on window, a CustomEvent with Microsoft's detail shape (the Dynamics origins: none here),
  // also for the listeners added after the script tag and on DOMContentLoaded.
  const init = await page.evaluate(() => ({ initDone, later }));
  assert.deepEqual(init, { initDone: [{ type: 'CIFInitDone', isEvent: true, detail: [] }], later: { script: 1, ready: 1 } });
  // The ids the sample leaves out are named in a warning, once per call.
  const missing = page.warnings.filter((w) => w.startsWith('logAnalyticsEvent: '));
  assert.deepEqual(missing, [
    "logAnalyticsEvent: event 'CallHold' is recorded without data.conversationId, data.providerSessionId (missing or empty), which the CIF data structure expects: Dynamics 365 asks for conversationId and providerSessionId in every event",
    "logAnalyticsEvent: event 'CallUnhold' is recorded without data.conversationId, data.providerSessionId (missing or empty), which the CIF data structure expects: Dynamics 365 asks for conversationId and providerSessionId in every event",
  ]);
  // The site's tag manager configures analytics later: the held events arrive under the ids the page was given.
  await page.evaluate(() => cxbridge.analytics.configure({ dataLayer: true }));
  await page.waitForFunction(() => (window.dataLayer || []).filter((e) => /^cxbridge\.CIF\./.test(e.event)).length === 2);
  const pushed = await page.evaluate(() => dataLayer.filter((e) => /^cxbridge\.CIF\./.test(e.event)));
  assert.deepEqual(pushed.map((e) => [e.event, e.id]), [
    ['cxbridge.CIF.CallHold', logged[0][2]],
    ['cxbridge.CIF.CallUnhold', logged[1][2]],
  ]);
  assert.deepEqual(pushed[0].data, { events: [{ kpiEventName: 'CallHold', kpiEventReason: 'CallHold' }] });
  // installCifShim() says the shim is cxbridge's, and asking again raises no second CIFInitDone.
  assert.equal(await page.evaluate(() => cxbridge.analytics.installCifShim()), true);
  await page.waitForTimeout(50);
  assert.equal(await page.evaluate(() => initDone.length), 1);
  // The widget's other CIF calls did not stop it (no TypeError): it made its phone. The handlers are said never
  // to be called (setClickToAct's promise, which the widget does not handle, rejected naming what it needs: see
  // widgetSetUp).
  assert.deepEqual(await page.evaluate(() => window.phone), { state: 'idle' });
  const needs = "cxbridge provides only logAnalyticsEvent; addHandler needs Microsoft's CIF library in Dynamics 365";
  assert.deepEqual(page.warnings.filter((w) => w.startsWith('Microsoft.CIFramework.')), [
    `Microsoft.CIFramework.addHandler: ${needs}; the 'onPresenceChange' handler is never called without it`,
    `Microsoft.CIFramework.addHandler: ${needs}; the 'onclicktoact' handler is never called without it`,
    `Microsoft.CIFramework.addHandler: ${needs}; the 'onmodechanged' handler is never called without it`,
  ]);
  assertNoTraps(page);
  await page.close();
});

test('logAnalyticsEvent rejects a missing argument or a wrong type naming the field, and never stays pending', async () => {
  const page = await open('cif-widget.html');
  const outcomes = await page.evaluate(async () => {
    const log = (...a) =>
      Microsoft.CIFramework.logAnalyticsEvent(...a).then(
        (id) => `resolved ${typeof id}`,
        (e) => `${e instanceof Error} ${e.message}`,
      );
    // Called at once, before the wasm has loaded and before anything configured analytics.
    const early = await Promise.all([
      log(undefined, 'E'),
      log('a string', 'E'),
      log([], 'E'),
      log({ conversationId: 7, providerSessionId: 'p' }, 'E'),
      log({ events: [{ kpiEventName: 'A', customData: {} }] }, 'E'),
      log({ conversationId: 'c', providerSessionId: 'p' }),
      log({ conversationId: 'c', providerSessionId: 'p' }, 'E', 42),
      log({ conversationId: 'c', providerSessionId: 'p' }, 'E'),
    ]);
    await cxbridge.ready;
    // The rest of the namespace answers without a TypeError: the Promise methods reject naming what they need.
    const others = await Promise.all(
      ['getEnvironment', 'searchAndOpenRecords', 'setMode'].map((m) => Microsoft.CIFramework[m]().catch((e) => e.message)),
    );
    // Once analytics leaves CIF out, a call says so.
    cxbridge.analytics.configure({ dataLayer: true, sources: ['ac'] });
    const excluded = await log({ conversationId: 'c', providerSessionId: 'p' }, 'E');
    return { early, excluded, others };
  });
  assert.deepEqual(outcomes, {
    early: [
      'true logAnalyticsEvent: data is required',
      'true logAnalyticsEvent: data must be an object, got string',
      'true logAnalyticsEvent: data must be an object, got array',
      'true logAnalyticsEvent: data.conversationId must be a string, got number',
      'true logAnalyticsEvent: data.events[0].customData must be an array, got object',
      'true logAnalyticsEvent: eventName is required',
      'true logAnalyticsEvent: correlationId must be a string (a GUID), got number',
      'resolved string',
    ],
    excluded: "true logAnalyticsEvent: CIF events are not delivered: configure({sources}) leaves out 'CIF'",
    others: ['getEnvironment', 'searchAndOpenRecords', 'setMode'].map(
      (m) => `Microsoft.CIFramework.${m}: cxbridge provides only logAnalyticsEvent; ${m} needs Microsoft's CIF library in Dynamics 365`,
    ),
  });
  // A rejected call is not recorded, so it warns about nothing; the calls that resolved had every expected field.
  assert.deepEqual(page.warnings.filter((w) => w.startsWith('logAnalyticsEvent: ')), []);
  await widgetSetUp(page);
  assertNoTraps(page);
  await page.close();
});

test('a page whose console.warn throws still has its events recorded, call after call', async () => {
  const page = await open('cif-widget.html');
  const ids = await page.evaluate(async () => {
    await cxbridge.ready;
    console.warn = () => {
      throw new Error('a console that throws');
    };
    const out = [];
    for (let i = 0; i < 3; i++) out.push(await Microsoft.CIFramework.logAnalyticsEvent({ events: [] }, 'NoIds'));
    return out;
  });
  assert.equal(ids.length, 3);
  for (const id of ids) assert.match(id, UUID);
  await widgetSetUp(page);
  assertNoTraps(page);
  await page.close();
});

test("Microsoft's library loaded before cxbridge is left alone: no shim, no second CIFInitDone", async () => {
  const page = await open('cif-library-first.html');
  await page.evaluate(() => cxbridge.ready);
  await page.waitForFunction(() => initDone.length === 1);
  await page.waitForTimeout(100);
  const out = await page.evaluate(async () => ({
    initDone,
    shim: cxbridge.analytics.installCifShim(),
    result: await Microsoft.CIFramework.logAnalyticsEvent({ conversationId: 'c', providerSessionId: 'p' }, 'Real'),
    libraryCalls: Microsoft.CIFramework.libraryCalls,
    setClickToAct: typeof Microsoft.CIFramework.setClickToAct,
  }));
  assert.deepEqual(out, {
    initDone: [['https://crmorg.crm.dynamics.com']],
    shim: false,
    result: 'logged by the CIF library',
    libraryCalls: ['Real'],
    setClickToAct: 'function',
  });
  assertNoTraps(page);
  await page.close();
});

test("Microsoft's library in the tag after cxbridge fills the namespace and wins; the function kept before still records", async () => {
  const page = await open('cif-library-after.html');
  await page.evaluate(() => cxbridge.ready);
  await page.waitForFunction(() => initDone.length === 1);
  await page.waitForTimeout(100);
  const out = await page.evaluate(async () => {
    cxbridge.analytics.configure({ dataLayer: true });
    const data = { conversationId: 'c', providerSessionId: 'p' };
    const viaLibrary = await Microsoft.CIFramework.logAnalyticsEvent(data, 'ViaLibrary');
    const viaHeld = await heldBefore(data, 'ViaHeld');
    await new Promise((r) => setTimeout(r, 0));
    return {
      initDone,
      shim: cxbridge.analytics.installCifShim(),
      viaLibrary,
      viaHeld,
      libraryCalls: Microsoft.CIFramework.libraryCalls,
      pushed: dataLayer.filter((e) => /^cxbridge\.CIF\./.test(e.event)).map((e) => [e.event, e.id]),
    };
  });
  // Only the library's CIFInitDone: cxbridge's is not raised once its function is no longer the one installed.
  assert.deepEqual(out.initDone, [['https://crmorg.crm.dynamics.com']]);
  assert.equal(out.shim, false);
  assert.equal(out.viaLibrary, 'logged by the CIF library');
  assert.deepEqual(out.libraryCalls, ['ViaLibrary']);
  assert.match(out.viaHeld, UUID);
  assert.deepEqual(out.pushed, [['cxbridge.CIF.ViaHeld', out.viaHeld]]);
  assertNoTraps(page);
  await page.close();
});

test("Microsoft's library loaded later by the page wins from then on; the function the page kept still records", async () => {
  const page = await open('cif-library-later.html');
  await page.evaluate(() => cxbridge.ready);
  // cxbridge's CIFInitDone first (the page had no library), then the library's own when it arrives.
  await page.waitForFunction(() => initDone.length === 1);
  const before = await page.evaluate(async () => {
    cxbridge.analytics.configure({ dataLayer: true });
    return {
      same: Microsoft.CIFramework.logAnalyticsEvent === held,
      id: await Microsoft.CIFramework.logAnalyticsEvent({ conversationId: 'c', providerSessionId: 'p' }, 'BeforeLibrary'),
    };
  });
  assert.equal(before.same, true);
  assert.match(before.id, UUID);
  await page.evaluate(() => loadLibrary());
  await page.waitForFunction(() => initDone.length === 2);
  const out = await page.evaluate(async () => {
    const data = { conversationId: 'c', providerSessionId: 'p' };
    const viaLibrary = await Microsoft.CIFramework.logAnalyticsEvent(data, 'ViaLibrary');
    const viaHeld = await held(data, 'ViaHeld');
    await new Promise((r) => setTimeout(r, 0));
    return {
      initDone,
      shim: cxbridge.analytics.installCifShim(),
      viaLibrary,
      viaHeld,
      libraryCalls: Microsoft.CIFramework.libraryCalls,
      pushed: dataLayer.filter((e) => /^cxbridge\.CIF\./.test(e.event)).map((e) => e.event),
    };
  });
  assert.deepEqual(out.initDone, [[], ['https://crmorg.crm.dynamics.com']]);
  assert.equal(out.shim, false);
  assert.equal(out.viaLibrary, 'logged by the CIF library');
  assert.deepEqual(out.libraryCalls, ['ViaLibrary']);
  assert.match(out.viaHeld, UUID);
  assert.deepEqual(out.pushed, ['cxbridge.CIF.BeforeLibrary', 'cxbridge.CIF.ViaHeld']);
  assertNoTraps(page);
  await page.close();
});

test('the ESM entry installs the shim with globals: true, or when asked; never by itself', async () => {
  const run = async (globals) => {
    const page = await newPage(browser);
    await page.goto(`${emu.url}/tests/blank.html`);
    const out = await page.evaluate(async (globals) => {
      const { load } = await import('/dist/cxbridge.mjs');
      const seen = [];
      addEventListener('CIFInitDone', (e) => seen.push(e.detail));
      const api = await load({ globals });
      const atLoad = typeof window.Microsoft;
      const installed = api.analytics.installCifShim();
      await new Promise((r) => setTimeout(r, 20));
      return { atLoad, installed, fn: typeof Microsoft.CIFramework.logAnalyticsEvent, seen };
    }, globals);
    assertNoTraps(page);
    await page.close();
    return out;
  };
  assert.deepEqual(await run(false), { atLoad: 'undefined', installed: true, fn: 'function', seen: [[]] });
  assert.deepEqual(await run(true), { atLoad: 'object', installed: true, fn: 'function', seen: [[]] });
});

test('a window.Microsoft that throws when read leaves the page as it was, and cxbridge loads', async () => {
  const page = await newPage(browser);
  await page.goto(`${emu.url}/tests/blank.html`);
  const out = await page.evaluate(async () => {
    Object.defineProperty(window, 'Microsoft', {
      configurable: true,
      get() {
        throw new Error('hostile Microsoft');
      },
    });
    const s = document.createElement('script');
    s.src = '/dist/cxbridge.js';
    const loaded = new Promise((r) => s.addEventListener('load', r));
    document.head.appendChild(s);
    await loaded;
    const api = await window.cxbridge.ready;
    const seen = [];
    addEventListener('CIFInitDone', () => seen.push(1));
    await new Promise((r) => setTimeout(r, 20));
    return { installed: api.analytics.installCifShim(), seen, id: typeof (await api.analytics.logAnalyticsEvent({}, 'E')) };
  });
  assert.deepEqual(out, { installed: false, seen: [], id: 'string' });
  assertNoTraps(page);
  await page.close();
});
