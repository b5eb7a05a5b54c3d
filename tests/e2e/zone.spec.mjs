// Pages of Angular apps load zone.js before anything else: it wraps setTimeout, queueMicrotask, Promise,
// addEventListener, WebSocket, fetch and MutationObserver with its own bookkeeping. Pages used elsewhere, with
// zone.js (from npm) run first: a chat and the bus work unchanged under it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { newPage, assertNoTraps, emulatorAndBrowser } from './harness.mjs';

// Its UMD bundle: a classic script, as the init script runs.
const zone = createRequire(import.meta.url).resolve('zone.js');

let emu;
let browser;
emulatorAndBrowser({ env: { CXBRIDGE_AGENT_DELAY_MS: '300' } }, (e, b) => ([emu, browser] = [e, b]));

/** A page with zone.js run before its own scripts, as an Angular app's polyfills do. */
async function zonedPage(path) {
  const page = await newPage(browser);
  await page.addInitScript({ path: zone });
  await page.goto(`${emu.url}${path}`);
  assert.equal(await page.evaluate(() => typeof Zone === 'function' && Zone.current.name), '<root>');
  return page;
}

const waitForLine = (page, text) =>
  page.waitForFunction((t) => [...document.querySelectorAll('#log li')].some((li) => li.textContent === t), text, {
    timeout: 10000,
  });

test('a custom chat window under zone.js: start, the agent, talk, end', async () => {
  const page = await zonedPage('/tests/webchat-custom-ui.html');
  await page.click('#start');
  await page.waitForFunction(() => window.statuses.includes('Connected'));
  await waitForLine(page, 'Alex joined the chat');
  await page.fill('#text', 'where is my order');
  await page.click('#send');
  await waitForLine(page, 'Sam: where is my order');
  await waitForLine(page, 'Alex: You said: where is my order');
  await page.click('#end');
  await page.waitForFunction(() => document.getElementById('status').textContent === 'Chat ended');
  assertNoTraps(page);
});

test('CXBus under zone.js: a command answered, events delivered in order', async () => {
  const page = await zonedPage('/tests/bus-surface.html');
  const r = await page.evaluate(async () => {
    await cxbridge.ready;
    const p = CXBus.registerPlugin('Zoned');
    const seen = [];
    p.registerCommand('ping', (e) => e.deferred.resolve('pong:' + e.data));
    CXBus.subscribe('Zoned.one', (e) => seen.push(e.data));
    p.ready();
    p.publish('one', 1);
    p.publish('one', 2);
    const answer = await CXBus.command('Zoned.ping', 'x');
    return { seen, answer };
  });
  assert.deepEqual(r, { seen: [1, 2], answer: 'pong:x' });
  assertNoTraps(page);
});
