// ac(): the Journey tracking snippet's queue is replayed in order, nothing lost and nothing doubled, whatever the
// function is called and however cxbridge is loaded; the seed's own example runs verbatim; a chat linked through
// interactionData.journey drives its web action.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, launchBrowser, newPage, assertNoTraps } from './harness.mjs';

let emu;
let browser;
before(async () => {
  emu = await startEmulator();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await emu?.stop();
});

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

test("the seed's example enriches webchat events with WebChatService.getSessionData", async (t) => {
  const page = await newPage(browser);
  await page.goto(`${emu.url}/tests/ac-seed.html`);
  const standIn = await page.evaluate(() => window.standIn);
  if (standIn !== 'ready') {
    // TODO(CXBus issue): remove once the bus lands; the page registers the stand-in through the public bus API.
    t.skip(`needs the CXBus bus (registerPlugin/registerCommand, _genesys.widgets.bus.command): ${standIn}`);
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
  const hasChat = await page.evaluate(() =>
    new Promise((resolve) => {
      CXBus.command('WebChatService.getSessionData')
        .done(() => resolve(true))
        .fail(() => resolve(false));
    }),
  );
  if (!hasChat) {
    // TODO(WebChatService issue): remove once WebChatService lands and calls web::ac::journey_chat_progress.
    t.skip('needs WebChatService on the bus (purecloud-v2-sockets) and the Guest Chat v2 emulator');
    return;
  }
  await page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        CXBus.command('WebChatService.startChat', { nickname: 'Ann' }).done(resolve).fail(reject);
      }),
  );
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
