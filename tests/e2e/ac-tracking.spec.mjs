// ac() as tracking pages use it: the vendor's snippet, then init, pageview, every autotrack module loaded with
// `ac('load', …)` and forms tracked with `ac('forms:track', …)`, all queued before cxbridge.js runs. What each
// records is read where a tag manager reads it: the page's dataLayer (through cxbridge.analytics).
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

const MISTAKES = [
  /^ac\('load'\): the module must be one of autotrackClick, autotrackIdle, .*, got 'autotrackClicks'$/,
  /^ac\('load', 'autotrackScrollDepth'\): config\.scrollDepthEvents\[0\]\.percentage must be a number above 0 and at most 100, got 150$/,
  /^ac\('dom'\): unknown method; ac\(\) knows /,
];

/** The `cxbridge.ac.*` events pushed so far, as `[name, eventName or location, attributes]`. */
async function recorded(page) {
  return page.evaluate(() =>
    window.dataLayer
      .filter((e) => e.source === 'ac')
      .map((e) => [e.name, e.name === 'record' ? e.data.eventName : e.data.attributes && e.data.attributes.location, e.data.attributes]),
  );
}

async function waitFor(page, name) {
  await page.waitForFunction(
    (n) => window.dataLayer.some((e) => e.source === 'ac' && e.name === 'record' && e.data.eventName === n),
    name,
  );
}

test('a tracking page: every module records what it observed, with the vendor event names', async () => {
  const page = await newPage(browser);
  await page.goto(`${emu.url}/tests/ac-tracking.html`);
  await page.evaluate(() => cxbridge.ready);
  await page.evaluate(() => cxbridge.analytics.configure({ dataLayer: true }));

  // Loaded modules called back with nothing; mistakes called back with an Error naming the problem.
  await page.waitForFunction(() => window.loaded.length === 4 && window.failures.length === 3);
  assert.deepEqual(await page.evaluate(() => window.loaded.sort()), [
    'autotrackClick',
    'autotrackIdle',
    'autotrackInViewport',
    'autotrackScrollDepth',
  ]);
  const failures = await page.evaluate(() => window.failures);
  for (const re of MISTAKES) assert.ok(failures.some((m) => re.test(m)), `a callback heard ${re}: ${failures}`);

  // Idle: no activity for a second after the module loaded.
  await waitFor(page, 'idle_1_second');
  const idle = (await recorded(page)).find((r) => r[1] === 'idle_1_second');
  assert.deepEqual(idle[2], { scenario: 'checkout' });

  // Clicks: on the element or inside it (the icon), once per click; a button no rule names records nothing.
  await page.click('.btn-cart .icon');
  await page.click('#buy');
  await page.click('#buy');
  await page.click('#other');
  // Forms: submitted, recorded with its fields (never a password or a hidden field) and mapped traits.
  await page.fill('#quote [name=givenName]', 'Ada');
  await page.fill('#quote [name=email]', 'ada@example.com');
  await page.fill('#quote [name=password]', 'hunter2');
  await page.selectOption('#quote [name=plan]', 'premium');
  await page.click('#quote button');
  await waitFor(page, 'rate quote:submitted');
  // URL changes without a page load: one pageview per new URL.
  await page.evaluate(() => {
    history.pushState({}, '', '/tests/ac-tracking.html?step=2');
    history.replaceState(null, '', location.href); // the same URL: not a new page
  });
  await page.evaluate(() => {
    location.hash = '#faq';
  });
  await page.waitForFunction(() => window.dataLayer.filter((e) => e.source === 'ac' && e.name === 'pageview').length === 3);
  // Scrolling: past half the page, then to the bottom, where the promo box comes into view.
  await page.evaluate(() => window.scrollTo(0, 1300));
  await waitFor(page, 'scroll_depth_50');
  assert.equal((await recorded(page)).some((r) => r[1] === 'promo_box_viewed'), false, 'the promo box is below');
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await waitFor(page, 'scroll_depth_100');
  await waitFor(page, 'promo_box_viewed');
  // Back up and down again: nothing records twice.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(200);
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await page.waitForTimeout(300);

  const all = await recorded(page);
  const names = all.filter((r) => r[0] === 'record' && r[1] !== 'idle_1_second').map((r) => r[1]);
  assert.deepEqual(names.slice(0, 5), [
    'cart_button_clicked',
    'buy_clicked',
    'buy_clicked',
    'rate quote:submitted',
    'scroll_depth_50',
  ]);
  assert.deepEqual(names.slice(5).sort(), ['promo_box_viewed', 'scroll_depth_100']);
  assert.deepEqual(all.find((r) => r[1] === 'cart_button_clicked')[2], { color: 'green', value: 10 });
  assert.deepEqual(all.find((r) => r[1] === 'rate quote:submitted')[2], {
    formName: 'rate quote',
    formData: { givenName: 'Ada', email: 'ada@example.com', plan: 'premium' },
    traits: { givenName: 'Ada', email: 'ada@example.com' },
  });
  const pageviews = all.filter((r) => r[0] === 'pageview').map((r) => r[1]);
  assert.deepEqual(pageviews, [
    undefined, // the page's own ac('pageview')
    `${emu.url}/tests/ac-tracking.html?step=2`,
    `${emu.url}/tests/ac-tracking.html?step=2#faq`,
  ]);
  // Every record carries the visitor's ids, as ac('record') does.
  const first = await page.evaluate(() => window.dataLayer.find((e) => e.source === 'ac' && e.name === 'record').data);
  assert.match(first.customerId, /^[0-9a-f-]{36}$/);
  assert.equal(first.customerIdType, 'cookie');
  assert.match(first.sessionId, /^[0-9a-f-]{36}$/);
  // An element the page renders later (a single-page app's view) is watched too.
  await page.evaluate(() => {
    const banner = document.createElement('div');
    banner.className = 'late-banner';
    banner.style.height = '100px';
    banner.textContent = 'Late';
    document.body.appendChild(banner);
    setTimeout(() => window.scrollTo(0, document.documentElement.scrollHeight), 100);
  });
  await waitFor(page, 'late_banner_viewed');
  assertNoTraps(page, { allowConsoleErrors: MISTAKES });
  await page.close();
});

test('a form the visitor changed and left without submitting records <formName>:abandoned with its data', async () => {
  const page = await newPage(browser);
  await page.goto(`${emu.url}/tests/ac-tracking.html`);
  await page.evaluate(() => cxbridge.ready);
  await page.evaluate(() => {
    sessionStorage.removeItem('pushed');
    cxbridge.analytics.configure({ dataLayer: true });
  });
  await page.fill('#newsletter [name=email]', 'grace@example.com');
  // The quote form, untouched, is not abandoned.
  await page.goto(`${emu.url}/tests/blank.html`);
  const pushed = await page.evaluate(() => JSON.parse(sessionStorage.getItem('pushed') || '[]'));
  const forms = pushed.filter((e) => e.source === 'ac' && e.name === 'record' && /:(submitted|abandoned)$/.test(e.data.eventName));
  assert.deepEqual(
    forms.map((e) => [e.data.eventName, e.data.attributes]),
    [['newsletter:abandoned', { formName: 'newsletter', formData: { email: 'grace@example.com' } }]],
  );
  assertNoTraps(page, { allowConsoleErrors: MISTAKES });
  await page.close();
});

test('hostile configurations are reported, never trap, change nothing, and the modules still work after', async () => {
  const page = await newPage(browser);
  await page.goto(`${emu.url}/tests/blank.html`);
  await page.addScriptTag({ url: '/dist/cxbridge.js' });
  await page.evaluate(() => cxbridge.ready);
  const heard = await page.evaluate(async () => {
    cxbridge.analytics.configure({ dataLayer: true });
    const heard = [];
    const cb = (err) => heard.push(err ? err.message : 'loaded');
    const boom = () => {
      throw new Error('boom');
    };
    const trap = new Proxy({}, { get: boom });
    const getter = { get clickEvents() { return boom(); } };
    const { proxy: revoked, revoke } = Proxy.revocable([], {});
    revoke();
    const longList = new Proxy([], { get: (t, k) => (k === 'length' ? 1e9 : undefined) });
    ac('load', 'autotrackClick', trap, cb);
    ac('load', 'autotrackClick', getter, cb);
    ac('load', 'autotrackClick', { clickEvents: revoked }, cb);
    ac('load', 'autotrackClick', { clickEvents: longList }, cb);
    ac('load', 'autotrackClick', { clickEvents: [{ selector: 'x'.repeat(1 << 20), eventName: 'e' }] }, cb);
    const keysTrap = new Proxy({}, { ownKeys: boom });
    ac('load', 'autotrackIdle', { idleEvents: [{ idleAfter: 5, eventName: 'e', customAttributes: keysTrap }] }, cb);
    ac('load', 'autotrackClick', revoked, cb);
    ac('load', revoked, {}, cb);
    ac('load', 'm'.repeat(1 << 20), {}, cb);
    ac('forms:track', 'form', trap, cb);
    ac('forms:track', 'form', { traitsMapper: [trap] }, cb);
    // A callback that throws is reported, and stops nothing.
    ac('load', 'autotrackClick', { clickEvents: [{ selector: 'body', eventName: 'body_clicked' }] }, boom);
    ac('nope', boom);
    await new Promise((r) => setTimeout(r, 50));
    document.body.click();
    await new Promise((r) => setTimeout(r, 50));
    heard.push(window.dataLayer.filter((e) => e.source === 'ac' && e.name === 'record').map((e) => e.data.eventName));
    return heard;
  });
  const known = 'autotrackClick, autotrackIdle, autotrackInViewport, autotrackScrollDepth, autotrackUrlChange';
  assert.deepEqual(heard, [
    // A Proxy whose get trap throws has no keys to read: its copy has no clickEvents.
    "ac('load', 'autotrackClick'): config.clickEvents must be an array, got undefined",
    "ac('load', 'autotrackClick'): reading config.clickEvents threw: boom",
    "ac('load', 'autotrackClick'): reading the keys of config.clickEvents threw: Cannot perform 'ownKeys' on a proxy that has been revoked",
    "ac('load', 'autotrackClick'): config.clickEvents has 1000000000 items; at most 10000 are read",
    // A 1 MB type selector is a selector: loaded (it matches nothing).
    'loaded',
    "ac('load', 'autotrackIdle'): reading the keys of config.idleEvents[0].customAttributes threw: boom",
    "ac('load', 'autotrackClick'): reading the keys of config threw: Cannot perform 'ownKeys' on a proxy that has been revoked",
    `ac('load'): the module must be one of ${known}, got an object`,
    `ac('load'): the module must be one of ${known}, got '${'m'.repeat(60)}…(1048576 chars)'`,
    'loaded',
    "ac('forms:track'): options.traitsMapper[0].fieldName must be a non-empty string, got undefined",
    ['body_clicked'],
  ]);
  const errors = page.consoleErrors;
  assert.ok(errors.some((t) => /^ac: the ac\('load', 'autotrackClick'\) callback threw: Error: boom/.test(t)), errors.join('\n'));
  assert.ok(errors.some((t) => /^ac: the ac\(\) callback threw: Error: boom/.test(t)), errors.join('\n'));
  assertNoTraps(page, { allowConsoleErrors: [/^ac\('(load|forms:track|nope)'/, /^ac: the .* callback threw/] });
  await page.close();
});
