// ac(): the Journey tracking snippet's queue is replayed in order, nothing lost and nothing doubled, whatever the
// function is called and however cxbridge is loaded; the vendor's documented example runs verbatim; a chat linked through
// interactionData.journey drives its web action.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newPage, assertNoTraps, emulatorAndBrowser } from './harness.mjs';

let emu;
let browser;
emulatorAndBrowser({}, (e, b) => ([emu, browser] = [e, b]));

const RECORD_ERROR = /^ac\('record'\): the event name \(first argument\) must be a non-empty string, got undefined$/;

test('the vendor tracking snippet loads cxbridge and its queue is replayed in order, once', async () => {
  const page = await newPage(browser);
  await page.goto(`${emu.url}/tests/ac-snippet.html`);
  await page.waitForFunction(() => window.cxbridge && window.cxbridge.ready);
  await page.evaluate(() => cxbridge.ready);
  assert.deepEqual(await page.evaluate(() => window.log), [
    'A:q-1:offered',
    'B:q-3:offered',
    'B:q-3:accepted',
  ]);
  // The invalid queued call was reported once: replayed once.
  assert.deepEqual(page.consoleErrors.filter((t) => RECORD_ERROR.test(t)).length, 1);
  // After the replay, ac is cxbridge's and works at once.
  const after = await page.evaluate(() => {
    const id = ac('offer', { mediaType: 'webchat', actionMapId: 'map-1', actionMapVersion: 1 });
    return { id, last: log[log.length - 1] };
  });
  assert.match(after.id, /^[0-9a-f-]{36}$/);
  assert.equal(after.last, `B:${after.id}:offered`);
  assertNoTraps(page, { allowConsoleErrors: [RECORD_ERROR] });
});

test('a snippet with its own function name, before the script tag: both queues replayed, nothing doubled', async () => {
  const page = await newPage(browser);
  const warnings = [];
  page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
  await page.goto(`${emu.url}/tests/ac-snippet-custom.html`);
  await page.evaluate(() => cxbridge.ready);
  assert.deepEqual(await page.evaluate(() => ({ stub: window.stubInstalled, ac: window.acUntouched })), {
    stub: true,
    ac: 'undefined',
  });
  // The snippet's async copy of the script runs before the load event, before or after the tag's copy: one of
  // the two must step aside and change nothing.
  await page.waitForLoadState('load');
  assert.deepEqual(await page.evaluate(() => window.log), [
    'A:q-1:offered',
    'B:q-3:offered',
    'B:q-3:accepted',
    'B:q-4:offered',
  ]);
  assert.equal(page.consoleErrors.filter((t) => RECORD_ERROR.test(t)).length, 1);
  assert.deepEqual(warnings, ['cxbridge: loaded twice; the second copy does nothing']);
  assertNoTraps(page, { allowConsoleErrors: [RECORD_ERROR] });
});

test("the vendor's documented example enriches webchat events with WebChatService.getSessionData", async (t) => {
  const page = await newPage(browser);
  await page.goto(`${emu.url}/tests/ac-seed.html`);
  const standIn = await page.evaluate(() => window.standIn);
  if (standIn !== 'ready') {
    // TODO(CXBus issue): remove once the bus lands; the page registers the stand-in through the public bus API.
    t.skip(`needs the CXBus bus (registerPlugin/registerCommand, _genesys.widgets.bus.command): ${standIn}`);
    assertNoTraps(page);
    return;
  }
  const id = await page.evaluate(() => {
    const id = ac('offer', { mediaType: 'webchat', actionMapId: 'map-1', actionMapVersion: 3 });
    ac('accept', id);
    return id;
  });
  await page.waitForFunction(() => window.sent.length >= 2);
  const sent = await page.evaluate(() => window.sent);
  assert.deepEqual(
    sent.map((e) => [e.actionId, e.actionState, e.actionMapVersion, e.customerIdType, e.conversationId]),
    [
      [id, 'offered', 3, 'cookie', 'conv-stand-in'],
      [id, 'accepted', 3, 'cookie', 'conv-stand-in'],
    ],
  );
  assertNoTraps(page);
});

test('a chat started with interactionData.journey drives its web action to completed', async (t) => {
  const page = await newPage(browser);
  await page.goto(`${emu.url}/tests/ac-chat.html`);
  await page.evaluate(() => cxbridge.ready);
  // Any answer but the bus's "Command does not exist" means WebChatService is registered.
  const hasChat = await page.evaluate(() =>
    new Promise((resolve) => {
      CXBus.command('WebChatService.getSessionData')
        .done(() => resolve(true))
        .fail((err) => resolve(!/Command does not exist/.test(String((err && err.message) || err))));
    }),
  );
  if (!hasChat) {
    // TODO(WebChatService issue): remove once WebChatService lands and calls web::ac::journey_chat_progress.
    t.skip('needs WebChatService on the bus (purecloud-v2-sockets) and the Guest Chat v2 emulator');
    assertNoTraps(page);
    return;
  }
  await page.evaluate(() => acceptAndChat());
  await page.waitForFunction(() => window.states.includes('started'));
  await page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        CXBus.command('WebChatService.endChat').done(resolve).fail(reject);
      }),
  );
  await page.waitForFunction(() => window.states.includes('completed'));
  const states = await page.evaluate(() => window.states);
  // engaged appears only if an agent joined before the end.
  assert.deepEqual(
    states.filter((s) => s !== 'engaged'),
    ['offered', 'accepted', 'started', 'completed'],
  );
  assertNoTraps(page);
});

test('customerId is a first-party cookie that outlives the session; sessionId lasts the browsing session', async () => {
  const page = await newPage(browser);
  await page.goto(`${emu.url}/tests/ac-visitor.html`);
  await page.evaluate(() => cxbridge.ready);
  const ids = () => page.evaluate(() => {
    raise();
    const e = events[events.length - 1];
    return { customerId: e.customerId, sessionId: e.sessionId };
  });
  const first = await ids();
  assert.match(first.customerId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.match(first.sessionId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(first.customerId, first.sessionId);
  const cookie = (await browser.cookies(emu.url)).find((c) => c.name === '_cxbridge_cid');
  assert.equal(cookie.value, first.customerId);
  assert.equal(cookie.sameSite, 'Lax');
  assert.equal(cookie.path, '/');
  // cxbridge asks for two years; Chromium caps every cookie at 400 days (and cxbridge renews it on each visit).
  const days = (cookie.expires * 1000 - Date.now()) / (24 * 3600 * 1000);
  assert.ok(days > 399 && days <= 2 * 365, `the cookie lives ${days} days`);

  // A reload is the same browsing session: both ids stay.
  await page.reload();
  await page.evaluate(() => cxbridge.ready);
  assert.deepEqual(await ids(), first);

  // Another tab is another browsing session of the same visitor.
  const other = await newPage(browser);
  await other.goto(`${emu.url}/tests/ac-visitor.html`);
  await other.evaluate(() => cxbridge.ready);
  const second = await other.evaluate(() => {
    raise();
    return { customerId: events[0].customerId, sessionId: events[0].sessionId };
  });
  assert.equal(second.customerId, first.customerId);
  assert.notEqual(second.sessionId, first.sessionId);
  const threw = /^ac: a 'content-offer:offered' listener threw/;
  assertNoTraps(page, { allowConsoleErrors: [threw] });
  assertNoTraps(other, { allowConsoleErrors: [threw] });
});

test('a listener that throws: the others still run, and the page observes the error', async () => {
  const page = await newPage(browser);
  await page.goto(`${emu.url}/tests/ac-visitor.html`);
  await page.evaluate(() => cxbridge.ready);
  const out = await page.evaluate(() => {
    const id = raise();
    return { id, states: events.map((e) => e.actionId === id && e.actionState), observed };
  });
  assert.deepEqual(out.states, ['offered']);
  assert.deepEqual(out.observed, [{ source: 'ac', event: 'content-offer:offered', message: 'a bug in the page' }]);
  assert.equal(page.consoleErrors.length, 1);
  assert.match(page.consoleErrors[0], /^ac: a 'content-offer:offered' listener threw \(the other listeners still ran\):/);
  assertNoTraps(page, { allowConsoleErrors: [/listener threw/] });
});

test('the dispatch rules hold when calls take the fast path (names seen before) and lists are cached in JS', async () => {
  const page = await newPage(browser);
  await page.goto(`${emu.url}/tests/ac-visitor.html`);
  await page.evaluate(() => cxbridge.ready);
  const out = await page.evaluate(() => {
    const log = [];
    const offer = (id) => ac('offer', { mediaType: 'webchat', actionMapId: 'm', actionMapVersion: 1, actionId: id });
    // Every name below is used once before, so the calls that matter are classified in JS.
    const warm = () => {};
    for (const n of ['webchat:offered', 'webchat:all', 'webchat:accepted']) {
      ac('on', n, warm);
      ac('off', n, warm);
    }
    const victim = (e) => log.push('victim:' + e.actionId);
    const remover = (e) => {
      log.push('remover:' + e.actionId);
      ac('off', 'webchat:all', victim);
    };
    const late = (e) => log.push('late:' + e.actionId);
    const adder = () => ac('on', 'webchat:offered', late);
    const once = (e) => log.push('once:' + e.actionId);
    const thrower = () => {
      throw new Error('page bug');
    };
    ac('on', 'webchat:offered', remover);
    ac('on', 'webchat:offered', thrower);
    ac('on', 'webchat:all', victim);
    ac('once', 'webchat:offered', adder);
    ac('once', 'webchat:all', once);
    ac('once', 'webchat:all', once); // a duplicate: still one subscription
    offer('fast-1'); // victim removed before its turn; late waits for the next event; once fires
    offer('fast-2'); // late runs now; once is gone
    ac('once', 'webchat:all', once); // the fired once can subscribe again
    offer('fast-3');
    ac('off', 'webchat:offered', remover);
    ac('off', 'webchat:offered', thrower);
    ac('off', 'webchat:offered', late);
    offer('fast-4'); // nobody left
    return { log: log.join(' '), observed: observed.length };
  });
  assert.equal(
    out.log,
    'remover:fast-1 once:fast-1 remover:fast-2 late:fast-2 remover:fast-3 late:fast-3 once:fast-3',
  );
  assert.equal(out.observed, 3);
  assertNoTraps(page, { allowConsoleErrors: [/listener threw/] });
});

test('a tampered or look-alike visitor cookie and a tampered session id are replaced by fresh ids', async () => {
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  const page = await newPage(browser);
  await page.goto(`${emu.url}/tests/ac-visitor.html`);
  await page.evaluate(() => cxbridge.ready);
  const fake = '11111111-1111-4111-8111-111111111111';
  await page.evaluate((f) => {
    document.cookie = `x_cxbridge_cid=${f}; Path=/`;
    document.cookie = '_cxbridge_cid=not-a-uuid; Path=/';
    sessionStorage.setItem('_cxbridge_sid', 'tampered');
  }, fake);
  await page.reload();
  await page.evaluate(() => cxbridge.ready);
  const out = await page.evaluate(() => {
    raise();
    const e = events[events.length - 1];
    const seen = { customerId: e.customerId, sessionId: e.sessionId, cookie: document.cookie, stored: sessionStorage.getItem('_cxbridge_sid') };
    document.cookie = 'x_cxbridge_cid=; Path=/; Max-Age=0';
    return seen;
  });
  assert.match(out.customerId, UUID);
  assert.notEqual(out.customerId, fake);
  assert.ok(out.cookie.split('; ').includes(`_cxbridge_cid=${out.customerId}`), out.cookie);
  assert.match(out.sessionId, UUID);
  assert.equal(out.stored, out.sessionId);
  assertNoTraps(page, { allowConsoleErrors: [/^ac: a 'content-offer:offered' listener threw/] });
});
