// Secrets: the guest JWT that the Guest Chat API hands out is a bearer credential for the whole conversation. It
// may live in memory, in the Authorization header and in sessionStorage (so that a reload can restore the chat,
// as the vendor widget does), and it is given to the page where the shipped widget gives it (getSessionData and
// the `started` event, which pages read); it must never reach localStorage, cookies, the console (even with CXBus
// debug logging on), an analytics envelope or dataLayer push, any other event payload, resolution or error
// message, or a URL. The chat here goes through every path that reports something: start, messages both ways, typing, a
// refused send (401), ambiguous sends (503), a cut socket and its catch-up, getters of session data, the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newPage, assertNoTraps, emulatorAndBrowser } from './harness.mjs';

let emu;
let browser;
emulatorAndBrowser({ args: ['--faults'], env: { CXBRIDGE_AGENT_DELAY_MS: '200', CXBRIDGE_HEARTBEAT_MS: '1000' } }, (e, b) => ([emu, browser] = [e, b]));

const fault = (body) =>
  fetch(`${emu.url}/__emulator/faults/requests`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

test('the guest JWT never leaves the Authorization header and sessionStorage', async () => {
  const page = await newPage(browser);
  const consoleText = [];
  page.on('console', (m) => consoleText.push(m.text()));
  page.on('pageerror', (e) => consoleText.push(String(e && e.stack)));
  const urls = [];
  page.on('request', (r) => urls.push(r.url()));
  page.on('websocket', (ws) => urls.push(ws.url()));
  await page.goto(`${emu.url}/tests/reliability.html`);

  const created = page.waitForResponse(
    (r) => r.request().method() === 'POST' && r.url().endsWith('/api/v2/webchat/guest/conversations'),
  );
  await page.evaluate(async () => {
    const api = await window.cxbridge.ready;
    window.CXBus.configure({ debug: true });
    api.analytics.configure({ endpoint: '/collector', dataLayer: true, batchSize: 1, flushIntervalMs: 0 });
    window.seen = [];
    const keep = (what, v) => {
      try {
        window.seen.push(what + ' ' + JSON.stringify(v));
      } catch (e) {
        window.seen.push(what + ' (unserializable) ' + String(v));
      }
    };
    const bus = window._genesys.widgets.bus;
    for (const name of ['started', 'ended', 'messageReceived', 'error', 'agentConnected', 'clientConnected',
      'disconnected', 'reconnected', 'connectionPending', 'connectionRestored', 'agentTypingStarted']) {
      bus.subscribe('WebChatService.' + name, (e) => keep('event ' + name, e));
    }
    window.run = (command, options) =>
      window.CXBus.command('WebChatService.' + command, options).then(
        (v) => keep('resolved ' + command, v),
        (e) => keep('rejected ' + command, e instanceof Error ? e.message + ' ' + e.stack : e),
      );
    window.ac('on', 'webchat:all', (e) => keep('ac', e));
    await window.run('startChat', { nickname: 'Secret', email: 'ann@example.com' });
  });
  const jwt = (await (await created).json()).jwt;
  assert.ok(jwt && jwt.length > 20, 'the emulator issued a JWT');

  await page.evaluate(async () => {
    await window.run('sendMessage', { message: 'first' });
    await window.run('sendTyping');
    for (const c of ['getSessionData', 'getTranscript', 'getAgents', 'getStats', 'verifySession']) await window.run(c);
  });
  // While the chat is on, the snapshot that lets a reload restore it holds the JWT: the one place it may be
  // stored (and proof that the searches below would find it).
  const during = await page.evaluate(() => JSON.stringify(Object.entries(sessionStorage)));
  assert.ok(during.includes(jwt), 'the restore snapshot in sessionStorage holds the JWT');
  await fault({ path: '/messages', method: 'POST', status: 401, count: 1 });
  await page.evaluate(() => window.run('sendMessage', { message: 'refused' }));
  await fault({ path: '/messages', method: 'POST', status: 503, count: 1, mode: 'accept-then-fail' });
  await page.evaluate(() => window.run('sendMessage', { message: 'ambiguous' }));
  await fetch(`${emu.url}/__emulator/faults/drop-sockets`, { method: 'POST' });
  await page.evaluate(async () => {
    for (let i = 0; i < 300 && !window.seen.some((l) => l.startsWith('event reconnected')); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await window.run('sendMessage', { message: 'after the cut' });
    await new Promise((r) => setTimeout(r, 800));
    await window.run('endChat');
    await window.run('sendMessage', { message: 'after the end' });
    await new Promise((r) => setTimeout(r, 500));
  });

  const where = await page.evaluate(async () => {
    const local = {};
    for (let i = 0; i < localStorage.length; i++) local[localStorage.key(i)] = localStorage.getItem(localStorage.key(i));
    const session = {};
    for (let i = 0; i < sessionStorage.length; i++) session[sessionStorage.key(i)] = sessionStorage.getItem(sessionStorage.key(i));
    return {
      localStorage: JSON.stringify(local),
      sessionStorage: JSON.stringify(session),
      cookies: document.cookie,
      dataLayer: JSON.stringify(window.dataLayer || []),
      seen: window.seen.join('\n'),
    };
  });
  const collected = JSON.stringify(await (await fetch(`${emu.url}/collector`)).json());

  // The chat really went through the paths that report things.
  assert.match(where.seen, /event started/);
  assert.match(where.seen, /event error/);
  assert.match(where.seen, /rejected sendMessage/);
  assert.match(where.seen, /event reconnected/);
  assert.ok(collected.includes('WebChatService.'), 'bus events reached the collector');
  assert.ok(consoleText.some((t) => /WebChatService/.test(t)), 'debug logging was on');

  // The signature is the secret part; the header and payload are base64 of JSON anyone may read.
  const parts = [jwt, jwt.split('.').pop()].filter((p) => p.length >= 16);
  const leaks = [];
  const search = (what, text) => {
    for (const p of parts) if (text.includes(p)) leaks.push(what);
  };
  search('localStorage', where.localStorage);
  search('cookies', where.cookies);
  search('dataLayer', where.dataLayer);
  search('collector envelopes', collected);
  // The page is given it where the vendor gives it — which also proves the searches would find it...
  const lines = where.seen.split('\n');
  const given = lines.filter((l) => /^(event started|resolved getSessionData) /.test(l));
  assert.ok(given.length >= 2 && given.every((l) => l.includes(jwt)), 'started and getSessionData carry the JWT');
  // ...and nowhere else, while the analytics envelopes and dataLayer pushes of that very `started` event are
  // searched above and below.
  assert.ok(collected.includes('WebChatService.started'), 'started was reported to analytics');
  assert.ok(where.dataLayer.includes('WebChatService.started'), 'started was pushed to the dataLayer');
  search('events, resolutions and rejections', lines.filter((l) => !given.includes(l)).join('\n'));
  search('console output', consoleText.join('\n'));
  search('request or socket URLs', urls.join('\n'));
  assert.deepEqual([...new Set(leaks)], []);
  // Where it may be: sessionStorage, for a reload to restore the chat (emptied once the chat ended).
  assert.ok(!where.sessionStorage.includes(jwt), 'the ended chat left no JWT in sessionStorage');
  assertNoTraps(page, { allowConsoleErrors: [/status of (401|503)/, /WebSocket/] });
});
