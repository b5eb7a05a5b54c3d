// The demo as a newcomer walks it: accept an invitation, chat with the scripted agent, press an event in the
// embedded UI (served from the other origin), and find each of them in the timeline. Saves screenshots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { root, startEmulator, launchBrowser, newPage, assertNoTraps } from './harness.mjs';

let emu;
let browser;
const shots = join(root, 'test-results');
before(async () => {
  mkdirSync(shots, { recursive: true });
  emu = await startEmulator({ env: { CXBRIDGE_FAULTS: '1', CXBRIDGE_AGENT_DELAY_MS: '150' } });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await emu?.stop();
});

const timelineHas = (page, source, name) =>
  page.waitForSelector(`#timeline li[data-source="${source}"][data-name="${name}"]`, { timeout: 15000 });

test('a visitor accepts an invitation, chats with the agent, and sees every source in the timeline', async () => {
  const page = await newPage(browser);
  await page.setViewportSize({ width: 1280, height: 1000 });
  await page.goto(`${emu.url}/`);
  await page.waitForSelector('[data-cxbridge-status="ready"]');

  // The web action, by keyboard: the invitation takes focus, Enter accepts it.
  await page.focus('#offer');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#invitation:not([hidden])');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'accept');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#invitation', { state: 'hidden' });
  await timelineHas(page, 'ac', 'webchat:offered');
  await timelineHas(page, 'ac', 'webchat:accepted');

  // The chat.
  await page.click('#start');
  await page.waitForSelector('#send-form:not([hidden])');
  await page.waitForSelector('#transcript .msg-Agent.type-Message', { timeout: 15000 });
  await page.fill('#message', 'Where is my order?');
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    () => [...document.querySelectorAll('#transcript .msg-Agent.type-Message')].some((li) => li.textContent.includes('Where is my order?')),
    null,
    { timeout: 15000 },
  );
  await timelineHas(page, 'CXBus', 'WebChatService.messageReceived');
  await timelineHas(page, 'CXBus', 'WebChatService.agentConnected');
  // The chat carried the invitation's web action: it moved on with the chat.
  await timelineHas(page, 'ac', 'webchat:engaged');

  // The embedded UI in its iframe on the other origin.
  const frame = page.frameLocator('#engage');
  await frame.locator('button[data-event="smcc:task:ring"]').click();
  await timelineHas(page, 'EngageDigitalEmbeddedUI', 'smcc:task:ring');
  await timelineHas(page, 'CXBus', 'EngageDigital.smcc:task:ring');
  await page.waitForFunction(() => /1 accepted, 0 rejected/.test(document.getElementById('embedded-stats').textContent));

  // Analytics: the dataLayer pushes show in the timeline; the collector panel counts what arrived.
  await timelineHas(page, 'analytics', 'cxbridge.ac.webchat:accepted');
  await page.click('#refresh-collector');
  await page.waitForFunction(() => /\d+ received, \d+ unique, 0 duplicates/.test(document.getElementById('collector-summary').textContent));

  // Text from the network is text: a message with markup shows as typed, and creates no element.
  await page.fill('#message', '<img src=x onerror="window.__xss=1">');
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    () => [...document.querySelectorAll('#transcript .msg-Client')].some((li) => li.textContent.includes('<img src=x')),
  );
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.equal(await page.locator('#transcript img').count(), 0);

  // Filter: unticking a source hides its rows.
  await page.uncheck('#filters input[value="analytics"]');
  assert.equal(await page.locator('#timeline li[data-source="analytics"]:visible').count(), 0);
  await page.check('#filters input[value="analytics"]');

  await page.screenshot({ path: join(shots, 'demo.png'), fullPage: true });

  // End the chat: the action completes.
  await page.click('#end');
  await page.waitForSelector('#start-form:not([hidden])');
  await timelineHas(page, 'ac', 'webchat:completed');
  assertNoTraps(page);
});

test('the fault buttons show the recovery live in the timeline', async () => {
  const page = await newPage(browser);
  await page.goto(`${emu.url}/`);
  await page.waitForSelector('[data-cxbridge-status="ready"]');
  await page.click('#start');
  await page.waitForSelector('#transcript .msg-Agent.type-Message', { timeout: 15000 });
  await page.click('button[data-fault="drop"]');
  await timelineHas(page, 'CXBus', 'WebChatService.disconnected');
  await timelineHas(page, 'CXBus', 'WebChatService.reconnected');
  // A send that fails once with a 503 is retried and arrives once.
  await page.click('button[data-fault="fail-send"]');
  await page.fill('#message', 'after the fault');
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    () => [...document.querySelectorAll('#transcript .msg-Agent')].some((li) => li.textContent.includes('after the fault')),
    null,
    { timeout: 20000 },
  );
  assert.equal(
    await page.locator('#transcript .msg-Client', { hasText: 'after the fault' }).count(),
    1,
    'the retried message shows once',
  );
  await page.screenshot({ path: join(shots, 'demo-faults.png'), fullPage: true });
  assertNoTraps(page, { allowConsoleErrors: [/503/] });
});

test('the agent console is one click away', async () => {
  const page = await newPage(browser);
  await page.goto(`${emu.url}/`);
  const href = await page.getAttribute('a[href="/agent"]', 'href');
  assert.equal(href, '/agent');
  const agent = await newPage(browser);
  await agent.goto(`${emu.url}${href}`);
  await agent.waitForLoadState('domcontentloaded');
  assert.match(await agent.title(), /agent/i);
  assertNoTraps(agent);
  assertNoTraps(page);
});
