// npm run soak (not part of npm test): a long chat through WebChatService against the emulator, under faults.
//
//   20 messages/s for 5 minutes from a page in headless Chromium; every 20 s every event-stream socket is cut
//   without a close frame (the client sees 1006 and must reconnect and catch up); 5% of message sends are answered
//   503, half of them before the server stored the message ("fail") and half after ("accept-then-fail": the
//   client must find its message instead of sending it twice).
//
// Checked at the end: every send resolved; the server stored each sent message exactly once, in sending order;
// the page was delivered each of its own messages and each agent answer exactly once, in the server's order; the
// JS heap (after a forced GC) did not grow. The page keeps no bookkeeping of its own (it reports each delivery to
// this script through an exposed function), so its heap is cxbridge's.
//
// SOAK_SECONDS (300), SOAK_RATE (20 msg/s), SOAK_DROP_EVERY_S (20), SOAK_FAIL_PERCENT (5) change the run;
// `--readme` writes the result into docs/reliability.md between the soak markers. Exits non-zero if a check fails.
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startEmulator, launchBrowser, newPage, assertNoTraps, root } from '../tests/e2e/harness.mjs';

const SECONDS = Number(process.env.SOAK_SECONDS || 300);
const RATE = Number(process.env.SOAK_RATE || 20);
const DROP_EVERY_S = Number(process.env.SOAK_DROP_EVERY_S || 20);
const FAIL_PERCENT = Number(process.env.SOAK_FAIL_PERCENT || 5);
const writeReadme = process.argv.includes('--readme');

const log = (m) => console.log(`[soak ${new Date().toISOString().slice(11, 19)}] ${m}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

if (!process.argv.includes('--no-build')) {
  const { build } = await import('./build.mjs');
  await build({ quiet: true });
  execFileSync('cargo', ['build', '--quiet', '-p', 'cxbridge-emulator'], { cwd: root, stdio: 'inherit' });
}

const emu = await startEmulator({
  args: ['--faults'],
  env: { CXBRIDGE_AGENT_DELAY_MS: '200', CXBRIDGE_HEARTBEAT_MS: '5000' },
});
const browser = await launchBrowser();
const post = (path, body) =>
  fetch(`${emu.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then((r) => r.json());

let failed = false;
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failed = true;
};

try {
  const page = await newPage(browser);
  // What the page saw, kept here rather than in the page's heap.
  const delivered = []; // [id, fromType, text] in delivery order
  const settled = { done: 0, fail: [] };
  const events = {};
  await page.exposeFunction('soakDelivered', (batch) => delivered.push(...batch));
  await page.exposeFunction('soakSettled', (n, error) => (error ? settled.fail.push([n, error]) : settled.done++));
  await page.exposeFunction('soakEvent', (name) => (events[name] = (events[name] || 0) + 1));
  await page.goto(`${emu.url}/tests/reliability.html`);
  await page.evaluate(async () => {
    const bus = window._genesys.widgets.bus;
    bus.subscribe('WebChatService.messageReceived', (e) => {
      const batch = [];
      for (const m of e.data.messages) if (m.type === 'Message') batch.push([m.id, m.from.type, m.text]);
      if (batch.length) window.soakDelivered(batch);
    });
    for (const name of ['disconnected', 'reconnected', 'error', 'chatServerWentOffline', 'chatServerBackOnline',
      'connectionPending', 'connectionRestored', 'ended']) {
      bus.subscribe('WebChatService.' + name, () => window.soakEvent(name));
    }
    await window.CXBus.command('WebChatService.startChat', { nickname: 'Soak' });
  });
  const session = await page.evaluate(() => window.CXBus.command('WebChatService.getSessionData'));
  const cid = session.conversationId || session.id;
  log(`chat ${cid} started; waiting for the agent`);
  for (let i = 0; i < 200 && !delivered.some((d) => d[2].startsWith('Hello Soak')); i++) await sleep(50);

  const cdp = await page.context().newCDPSession(page);
  const heap = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    return (await cdp.send('Runtime.getHeapUsage')).usedSize;
  };
  const heapSamples = [[0, await heap()]];

  // The sender runs in the page: RATE messages a second, catching up if a tick was late, never more.
  await page.evaluate(
    ({ rate, seconds }) => {
      const start = performance.now();
      let n = 0;
      const total = rate * seconds;
      const tick = () => {
        const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
        while (n < due) {
          const i = n++;
          window.CXBus.command('WebChatService.sendMessage', { message: 'soak ' + i })
            .done(() => window.soakSettled(i, null))
            .fail((e) => window.soakSettled(i, String(e && e.message ? e.message : e)));
        }
        if (n < total) setTimeout(tick, 10);
      };
      tick();
    },
    { rate: RATE, seconds: SECONDS },
  );

  const total = RATE * SECONDS;
  const started = Date.now();
  let drops = 0;
  let faultsAdded = 0;
  let nextDrop = DROP_EVERY_S * 1000;
  let nextSample = 20_000;
  const every = Math.round(100 / FAIL_PERCENT);
  while (Date.now() - started < SECONDS * 1000) {
    const t = Date.now() - started;
    if (t >= nextDrop) {
      const r = await post('/__emulator/faults/drop-sockets');
      drops++;
      nextDrop += DROP_EVERY_S * 1000;
      log(`dropped ${r.dropped} socket(s); sends settled ${settled.done}/${total}, delivered ${delivered.length}`);
    }
    // One 503 per `every` sends, the next one at most: a new rule once the previous one was used.
    const attempts = settled.done + settled.fail.length;
    if (attempts >= (faultsAdded + 1) * every) {
      const rules = (await (await fetch(`${emu.url}/__emulator/faults`)).json()).rules;
      if (!rules.some((r) => r.remaining > 0)) {
        const mode = faultsAdded % 2 ? 'accept-then-fail' : 'fail';
        await post('/__emulator/faults/requests', { path: '/messages', method: 'POST', status: 503, count: 1, mode });
        faultsAdded++;
      }
    }
    if (t >= nextSample) {
      heapSamples.push([Math.round(t / 1000), await heap()]);
      nextSample += 20_000;
    }
    await sleep(100);
  }
  log('sending done; waiting for every send to settle and every answer to arrive');
  const waitStart = Date.now();
  const answers = () => delivered.filter((d) => d[1] !== 'Client' && d[2].startsWith('You said: soak ')).length;
  while (Date.now() - waitStart < 120_000) {
    if (settled.done + settled.fail.length >= total && answers() >= total) break;
    await sleep(200);
  }
  await sleep(1000);
  heapSamples.push([Math.round((Date.now() - started) / 1000), await heap()]);
  const rulesLeft = (await (await fetch(`${emu.url}/__emulator/faults`)).json()).rules.filter((r) => r.remaining > 0)
    .length;
  const injected = faultsAdded - rulesLeft;

  // ---- checks ----
  const server = (await (await fetch(`${emu.url}/__emulator/conversations/${cid}/messages`)).json()).entities;
  const serverOwn = server.filter((m) => m.bodyType === 'standard' && m.body.startsWith('soak '));
  const sentTexts = Array.from({ length: total }, (_, i) => `soak ${i}`);
  const serverTexts = serverOwn.map((m) => m.body);
  check(settled.done === total && settled.fail.length === 0,
    `every send resolved: ${settled.done}/${total} resolved, ${settled.fail.length} rejected ${JSON.stringify(settled.fail.slice(0, 3))}`);
  check(JSON.stringify(serverTexts) === JSON.stringify(sentTexts),
    `the server stored each of the ${total} messages once, in sending order (stored ${serverTexts.length}, distinct ${new Set(serverTexts).size})`);
  const ownDelivered = delivered.filter((d) => d[2].startsWith('soak ')).map((d) => d[2]);
  check(JSON.stringify(ownDelivered) === JSON.stringify(sentTexts),
    `the page was delivered each own message once, in order (delivered ${ownDelivered.length}, distinct ${new Set(ownDelivered).size})`);
  const ids = delivered.map((d) => d[0]);
  check(new Set(ids).size === ids.length, `no message delivered twice (${ids.length} deliveries, ${new Set(ids).size} distinct ids)`);
  const serverStandard = server.filter((m) => m.bodyType === 'standard').map((m) => m.id);
  check(JSON.stringify(ids) === JSON.stringify(serverStandard),
    `the page's order is the server's order (${ids.length} delivered, ${serverStandard.length} on the server)`);
  check(answers() === total, `every agent answer arrived once (${answers()}/${total})`);
  const base = heapSamples[1] ? heapSamples[1][1] : heapSamples[0][1];
  const last = heapSamples[heapSamples.length - 1][1];
  const growth = last - base;
  check(growth < 1024 * 1024, `JS heap flat: ${(base / 1e6).toFixed(2)} MB at ${heapSamples[1]?.[0] ?? 0} s, ${(last / 1e6).toFixed(2)} MB at the end (${growth >= 0 ? '+' : ''}${(growth / 1024).toFixed(0)} KB)`);
  assertNoTraps(page, { allowConsoleErrors: [/Failed to load resource: the server responded with a status of 503/, /ERR_CONNECTION|WebSocket/] });
  check(true, 'no page error, unhandled rejection or trap');

  const result = [
    `soak: ${SECONDS} s at ${RATE} msg/s (${total} messages), sockets cut every ${DROP_EVERY_S} s (${drops} cuts), ${injected} sends answered 503 (${((injected / total) * 100).toFixed(1)}%: ${Math.ceil(injected / 2)} before storing, ${Math.floor(injected / 2)} after)`,
    `sends: ${settled.done} resolved, ${settled.fail.length} rejected; server stored ${serverTexts.length} (distinct ${new Set(serverTexts).size}); page delivered ${ownDelivered.length} own + ${answers()} answers, ${ids.length - new Set(ids).size} duplicates, order ${JSON.stringify(ids) === JSON.stringify(serverStandard) ? 'kept' : 'BROKEN'}`,
    `events: ${Object.entries(events).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`,
    `JS heap after GC (MB): ${heapSamples.map(([t, b]) => `${t}s ${(b / 1e6).toFixed(2)}`).join(', ')}`,
    `result: ${failed ? 'FAILED' : 'passed'} (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC)`,
  ].join('\n');
  console.log(`\n${result}`);
  if (writeReadme) {
    const file = join(root, 'docs/reliability.md');
    const text = readFileSync(file, 'utf8');
    const block = `<!-- soak:begin -->\n\`\`\`\n${result}\n\`\`\`\n<!-- soak:end -->`;
    const next = text.replace(/<!-- soak:begin -->[\s\S]*<!-- soak:end -->/, block);
    if (next === text && !text.includes('<!-- soak:begin -->')) throw new Error('docs/reliability.md has no soak markers');
    writeFileSync(file, next);
    log('docs/reliability.md updated');
  }
} catch (err) {
  console.error(err);
  failed = true;
} finally {
  await browser.close();
  await emu.stop();
}
process.exit(failed ? 1 : 0);
