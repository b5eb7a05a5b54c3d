// WebChatService under the faults production has: heartbeats that stop, sockets that drop, reconnects that fail,
// sends answered 503 (before or after the server stored the message) or too late, a server that ends the chat,
// a page reload; and polling mode. After each, every message the server holds has arrived exactly once, in order.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { newPage, assertNoTraps, emulatorAndBrowser, postJson } from './harness.mjs';

let emu;
let browser;
emulatorAndBrowser({
    env: { CXBRIDGE_FAULTS: '1', CXBRIDGE_HEARTBEAT_MS: '200', CXBRIDGE_AGENT_DELAY_MS: '200' },
  }, (e, b) => ([emu, browser] = [e, b]));
afterEach(async () => {
  await fetch(`${emu.url}/__emulator/faults`, { method: 'DELETE' });
});

// Failed requests and refused WebSocket upgrades are what these tests provoke; Chromium logs them.
const PROVOKED = [/Failed to load resource/, /WebSocket connection to .* failed/];
const FAST = 'heartbeatTimeout=1000&reconnectInterval=200&requestTimeout=2000&pollExceptionLimit=3';

const post = (path, body) => postJson(`${emu.url}${path}`, body);

const fault = (rule) => post('/__emulator/faults/requests', rule);

async function serverMessages(cid) {
  const j = await (await fetch(`${emu.url}/__emulator/conversations/${cid}/messages`)).json();
  return j.entities.map((m) => [m.id, m.bodyType, m.body, m.sender.id]);
}

const TYPE = { standard: 'Message', notice: 'Notice', 'member-join': 'ParticipantJoined', 'member-leave': 'ParticipantLeft' };

async function assertExactlyOnceInOrder(page, cid) {
  await page.waitForFunction(
    async (url) => window.delivered().length >= (await (await fetch(url)).json()).entities.length,
    `${emu.url}/__emulator/conversations/${cid}/messages`,
    { timeout: 20000, polling: 100 },
  );
  // A moment for any duplicate to show itself.
  await new Promise((r) => setTimeout(r, 300));
  const server = await serverMessages(cid);
  const delivered = await page.evaluate(() => window.delivered());
  assert.deepEqual(delivered, server.map(([id, type, body]) => [id, TYPE[type], body]));
}

/** Opens the test page, starts a chat, and lets a person (the test) take it over from the scripted agent. */
async function chatWithPerson(query = FAST) {
  const page = await newPage(browser);
  await page.goto(`${emu.url}/tests/webchat.html?${query}`);
  await page.waitForFunction(() => window.names().includes('ready'));
  const r = await page.evaluate(() => start({ nickname: 'Ann' }));
  assert.equal(r.ok, true, JSON.stringify(r));
  const cid = r.cid;
  await page.waitForFunction(() => window.names().includes('started'), null, { timeout: 10000 });
  await post(`/__emulator/agent/chats/${cid}/join`);
  await page.waitForFunction(() => window.names().includes('agentConnected'), null, { timeout: 10000 });
  return { page, cid };
}

const agentSays = (cid, body) => post(`/__emulator/agent/chats/${cid}/messages`, { body });

async function waitEvent(page, name, count = 1) {
  try {
    await page.waitForFunction(([n, c]) => window.names().filter((x) => x === n).length >= c, [name, count], {
      timeout: 20000,
    });
  } catch (e) {
    throw new Error(`no ${name} (×${count}) among ${await page.evaluate(() => window.names().join(' '))}`, { cause: e });
  }
}

test('heartbeat silence: disconnected, reconnected, and what was said meanwhile arrives once, in order', async () => {
  const { page, cid } = await chatWithPerson();
  await agentSays(cid, 'before');
  // The next two reconnects are refused, so the outage lasts a while.
  await fault({ path: '/channels/', status: 503, count: 2 });
  await post('/__emulator/faults/heartbeats/stop');
  await waitEvent(page, 'disconnected');
  await agentSays(cid, 'during 1');
  await agentSays(cid, 'during 2');
  await post('/__emulator/faults/heartbeats/start');
  await waitEvent(page, 'reconnected');
  await agentSays(cid, 'after');
  await assertExactlyOnceInOrder(page, cid);
  const names = await page.evaluate(() => window.names());
  assert.ok(names.indexOf('disconnected') < names.indexOf('reconnected'));
  assertNoTraps(page, { allowConsoleErrors: PROVOKED });
  await page.close();
});

test('a dropped socket: messages sent while disconnected are queued and sent once each, in order', async () => {
  const { page, cid } = await chatWithPerson();
  await fault({ path: '/channels/', status: 503, count: 2 });
  await post('/__emulator/faults/drop-sockets');
  await waitEvent(page, 'disconnected');
  await agentSays(cid, 'agent while down');
  const sends = await page.evaluate(() => Promise.all(['q1', 'q2', 'q3'].map((m) => run('sendMessage', { message: m }))));
  assert.deepEqual(sends.map((s) => s.ok), [true, true, true]);
  const names = await page.evaluate(() => window.names());
  assert.ok(names.includes('reconnected'), 'the sends resolved only after the reconnect');
  await assertExactlyOnceInOrder(page, cid);
  const mine = (await serverMessages(cid)).filter(([, t, body]) => t === 'standard' && /^q\d$/.test(body)).map((m) => m[2]);
  assert.deepEqual(mine, ['q1', 'q2', 'q3']);
  assertNoTraps(page, { allowConsoleErrors: PROVOKED });
  await page.close();
});

test('sends answered 503, accepted-then-503, or too late are retried without ever doubling a message', async () => {
  const { page, cid } = await chatWithPerson();
  const cases = [
    ['refused', { path: '/messages', method: 'POST', status: 503, count: 2, mode: 'fail' }],
    ['stored', { path: '/messages', method: 'POST', status: 503, count: 1, mode: 'accept-then-fail' }],
    ['slow', { path: '/messages', method: 'POST', count: 1, mode: 'delay', delayMs: 3000 }],
  ];
  for (const [text, rule] of cases) {
    await fault(rule);
    const r = await page.evaluate((m) => run('sendMessage', { message: m }), text);
    assert.equal(r.ok, true, `${text}: ${JSON.stringify(r)}`);
    assert.equal(r.value, null, 'resolved undefined, as the shipped widget');
  }
  // Let any late duplicate land before counting.
  await new Promise((r) => setTimeout(r, 1500));
  const bodies = (await serverMessages(cid)).filter(([, t]) => t === 'standard').map((m) => m[2]);
  for (const [text] of cases) {
    assert.equal(bodies.filter((b) => b === text).length, 1, `${text} is stored exactly once: ${bodies}`);
  }
  await assertExactlyOnceInOrder(page, cid);
  const errors = await page.evaluate(() => events.filter((e) => e.name === 'error').map((e) => e.data.errors[0].code));
  assert.ok(errors.includes(503), 'the failures were reported as error events');
  assertNoTraps(page, { allowConsoleErrors: PROVOKED });
  await page.close();
});

test('pollExceptionLimit consecutive failures: chatServerWentOffline, then chatServerBackOnline', async () => {
  const { page, cid } = await chatWithPerson();
  await fault({ path: '/channels/', status: 503, count: 4 });
  await post('/__emulator/faults/drop-sockets');
  await waitEvent(page, 'chatServerBackOnline');
  await waitEvent(page, 'reconnected');
  const names = await page.evaluate(() => window.names());
  const at = (n) => names.indexOf(n);
  assert.ok(at('disconnected') < at('connectionPending'));
  assert.ok(at('connectionPending') < at('chatServerWentOffline'));
  assert.ok(at('chatServerWentOffline') < at('chatServerBackOnline'));
  assert.equal(names.filter((n) => n === 'chatServerWentOffline').length, 1);
  assert.ok(names.includes('connectionRestored'));
  await agentSays(cid, 'back');
  await assertExactlyOnceInOrder(page, cid);
  assertNoTraps(page, { allowConsoleErrors: PROVOKED });
  await page.close();
});

test('the server ending the chat: agentDisconnected, clientDisconnected, ended; the snapshot is removed', async () => {
  const { page, cid } = await chatWithPerson();
  await post(`/__emulator/faults/conversations/${cid}/disconnect-customer`);
  await waitEvent(page, 'ended');
  const names = await page.evaluate(() => window.names());
  assert.ok(names.indexOf('agentDisconnected') < names.indexOf('clientDisconnected'));
  assert.ok(names.indexOf('clientDisconnected') < names.indexOf('ended'));
  const left = await page.evaluate(() => events.find((e) => e.name === 'agentDisconnected').data);
  assert.equal(left.numAgentsConnected, 0);
  assert.equal(Object.values(left.agents)[0].connected, false);
  assert.equal(typeof Object.values(left.agents)[0].disconnectedTime, 'number');
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  const r = await page.evaluate(() => run('sendMessage', { message: 'late' }));
  assert.deepEqual(r, { ok: false, value: 'There is no active chat session.' });
  assertNoTraps(page, { allowConsoleErrors: PROVOKED });
  await page.close();
});

test('a reload right after a message restores it, though the snapshot is not rewritten per message', async () => {
  const { page, cid } = await chatWithPerson();
  const written = await page.evaluate(() => sessionStorage.getItem('cxbridge.webchat.session'));
  await agentSays(cid, 'just now');
  await page.waitForFunction(() => window.delivered().some((m) => m[2] === 'just now'), null, { timeout: 10000 });
  // The tab being hidden refreshes "last alive" (the snapshot is otherwise written only when the session changes
  // and, on stream activity, at most every 5 s).
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange', { bubbles: true })); // as the browser fires it
  });
  const hidden = JSON.parse(await page.evaluate(() => sessionStorage.getItem('cxbridge.webchat.session')));
  assert.ok(hidden.savedAt > JSON.parse(written).savedAt, 'savedAt refreshed when hidden');
  // Reloaded at once: the restore reads the transcript from the server, "just now" included, once.
  await page.reload();
  await waitEvent(page, 'restored');
  await assertExactlyOnceInOrder(page, cid);
  const restored = await page.evaluate(() => window.delivered().map((m) => m[2]));
  assert.ok(restored.includes('just now'));
  assertNoTraps(page, { allowConsoleErrors: PROVOKED });
  await page.close();
});

test('a reload restores the chat within restoreTimeout, replayed in pages; after it, restoreTimeout', async () => {
  const { page, cid } = await chatWithPerson();
  for (let i = 1; i <= 5; i++) await agentSays(cid, `r${i}`);
  await page.evaluate(() => run('sendMessage', { message: 'mine' }));
  await assertExactlyOnceInOrder(page, cid);
  const jwt = await page.evaluate(() => JSON.parse(sessionStorage.getItem('cxbridge.webchat.session')).jwt);
  assert.ok(jwt.length > 20);

  await page.goto(`${emu.url}/tests/webchat.html?${FAST}&maxMessagePageSize=2`);
  await waitEvent(page, 'restored');
  await assertExactlyOnceInOrder(page, cid);
  const pages = await page.evaluate(() => events.filter((e) => e.name === 'messageReceived').map((e) => e.data));
  assert.ok(pages.length >= 3);
  for (const p of pages) {
    assert.equal(p.restoring, true);
    assert.ok(p.messages.length <= 2);
    assert.equal(p.oldMessages, false);
    assert.ok(p.messages.every((m) => m.restoring === true));
  }
  // The restored chat goes on.
  const sent = await page.evaluate(() => run('sendMessage', { message: 'after reload' }));
  assert.equal(sent.ok, true);
  await agentSays(cid, 'welcome back');
  await page.waitForFunction(() => window.delivered().some((m) => m[2] === 'welcome back'), null, { timeout: 10000 });
  await assertExactlyOnceInOrder(page, cid);
  // The JWT lives in sessionStorage only.
  const leak = await page.evaluate((t) => ({
    events: JSON.stringify(events).includes(t),
    local: Object.keys(localStorage).some((k) => localStorage.getItem(k).includes(t)),
    cookie: document.cookie.includes(t),
  }), jwt);
  assert.deepEqual(leak, { events: false, local: false, cookie: false });

  // Away for longer than restoreTimeout: no restore.
  await page.goto(`${emu.url}/tests/blank.html`);
  await new Promise((r) => setTimeout(r, 2500));
  await page.goto(`${emu.url}/tests/webchat.html?${FAST}&restoreTimeout=2000`);
  await waitEvent(page, 'restoreTimeout');
  const after = await page.evaluate(async () => ({
    names: window.names(),
    stored: sessionStorage.getItem('cxbridge.webchat.session'),
    verify: await run('verifySession'),
  }));
  assert.equal(after.names.includes('restored'), false);
  assert.equal(after.stored, null);
  assert.deepEqual(after.verify.value, { sessionActive: false });
  assertNoTraps(page, { allowConsoleErrors: PROVOKED });
  await page.close();
});

test('polling mode: no WebSocket, messages by GET messages?after=, the polling commands and events', async () => {
  const page = await newPage(browser);
  await page.goto(`${emu.url}/tests/webchat.html?${FAST}&polling=1&pollInterval=300`);
  await page.waitForFunction(() => window.names().includes('ready'));
  const r = await page.evaluate(() => start({ nickname: 'Poll' }));
  assert.equal(r.ok, true);
  const cid = r.cid;
  await waitEvent(page, 'pollingStarted');
  await page.evaluate(() => run('sendMessage', { message: 'p1' }));
  await page.waitForFunction(() => window.delivered().some((m) => m[2] === 'p1'), null, { timeout: 10000 });
  const cmds = await page.evaluate(async () => ({
    poll: await run('poll'),
    stop: await run('stopPoll'),
    start: await run('startPoll'),
    reset: await run('resetPollExceptions'),
  }));
  assert.deepEqual(cmds.poll, {
    ok: false,
    value: 'Access Denied to private command. Only WebChatService is allowed to invoke this command.',
  });
  assert.deepEqual([cmds.stop.ok, cmds.start.ok, cmds.reset.ok], [true, true, true]);
  assert.ok((await page.evaluate(() => window.names())).includes('pollingStopped'));
  // Polls that fail pollExceptionLimit (3) times in a row take the server offline; the next answer brings it back.
  await fault({ path: `/conversations/${cid}/messages`, method: 'GET', status: 503, count: 3 });
  await waitEvent(page, 'chatServerWentOffline');
  await waitEvent(page, 'chatServerBackOnline');
  await page.evaluate(() => run('sendMessage', { message: 'p2' }));
  await page.waitForFunction(() => window.delivered().some((m) => m[2] === 'p2'), null, { timeout: 10000 });
  await assertExactlyOnceInOrder(page, cid);
  assert.equal(await page.evaluate(() => window.socketsOpened), 0);
  assertNoTraps(page, { allowConsoleErrors: PROVOKED });
  await page.close();
});

test('a journey-linked chat that cannot be created moves its web action to errored', async () => {
  const page = await newPage(browser);
  await page.goto(`${emu.url}/tests/webchat.html?${FAST}&journey=1`);
  await page.waitForFunction(() => window.names().includes('ready'));
  await page.evaluate(() => {
    window.acEvents = [];
    ac('on', 'webchat:all', (evt) => acEvents.push([evt.actionState, evt.errorCode, evt.errorMessage]));
  });
  await fault({ path: '/webchat/guest/conversations', method: 'POST', status: 503, count: 1 });
  const r = await page.evaluate(() => run('startChat', { nickname: 'Err' }));
  assert.equal(r.ok, false);
  assert.equal(r.value.status, 503);
  await page.waitForFunction(() => window.acEvents.some((e) => e[0] === 'errored'));
  const ac = await page.evaluate(() => window.acEvents);
  assert.deepEqual(ac.map((e) => e[0]), ['accepted', 'errored']);
  assert.equal(ac[1][1], 503);
  assert.match(ac[1][2], /^Injected fault: 503/);
  const names = await page.evaluate(() => window.names());
  assert.ok(names.includes('error'));
  assertNoTraps(page, { allowConsoleErrors: PROVOKED });
  await page.close();
});
