// The emulator against the vendor's own client: Genesys' npm package `purecloud-guest-chat-client` drives a
// whole chat (REST from Node), while the event stream is a plain browser WebSocket in Chromium, as in a page.
// Also: the agent console at /agent answering by hand, and the API called from the second origin (localhost).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { newPage, assertNoTraps, emulatorAndBrowser } from './harness.mjs';

const require = createRequire(import.meta.url);
const platformClient = require('purecloud-guest-chat-client');

let emu;
let browser;
emulatorAndBrowser({
    env: { CXBRIDGE_AGENT_DELAY_MS: '100', CXBRIDGE_HEARTBEAT_MS: '500', CXBRIDGE_FAULTS: '1' },
  }, (e, b) => ([emu, browser] = [e, b]));

function officialClient() {
  const client = platformClient.ApiClient.instance;
  client.setEnvironment('mypurecloud.com');
  // The SDK always builds https://api.<env>; point it at the emulator the way a proxy would.
  client.config.basePath = emu.url;
  return { client, api: new platformClient.WebChatApi() };
}

/**
 * purecloud-guest-chat-client 13.x bug, reproduced against this emulator and inherent to the SDK: for a call
 * without auth (only create), `addHeaders` merges into the shared `defaultHeaders` object, and the logger then
 * writes `Authorization: '[REDACTED]'` into it, so every later call sends that instead of `Bearer <jwt>` and
 * gets a 401. An app using the SDK must drop the poisoned header after create, as we do here.
 */
function afterCreate(client, chat) {
  delete client.defaultHeaders.Authorization;
  client.setJwt(chat.jwt);
}

const createBody = (name) => ({
  organizationId: 'org-e2e',
  deploymentId: 'deployment-e2e',
  routingTarget: { targetType: 'QUEUE', targetAddress: 'Support', priority: 1 },
  memberInfo: { displayName: name, customFields: { plan: 'gold' } },
});

/** Opens the event stream in a page; frames collect in window.frames_. */
async function openStream(page, uri) {
  await page.goto(`${emu.url}/tests/blank.html`);
  await page.evaluate(
    (u) =>
      new Promise((resolve, reject) => {
        window.frames_ = [];
        window.closed_ = false;
        const ws = new WebSocket(u);
        ws.onmessage = (e) => window.frames_.push(JSON.parse(e.data));
        ws.onopen = () => resolve();
        ws.onerror = () => reject(new Error('websocket error'));
        ws.onclose = () => {
          window.closed_ = true;
        };
        window.ws_ = ws;
      }),
    uri,
  );
}

const waitFrame = (page, predicateSource, arg) =>
  page.waitForFunction(
    ([src, a]) => {
      const pred = new Function('f', 'arg', `return (${src})(f, arg);`);
      return window.frames_.findIndex((f) => pred(f, a)) + 1;
    },
    [predicateSource, arg],
  ).then((h) => h.jsonValue().then((i) => i - 1));

test('the official purecloud-guest-chat-client chats with the emulator from create to leave', async () => {
  const { client, api } = officialClient();
  const chat = await api.postWebchatGuestConversations(createBody('Ann'));
  assert.match(chat.id, /^[0-9a-f-]{36}$/);
  assert.equal(chat.jwt.split('.').length, 3);
  assert.ok(chat.eventStreamUri.startsWith(`ws://127.0.0.1:${emu.port}/channels/`), chat.eventStreamUri);
  afterCreate(client, chat);
  const me = chat.member.id;

  const page = await newPage(browser);
  await openStream(page, chat.eventStreamUri);

  // Routed once the stream is attached: the scripted agent joins, types, greets.
  const greetAt = await waitFrame(
    page,
    '(f) => f.metadata && f.metadata.type === "message" && f.eventBody.bodyType === "standard"',
  );
  const frames = await page.evaluate(() => window.frames_);
  const greeting = frames[greetAt];
  assert.equal(greeting.topicName, `v2.conversations.chats.${chat.id}.messages`);
  assert.equal(greeting.eventBody.body, "Hello Ann, I'm Alex. How can I help you today?");
  const agentId = greeting.eventBody.sender.id;
  assert.ok(frames.slice(0, greetAt).some((f) => f.metadata?.type === 'typing-indicator' && f.eventBody.sender.id === agentId));
  assert.ok(frames.some((f) => f.metadata?.type === 'member-change' && f.eventBody.member.id === agentId && f.eventBody.member.state === 'CONNECTED'));

  const sent = await api.postWebchatGuestConversationMemberMessages(chat.id, me, { body: 'My order is late', bodyType: 'standard' });
  assert.equal(sent.body, 'My order is late');
  assert.equal(sent.sender.id, me);
  const replyAt = await waitFrame(page, '(f) => f.eventBody && f.eventBody.body === "You said: My order is late"');
  const afterSend = (await page.evaluate(() => window.frames_)).slice(greetAt + 1, replyAt);
  assert.ok(afterSend.some((f) => f.metadata?.type === 'message' && f.eventBody.id === sent.id), 'own message echoed');
  assert.ok(afterSend.some((f) => f.metadata?.type === 'typing-indicator' && f.eventBody.sender.id === agentId), 'agent typed first');

  const typing = await api.postWebchatGuestConversationMemberTyping(chat.id, me);
  assert.equal(typing.sender.id, me);
  assert.equal(typing.conversation.id, chat.id);
  await waitFrame(page, '(f, id) => f.metadata && f.metadata.type === "typing-indicator" && f.eventBody.id === id', typing.id);

  const history = await api.getWebchatGuestConversationMessages(chat.id, { maxResults: 100, sortOrder: 'ascending' });
  const standard = history.entities.filter((m) => m.bodyType === 'standard').map((m) => m.body);
  assert.deepEqual(standard, ["Hello Ann, I'm Alex. How can I help you today?", 'My order is late', 'You said: My order is late']);
  assert.ok(history.entities.some((m) => m.bodyType === 'member-join' && m.sender.id === me));
  const page1 = await api.getWebchatGuestConversationMessages(chat.id, { maxResults: 2 });
  assert.equal(page1.entities.length, 2);
  assert.ok(page1.previousPage);

  const members = await api.getWebchatGuestConversationMembers(chat.id, { pageSize: 25, pageNumber: 1 });
  assert.deepEqual(members.entities.map((m) => [m.role, m.state]), [['CUSTOMER', 'CONNECTED'], ['ACD', 'DISCONNECTED'], ['AGENT', 'CONNECTED']]);
  const agent = await api.getWebchatGuestConversationMember(chat.id, agentId);
  assert.equal(agent.role, 'AGENT');
  assert.equal(agent.displayName, 'Alex');

  // The SDK rejects with the ErrorBody on a 400, and on a wrong JWT with a 401.
  await assert.rejects(
    api.postWebchatGuestConversationMemberMessages(chat.id, me, { body: 'x'.repeat(4001) }),
    (err) => err.status === 400 && /body/.test(err.message),
  );
  client.setJwt('not-a-jwt');
  await assert.rejects(api.getWebchatGuestConversationMembers(chat.id), (err) => err.status === 401);
  client.setJwt(chat.jwt);

  await api.deleteWebchatGuestConversationMember(chat.id, me);
  await waitFrame(page, '(f, id) => f.metadata && f.metadata.type === "member-change" && f.eventBody.member.id === id && f.eventBody.member.state === "DISCONNECTED"', me);
  await page.waitForFunction(() => window.closed_);
  const mine = await api.getWebchatGuestConversationMember(chat.id, me);
  assert.equal(mine.state, 'DISCONNECTED');
  assertNoTraps(page);
});

test('a person answers from the agent console at /agent', async () => {
  const { client, api } = officialClient();
  const setMode = (manual) =>
    fetch(`${emu.url}/__emulator/agent/mode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ manual }),
    });
  await setMode(true);
  try {
    const chat = await api.postWebchatGuestConversations(createBody('Bea'));
    afterCreate(client, chat);
    const customer = await newPage(browser);
    await openStream(customer, chat.eventStreamUri);

    const console_ = await newPage(browser);
    await console_.goto(`${emu.url}/agent`);
    await console_.getByRole('button', { name: /Bea · waiting/ }).click();
    await console_.getByRole('button', { name: 'Take this chat' }).click();
    await console_.locator('#status', { hasText: 'human' }).waitFor();
    await console_.getByLabel('answer').fill('Hi Bea, Sam here.');
    await console_.getByRole('button', { name: 'Send' }).click();
    await waitFrame(customer, '(f) => f.eventBody && f.eventBody.body === "Hi Bea, Sam here."');

    await api.postWebchatGuestConversationMemberMessages(chat.id, chat.member.id, { body: 'Thanks Sam' });
    await console_.locator('#messages li', { hasText: 'Thanks Sam' }).waitFor();
    await console_.getByRole('button', { name: 'Leave (end chat)' }).click();
    await waitFrame(customer, '(f, id) => f.eventBody && f.eventBody.member && f.eventBody.member.id === id && f.eventBody.member.state === "DISCONNECTED"', chat.member.id);
    assertNoTraps(console_);
    assertNoTraps(customer);
  } finally {
    await setMode(false);
  }
});

test('the bare customer page at /agent/customer chats with the scripted agent', async () => {
  const page = await newPage(browser);
  await page.goto(`${emu.url}/agent/customer`);
  await page.getByLabel('your name').fill('Dee');
  await page.getByRole('button', { name: 'Start chat' }).click();
  await page.locator('#messages li', { hasText: "Hello Dee, I'm Alex." }).waitFor();
  await page.getByLabel('message').fill('hi there');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('#messages li', { hasText: 'You said: hi there' }).waitFor();
  await page.getByRole('button', { name: 'End chat' }).click();
  await page.locator('#messages li', { hasText: 'The chat has ended.' }).waitFor();
  assertNoTraps(page);
});

test('a page on the second origin (localhost) calls the API and the collector across origins', async () => {
  const page = await newPage(browser);
  await page.goto(`${emu.altUrl}/tests/blank.html`);
  const result = await page.evaluate(async ([api, body]) => {
    const created = await fetch(`${api}/api/v2/webchat/guest/conversations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((r) => r.json());
    const members = await fetch(`${api}/api/v2/webchat/guest/conversations/${created.id}/members`, {
      headers: { authorization: `Bearer ${created.jwt}`, 'content-type': 'application/json' },
    }).then((r) => r.json());
    const envelope = { id: crypto.randomUUID(), source: 'CIF', event: { name: 'x', data: {} }, timestamp: new Date().toISOString() };
    const beacon = navigator.sendBeacon(`${api}/collector`, JSON.stringify([envelope]));
    const posted = await fetch(`${api}/collector`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([envelope]),
    }).then((r) => r.json());
    return { role: members.entities[0].role, beacon, posted, id: envelope.id };
  }, [emu.url, createBody('Cy')]);
  assert.equal(result.role, 'CUSTOMER');
  assert.equal(result.beacon, true);
  assert.equal(result.posted.accepted, 1);
  const deadline = Date.now() + 10_000;
  let got;
  do {
    got = await fetch(`${emu.url}/collector`).then((r) => r.json());
    if (got.received.filter((e) => e.id === result.id).length === 2) break;
    await new Promise((r) => setTimeout(r, 50));
  } while (Date.now() < deadline);
  assert.equal(got.received.filter((e) => e.id === result.id).length, 2);
  assert.ok(got.duplicates >= 1);
  assertNoTraps(page);
});
