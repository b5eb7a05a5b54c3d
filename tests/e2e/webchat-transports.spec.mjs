// The custom chat window of webchat-custom-ui.spec.mjs (tests/pages/webchat-custom-ui.html), driven the same way on
// both of WebChatService's transports against the emulator: Guest Chat with the shipped dist/, and Web Messaging
// (`?transport=messaging`, `genesys-web-messaging`) with the test build that carries it (scripts/build.mjs
// `build({ messaging: true })`, loaded in place of dist/ by the harness's `useBuild`). The window shows the same
// lines and gets the same events: the start, the agent joining and typing, messages both ways, a reload restored
// from the history, the end. Then what only Web Messaging has to survive: a service that delivers out of order, and
// a dropped socket. And the demo of `npm start -- --messaging`, whose start form picks the transport.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { newPage, assertNoTraps, emulatorAndBrowser, launchBrowser, postJson, useBuild } from './harness.mjs';

let emu;
let browser;
let messagingBrowser;
emulatorAndBrowser(
  { env: { CXBRIDGE_FAULTS: '1', CXBRIDGE_AGENT_DELAY_MS: '300', CXBRIDGE_HEARTBEAT_MS: '1000' } },
  (e, b) => ([emu, browser] = [e, b]),
);
before(async () => {
  messagingBrowser = await launchBrowser();
  await useBuild(messagingBrowser, 'messaging');
});
after(async () => {
  await messagingBrowser?.close();
});
afterEach(async () => {
  await fetch(`${emu.url}/__emulator/faults`, { method: 'DELETE' });
});

const TRANSPORTS = {
  'Guest Chat': { context: () => browser, query: '' },
  'Web Messaging': { context: () => messagingBrowser, query: '?transport=messaging' },
};

// What the window's user sees of WebChatService's events, recorded from before the page's own script runs (the
// loader queues the subscription with the page's), so a reload's restore is seen too.
const EVENTS = ['started', 'restored', 'restoreFailed', 'agentConnected', 'agentDisconnected', 'agentTypingStarted',
  'agentTypingTimeout', 'messageReceived', 'disconnected', 'reconnected', 'clientDisconnected', 'ended'];

async function openWindow(transport) {
  const t = TRANSPORTS[transport];
  const page = await newPage(t.context());
  await page.addInitScript((names) => {
    window.seen = [];
    document.addEventListener('DOMContentLoaded', () => {
      const recorder = window._genesys.widgets.bus.registerPlugin('Recorder');
      for (const n of names) recorder.subscribe('WebChatService.' + n, () => window.seen.push(n));
    });
  }, EVENTS);
  // The agents' texts as the socket delivered them (Web Messaging's `StructuredMessage`s), in arrival order.
  page.arrived = [];
  page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => {
    const body = typeof payload === 'string' && payload.startsWith('{') ? JSON.parse(payload).body : null;
    if (body && body.direction === 'Outbound' && typeof body.text === 'string') page.arrived.push(body.text);
  }));
  await page.goto(`${emu.url}/tests/webchat-custom-ui.html${t.query}`);
  return page;
}

const lines = (page) => page.evaluate(() => [...document.querySelectorAll('#log li')].map((li) => li.textContent));
const waitForLine = (page, re, count = 1) =>
  page.waitForFunction(
    ([src, n]) => [...document.querySelectorAll('#log li')].filter((li) => new RegExp(src).test(li.textContent)).length >= n,
    [re.source, count],
    { timeout: 15000 },
  );
const seen = (page) => page.evaluate(() => window.seen.slice());
// The scripted agent greets the guest by the name the service knows: Guest Chat's member has the entry form's
// nickname, a Web Messaging guest has none.
const sameGreeting = (list) => list.map((l) => l.replace(/^Alex: Hello [^,]*,/, 'Alex: Hello …,'));

/** The whole conversation of webchat-custom-ui.spec.mjs's window: what it showed and what it was told. */
async function conversation(transport) {
  const page = await openWindow(transport);
  await page.evaluate(() => {
    window.typingShown = [];
    const typing = document.getElementById('typing');
    new MutationObserver(() => {
      if (!typing.hidden) window.typingShown.push(typing.textContent);
    }).observe(typing, { attributes: true, childList: true });
  });
  await page.click('#start');
  await page.waitForFunction(() => window.statuses.includes('Connected'), null, { timeout: 15000 });
  assert.match(await page.evaluate(() => window.conversation), /^[0-9a-f-]{36}$/);
  await waitForLine(page, /^Alex joined the chat$/);
  await waitForLine(page, /^Alex: Hello /);
  assert.equal(await page.textContent('#agent'), 'You are chatting with Alex');
  assert.ok((await page.evaluate(() => window.typingShown)).includes('Alex is typing…'), transport);
  await page.waitForFunction(() => document.getElementById('typing').hidden, null, { timeout: 6000 });
  await page.click('#start');
  await page.waitForFunction(() => window.statuses.includes('You are already chatting with us.'));

  await page.fill('#text', 'where is my order');
  await page.click('#send');
  await waitForLine(page, /^Sam: where is my order$/);
  await waitForLine(page, /^Alex: You said: where is my order$/);
  assert.equal(await page.inputValue('#text'), '', 'sendMessage resolved');
  const summary = await page.evaluate(() => window.summary());
  assert.equal(summary.tokenParts, 3, 'getSessionData gives the JWT');
  assert.deepEqual(summary.agents, ['Alex (here)']);
  assert.equal(summary.originals, true);
  const live = await lines(page);
  const liveEvents = await seen(page);

  await page.reload();
  await page.waitForFunction(() => document.getElementById('agent').textContent === 'You are chatting with Alex', null, { timeout: 15000 });
  await waitForLine(page, /^Alex: You said: where is my order$/);
  const restored = await lines(page);
  const restoredEvents = await seen(page);
  await page.fill('#text', 'after the reload');
  await page.click('#send');
  await waitForLine(page, /^Alex: You said: after the reload$/);
  await page.click('#end');
  await page.waitForFunction(() => window.endStatus && document.getElementById('status').textContent === 'Chat ended', null, { timeout: 15000 });
  const end = { lines: await lines(page), events: await seen(page), status: await page.evaluate(() => window.endStatus) };
  assertNoTraps(page);
  await page.close();
  return { live, liveEvents, restored, restoredEvents, end };
}

test('the custom window shows the same chat on Guest Chat and on Web Messaging', async () => {
  const runs = {};
  for (const transport of Object.keys(TRANSPORTS)) runs[transport] = await conversation(transport);
  const gc = runs['Guest Chat'];
  const wm = runs['Web Messaging'];
  // The same lines: live, after the reload (restored from the history), and at the end.
  assert.deepEqual(sameGreeting(wm.live), sameGreeting(gc.live));
  assert.deepEqual(gc.live, gc.restored, 'Guest Chat: restored, the same lines, once each');
  assert.deepEqual(wm.live, wm.restored, 'Web Messaging: restored, the same lines, once each');
  assert.deepEqual(sameGreeting(wm.end.lines), sameGreeting(gc.end.lines));
  assert.deepEqual(gc.end.lines.slice(-2), ['Sam: after the reload', 'Alex: You said: after the reload']);
  // The same events. Guest Chat's stored notices of the queue and the guest (which the window does not show) add
  // `messageReceived`s of their own, and each transport batches messages its own way: what is compared is which
  // events came and the order of the first of each.
  const firsts = (names) => names.filter((n, i) => names.indexOf(n) === i);
  const kinds = (names) => [...new Set(names)].sort();
  for (const [transport, run] of Object.entries(runs)) {
    const live = firsts(run.liveEvents).filter((n) => n !== 'messageReceived');
    assert.deepEqual(live, ['started', 'agentConnected', 'agentTypingStarted', 'agentTypingTimeout'], transport);
    assert.deepEqual(run.restoredEvents, ['restored', 'agentConnected', 'messageReceived'], transport);
    // The end: the agent leaves (over Guest Chat only when its leaving reaches the stream before the guest's DELETE
    // is answered), then the guest.
    assert.deepEqual(run.end.events.slice(-2), ['clientDisconnected', 'ended'], transport);
    const left = run.end.events.indexOf('agentDisconnected');
    assert.ok(left < 0 || left === run.end.events.length - 3, transport);
  }
  const ending = (names) => kinds(names).filter((n) => n !== 'agentDisconnected');
  assert.deepEqual(kinds(wm.liveEvents), kinds(gc.liveEvents));
  assert.deepEqual(ending(wm.end.events), ending(gc.end.events));
  assert.ok(wm.end.events.includes('agentDisconnected'), 'Web Messaging: the agent leaves before the guest');
  // endChat resolves with the leave's answer: Guest Chat's DELETE is a 204; Web Messaging's clear is answered by
  // the service's frames, a 200 (docs/webchat.md).
  assert.equal(gc.end.status, '204 No Content');
  assert.equal(wm.end.status, '200 OK');
});

const post = (path, body) => postJson(`${emu.url}${path}`, body);

/** A Web Messaging chat in the window, taken over by a person at the console (the test): page, token, conversation. */
async function messagingChatWithPerson() {
  const page = await openWindow('Web Messaging');
  await page.click('#start');
  await waitForLine(page, /^Alex: Hello /);
  const token = await page.evaluate(() => window.conversation);
  const { chats } = await (await fetch(`${emu.url}/__emulator/agent/chats`)).json();
  const chat = chats.filter((c) => c.channel === 'webmessaging' && c.status !== 'ended').pop();
  assert.ok(chat, 'the emulator lists the conversation');
  await post(`/__emulator/agent/chats/${chat.id}/join`);
  return { page, token, cid: chat.id };
}

const agentSays = (cid, body) => post(`/__emulator/agent/chats/${cid}/messages`, { body });

async function waitEvent(page, name) {
  try {
    await page.waitForFunction((n) => window.seen.includes(n), name, { timeout: 20000 });
  } catch (e) {
    throw new Error(`no ${name} among ${(await seen(page)).join(' ')}`, { cause: e });
  }
}

// A dropped socket's reconnect is refused or cut on purpose here; Chromium logs it.
const PROVOKED = [/Failed to load resource/, /WebSocket connection to .* failed/];

test('Web Messaging delivered out of order: the window shows the messages in order, each once', async () => {
  const { page, token, cid } = await messagingChatWithPerson();
  const armed = await post('/__emulator/faults/out-of-order', { count: 3, token });
  assert.equal(armed.count, 3);
  for (const text of ['one', 'two', 'three']) await agentSays(cid, text);
  await waitForLine(page, /^Alex: three$/);
  await new Promise((r) => setTimeout(r, 500)); // a moment for a duplicate to show itself
  const shown = (await lines(page)).filter((l) => /^Alex: (one|two|three)$/.test(l));
  assert.deepEqual(shown, ['Alex: one', 'Alex: two', 'Alex: three']);
  const arrived = page.arrived.filter((t) => ['one', 'two', 'three'].includes(t));
  assert.equal(arrived.length, 3);
  assert.notDeepEqual(arrived, ['one', 'two', 'three'], 'the service delivered them out of order');
  assertNoTraps(page);
  await page.close();
});

test('Web Messaging after a dropped socket: reconnected, and nothing said meanwhile is lost or doubled', async () => {
  const { page, cid } = await messagingChatWithPerson();
  await agentSays(cid, 'before');
  await waitForLine(page, /^Alex: before$/);
  await post('/__emulator/faults/drop-sockets');
  await waitEvent(page, 'disconnected');
  await agentSays(cid, 'while you were away');
  // Sent while the socket is down: it goes once the session is attached again.
  await page.fill('#text', 'are you there?');
  await page.click('#send');
  await waitEvent(page, 'reconnected');
  await waitForLine(page, /^Sam: are you there\?$/);
  await agentSays(cid, 'yes');
  await waitForLine(page, /^Alex: yes$/);
  await new Promise((r) => setTimeout(r, 500));
  const after = (await lines(page)).slice((await lines(page)).indexOf('Alex: before'));
  assert.deepEqual(after, ['Alex: before', 'Alex: while you were away', 'Sam: are you there?', 'Alex: yes']);
  assert.equal(await page.inputValue('#text'), '', 'sendMessage resolved');
  assertNoTraps(page, { allowConsoleErrors: PROVOKED });
  await page.close();
});

test("the demo (npm start -- --messaging) chats over Web Messaging, and a reload restores it there", async () => {
  const page = await newPage(messagingBrowser);
  await page.goto(`${emu.url}/`);
  await page.selectOption('#transport', 'messaging');
  await page.click('#start');
  const said = () => page.waitForFunction(
    () => [...document.querySelectorAll('#transcript li')].some((li) => li.textContent === 'Alex: You said: hello there'),
    null, { timeout: 15000 },
  );
  await page.waitForFunction(() => document.querySelectorAll('#transcript li').length >= 2, null, { timeout: 15000 });
  await page.fill('#message', 'hello there');
  await page.click('#send');
  await said();
  const before = await page.$$eval('#transcript li', (l) => l.map((li) => li.textContent));
  assert.ok(before.includes('Alex joined'), before.join(' | '));
  await page.reload();
  await said();
  assert.equal(await page.inputValue('#transport'), 'messaging', 'the tab keeps the transport it chatted on');
  assert.deepEqual(await page.$$eval('#transcript li', (l) => l.map((li) => li.textContent)), before);
  await page.click('#end');
  await page.waitForSelector('#start-form:not([hidden])');
  assertNoTraps(page);
  await page.close();
});
