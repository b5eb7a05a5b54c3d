// A custom chat window built on WebChatService (tests/pages/webchat-custom-ui.html), driven as its user would:
// it works unchanged because the service's events, results and rejection texts are the shipped widget's. And a
// page (or an npm app) that configures WebChatService only later, with WebChatService.configure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newPage, assertNoTraps, emulatorAndBrowser } from './harness.mjs';

let emu;
let browser;
emulatorAndBrowser({ env: { CXBRIDGE_AGENT_DELAY_MS: '300', CXBRIDGE_HEARTBEAT_MS: '1000' } }, (e, b) => ([emu, browser] = [e, b]));

const lines = (page) => page.evaluate(() => [...document.querySelectorAll('#log li')].map((li) => li.textContent));
const statuses = (page) => page.evaluate(() => window.statuses.slice());
const waitForLine = (page, text) =>
  page.waitForFunction((t) => [...document.querySelectorAll('#log li')].some((li) => li.textContent === t), text, {
    timeout: 10000,
  });

test('a custom chat window written against the shipped WebChatService works unchanged', async () => {
  const page = await newPage(browser);
  await page.goto(`${emu.url}/tests/webchat-custom-ui.html`);
  // Record what the window's typing indicator shows over time (its status line keeps its own history).
  await page.evaluate(() => {
    window.typingShown = [];
    const typing = document.getElementById('typing');
    new MutationObserver(() => {
      if (!typing.hidden) window.typingShown.push(typing.textContent);
    }).observe(typing, { attributes: true, childList: true });
  });

  // Before a chat: the window maps the service's rejection texts to its own words.
  await page.fill('#text', 'hello?');
  await page.click('#send');
  await page.waitForFunction(() => window.statuses.length === 1);
  assert.deepEqual(await statuses(page), ['Start a chat first.']);
  await page.fill('#text', '');
  await page.click('#send');
  await page.waitForFunction(() => window.statuses.length === 2);
  assert.equal((await statuses(page))[1], 'Type a message first.');
  // "End" with no chat: refused ("There is no active chat session", no period), then — as the shipped widget —
  // `ended` all the same, after the fail callback.
  await page.click('#end');
  await page.waitForFunction(() => window.statuses.length === 4);
  assert.deepEqual((await statuses(page)).slice(2), ['There is no chat to end.', 'Chat ended']);

  // Start: the done callback first, then `started` (whose data names the conversation).
  await page.click('#start');
  await page.waitForFunction(() => window.statuses.includes('Connected'));
  assert.deepEqual((await statuses(page)).slice(4), ['Connecting…', 'Connected']);
  const cid = await page.evaluate(() => window.conversation);
  assert.match(cid, /^[0-9a-f-]{36}$/);

  // The scripted agent joins and greets: one join line (from.name of the notice), the header from agentConnected.
  await waitForLine(page, 'Alex joined the chat');
  await page.waitForFunction(() => [...document.querySelectorAll('#log li')].some((li) => /^Alex: Hello Sam/.test(li.textContent)), null, { timeout: 10000 });
  assert.equal(await page.textContent('#agent'), 'You are chatting with Alex');
  assert.equal((await lines(page)).filter((l) => l === 'Alex joined the chat').length, 1, 'one join notice per agent');
  assert.ok((await page.evaluate(() => window.typingShown)).includes('Alex is typing…'), 'the typing indicator named the agent');
  // agentTypingTimeout hides it (the window has no other way to).
  await page.waitForFunction(() => document.getElementById('typing').hidden, null, { timeout: 6000 });

  // A second start is refused with the vendor's text.
  await page.click('#start');
  await page.waitForFunction(() => window.statuses.includes('You are already chatting with us.'));

  // Talk.
  await page.fill('#text', 'where is my order');
  await page.click('#send');
  await waitForLine(page, 'Sam: where is my order');
  await waitForLine(page, 'Alex: You said: where is my order');
  assert.equal(await page.inputValue('#text'), '', 'sendMessage resolved');

  // The server got the entry form as the shipped widget sends it.
  const chats = await (await fetch(`${emu.url}/__emulator/agent/chats`)).json();
  const customer = chats.chats.find((c) => c.id === cid).customer;
  assert.equal(customer.displayName, 'Sam');
  assert.equal(customer.customFields.firstName, 'Samantha');
  assert.equal(customer.customFields.lastName, 'Jones');
  assert.equal(customer.customFields.customerId, 'C-1001');
  assert.equal(customer.customFields.page, 'checkout');
  assert.equal(customer.customFields.subject, 'Order 1001');
  assert.equal(customer.customFields._genesys_source, 'web');

  // "Email me this chat": the read commands, in the vendor's shapes.
  const summary = await page.evaluate(() => window.summary());
  assert.equal(summary.conversation, cid);
  assert.equal(summary.tokenParts, 3, 'getSessionData gives the JWT, as the vendor');
  assert.equal(typeof summary.lastMessageId, 'string');
  assert.deepEqual(summary.agents, ['Alex (here)']);
  assert.equal(summary.agentSince, 'number');
  assert.ok(summary.lines.includes('Sam: where is my order'));
  assert.ok(summary.lines.includes('Alex: You said: where is my order'));
  assert.equal(summary.originals, true, 'originalMessages[i] is the server original of messages[i]');
  assert.deepEqual(await page.evaluate(() => window.agentIds.length), 1);

  // End: the jqXHR of the leave, then `ended`.
  await page.click('#end');
  await page.waitForFunction(() => window.endStatus && document.getElementById('status').textContent === 'Chat ended');
  assert.equal(await page.evaluate(() => window.endStatus), '204 No Content');
  await page.fill('#text', 'anyone?');
  await page.click('#send');
  await page.waitForFunction(() => window.statuses[window.statuses.length - 1] === 'Start a chat first.');
  // After the end, as the vendor: the session object is {} and the transcript is empty.
  const after = await page.evaluate(() => window.summary());
  assert.equal(after.conversation, undefined);
  assert.deepEqual(after.lines, []);
  assert.deepEqual(after.agents, []);
  assertNoTraps(page);
  await page.close();
});

test('the event and result shapes a custom window reads, key for key', async () => {
  const page = await newPage(browser);
  await page.goto(`${emu.url}/tests/webchat-custom-ui.html`);
  await page.evaluate(() => {
    window.got = [];
    const bus = window._genesys.widgets.bus;
    for (const n of ['ready', 'capabilitiesChanged', 'started', 'ajaxResponse', 'messageReceived', 'agentConnected',
      'agentTypingStarted', 'agentTypingTimeout', 'clientDisconnected', 'ended']) {
      bus.subscribe('WebChatService.' + n, (e) => window.got.push({ n, e }));
    }
    window.cmd = (c, o) => new Promise((resolve) => {
      window.CXBus.command('WebChatService.' + c, o).done((v) => resolve({ ok: true, v })).fail((v) => resolve({ ok: false, v }));
    });
  });
  const before = await page.evaluate(async () => {
    const s = (await window.cmd('getSessionData')).v;
    return {
      session: Object.keys(s).map((k) => [k, s[k] === undefined ? 'undefined' : s[k]]),
      agents: (await window.cmd('getAgents')).v,
      transcript: (await window.cmd('getTranscript')).v,
      stats: (await window.cmd('getStats')).v,
      // Published once, right after `ready`, at load: the window's own subscription got it.
      caps: window.capabilities,
      attachHidden: document.getElementById('attach').hidden,
      ready: window.got.find((g) => g.n === 'ready').e.data,
    };
  });
  assert.deepEqual(before.session, [
    ['jwt', 'undefined'], ['conversationId', 'undefined'], ['memberId', 'undefined'], ['WebSocketUrl', 'undefined'],
    ['lastMessageId', 'undefined'], ['displayName', ''], ['nextMsgURL', ''],
  ]);
  assert.deepEqual(before.agents, { agents: {} });
  assert.deepEqual(before.transcript, { messages: [], originalMessages: [] });
  assert.deepEqual(before.stats, { agents: {}, startTime: false, endTime: false, duration: false });
  assert.deepEqual(before.caps, { async: false, asyncClose: 'hideChat', pagination: true, fileUpload: false });
  assert.equal(before.attachHidden, true);
  assert.deepEqual(before.ready, {});

  // startChat's own interactionData overrides the configured one for this chat (as the shipped service reads it).
  const start = await page.evaluate(() => window.cmd('startChat', { nickname: 'Kim', interactionData: { routing: { targetAddress: 'Sales' } } }));
  assert.deepEqual(start, { ok: true, v: undefined });
  const cid = await page.evaluate(async () => (await window.cmd('getSessionData')).v.conversationId);
  const routed = (await (await fetch(`${emu.url}/__emulator/agent/chats`)).json()).chats.find((c) => c.id === cid).routingTarget;
  assert.equal(routed.targetAddress, 'Sales');
  assert.equal(routed.priority, 2, 'the rest of the configured routing is kept');
  await page.waitForFunction(() => window.got.some((g) => g.n === 'agentConnected'), null, { timeout: 10000 });
  await page.waitForFunction(() => window.got.some((g) => g.n === 'messageReceived' &&
    g.e.data.messages.some((m) => m.type === 'Message')), null, { timeout: 10000 });
  const live = await page.evaluate(() => {
    const first = (n) => window.got.find((g) => g.n === n).e;
    const text = window.got.filter((g) => g.n === 'messageReceived').map((g) => g.e.data)
      .find((d) => d.messages.some((m) => m.type === 'Message'));
    const i = text.messages.findIndex((m) => m.type === 'Message');
    return {
      names: window.got.map((g) => g.n),
      started: Object.keys(first('started').data.data),
      startedEnvelope: { publisher: first('started').publisher, event: first('started').event },
      ajaxResponse: first('ajaxResponse').data,
      received: Object.keys(text).map((k) => [k, text[k] === undefined ? 'undefined' : typeof text[k]]),
      message: text.messages[i],
      original: text.originalMessages[i],
      agentConnected: first('agentConnected').data,
      typing: window.got.find((g) => g.n === 'agentTypingStarted')?.e.data,
    };
  });
  assert.deepEqual(live.started, ['jwt', 'conversationId', 'memberId', 'WebSocketUrl']);
  assert.deepEqual(live.startedEnvelope, { publisher: 'WebChatService', event: 'WebChatService.started' });
  assert.deepEqual(live.ajaxResponse, {});
  assert.ok(live.names.indexOf('started') < live.names.indexOf('ajaxResponse'));
  assert.deepEqual(live.received, [
    ['originalMessages', 'object'], ['messages', 'object'], ['restoring', 'boolean'], ['sessionData', 'undefined'],
    ['oldMessages', 'undefined'],
  ]);
  const m = live.message;
  assert.deepEqual(Object.keys(m), ['type', 'text', 'from', 'restoring', 'index', 'timestamp']);
  assert.deepEqual(Object.keys(m.from), ['id', 'name', 'type']);
  assert.equal(m.from.type, 'Agent');
  assert.equal(m.from.name, 'Alex');
  assert.equal(m.restoring, false);
  assert.equal(m.index, m.timestamp, 'index is the time, as the vendor');
  assert.equal(m.timestamp, Date.parse(live.original.timestamp));
  assert.deepEqual(Object.keys(live.original), ['id', 'sender', 'body', 'bodyType', 'timestamp', 'conversation']);
  assert.equal(live.original.sender.id, m.from.id);
  const ac = live.agentConnected;
  assert.deepEqual(Object.keys(ac.message), ['id', 'displayName', 'role', 'customFields', 'state', 'avatarImageUrl', 'lastEvent']);
  assert.deepEqual([ac.message.displayName, ac.message.role, ac.message.state, ac.message.lastEvent], ['Alex', 'AGENT', 'CONNECTED', 'CONNECTED']);
  assert.deepEqual(Object.keys(ac.agents), [ac.message.id]);
  const agent = ac.agents[ac.message.id];
  assert.deepEqual([agent.name, agent.connected, agent.supervisor, typeof agent.connectedTime, agent.disconnectedTime],
    ['Alex', true, false, 'number', false]);
  if (live.typing) assert.deepEqual(Object.keys(live.typing.from), ['name', 'id', 'avatar']);

  const rejections = await page.evaluate(async () => ({
    start: await window.cmd('startChat', {}),
    blank: await window.cmd('sendMessage', { message: '  ' }),
    none: await window.cmd('sendMessage'),
    file: await window.cmd('sendFile', {}),
  }));
  assert.deepEqual(rejections, {
    start: { ok: false, v: 'There is already an active chat session' },
    blank: { ok: false, v: 'No message text provided' },
    none: { ok: false, v: 'No message text provided' },
    file: { ok: false, v: "This transport doesn't support file uploads." },
  });

  await page.evaluate(() => { window.got.length = 0; });
  const ended = await page.evaluate(async () => {
    const r = await window.cmd('endChat');
    return { ok: r.ok, fields: [r.v.readyState, r.v.status, r.v.statusText, r.v.responseText], header: typeof r.v.getResponseHeader };
  });
  assert.deepEqual(ended, { ok: true, fields: [4, 204, 'No Content', ''], header: 'function' });
  await page.waitForFunction(() => window.got.some((g) => g.n === 'ended'));
  const end = await page.evaluate(() => window.got.map((g) => [g.n, JSON.stringify(g.e.data)]));
  assert.deepEqual(end.slice(-2), [['clientDisconnected', '{}'], ['ended', '{}']]);
  const afterEnd = await page.evaluate(async () => ({
    session: (await window.cmd('getSessionData')).v,
    again: await window.cmd('endChat'),
    send: await window.cmd('sendMessage', { message: 'x' }),
  }));
  assert.deepEqual(afterEnd, {
    session: {},
    again: { ok: false, v: 'There is no active chat session' },
    send: { ok: false, v: 'There is no active chat session.' },
  });
  assertNoTraps(page);
  await page.close();
});

test('the custom window after a reload: the restore re-renders the chat and its agent, then it goes on', async () => {
  const page = await newPage(browser);
  await page.goto(`${emu.url}/tests/webchat-custom-ui.html`);
  await page.click('#start');
  await page.waitForFunction(() => [...document.querySelectorAll('#log li')].some((li) => /^Alex: Hello Sam/.test(li.textContent)), null, { timeout: 10000 });
  await page.fill('#text', 'before the reload');
  await page.click('#send');
  await waitForLine(page, 'Alex: You said: before the reload');
  const before = await lines(page);

  await page.reload();
  // Restored: the agent header comes back from agentConnected, the log from messageReceived (restoring).
  await page.waitForFunction(() => document.getElementById('agent').textContent === 'You are chatting with Alex', null, { timeout: 10000 });
  await waitForLine(page, 'Alex: You said: before the reload');
  assert.deepEqual(await lines(page), before, 'the same lines, once each, in order');
  const summary = await page.evaluate(() => window.summary());
  assert.equal(summary.tokenParts, 3);
  assert.deepEqual(summary.agents, ['Alex (here)']);
  assert.equal(summary.originals, true);
  // It goes on.
  await page.fill('#text', 'after the reload');
  await page.click('#send');
  await waitForLine(page, 'Alex: You said: after the reload');
  await page.click('#end');
  await page.waitForFunction(() => document.getElementById('status').textContent === 'Chat ended');
  assertNoTraps(page);
  await page.close();
});

const NOT_CONFIGURED =
  'WebChatService is not configured: _genesys.widgets.webchat.transport is missing; call WebChatService.configure with it first';

test('configured later: no webchat configuration at load, then WebChatService.configure', async () => {
  // A script-tag page with no _genesys.widgets.webchat at load.
  const page = await newPage(browser);
  await page.goto(`${emu.url}/tests/blank.html`);
  await page.addScriptTag({ url: '/dist/cxbridge.js' });
  const early = await page.evaluate(async () => {
    await window.cxbridge.ready;
    const cmd = (c, o) => new Promise((resolve) => {
      window.CXBus.command('WebChatService.' + c, o).done((v) => resolve({ ok: true, v })).fail((v) => resolve({ ok: false, v: String(v) }));
    });
    window.cmd = cmd;
    return {
      start: await cmd('startChat', { nickname: 'Lee' }),
      send: await cmd('sendMessage', { message: 'hi' }),
      agents: await cmd('getAgents'),
      session: await cmd('getSessionData'),
      pre: await cmd('registerPreProcessor', { preprocessor: (m) => m }),
    };
  });
  for (const [k, r] of Object.entries(early)) {
    assert.deepEqual(r, { ok: false, v: NOT_CONFIGURED }, k);
  }
  const later = await page.evaluate(async () => {
    const events = [];
    window._genesys.widgets.bus.subscribe('WebChatService.agentConnected', (e) => events.push(e.data.message.displayName));
    const configured = await window.cmd('configure', { transport: {
      type: 'purecloud-v2-sockets', dataURL: location.origin, deploymentKey: 'K', orgGuid: 'O',
      interactionData: { routing: { targetAddress: 'Support' } },
    } });
    const start = await window.cmd('startChat', { nickname: 'Lee' });
    for (let i = 0; i < 200 && !events.length; i++) await new Promise((r) => setTimeout(r, 50));
    const ended = await window.cmd('endChat');
    return { configured, start, events, ended: ended.ok };
  });
  assert.deepEqual(later, { configured: { ok: true, v: undefined }, start: { ok: true, v: undefined }, events: ['Alex'], ended: true });
  assertNoTraps(page);

  // An npm app: load() with no globals, then configure.
  const app = await newPage(browser);
  await app.goto(`${emu.url}/tests/blank.html`);
  const npm = await app.evaluate(async () => {
    const { load } = await import('/dist/cxbridge.mjs');
    const api = await load();
    const cmd = (c, o) => new Promise((resolve) => {
      api.CXBus.command('WebChatService.' + c, o).done((v) => resolve({ ok: true, v })).fail((v) => resolve({ ok: false, v: String(v) }));
    });
    const before = await cmd('getTranscript');
    const configured = await cmd('configure', { transport: {
      type: 'purecloud-v2-sockets', dataURL: location.origin, deploymentKey: 'K', orgGuid: 'O',
      interactionData: { routing: { targetAddress: 'Support' } },
    } });
    const after = await cmd('getTranscript');
    return { before, configured: configured.ok, after: after.ok };
  });
  assert.deepEqual(npm, { before: { ok: false, v: NOT_CONFIGURED }, configured: true, after: true });
  assertNoTraps(app);
  await page.close();
  await app.close();
});
