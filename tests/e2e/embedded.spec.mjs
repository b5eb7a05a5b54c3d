// Embedded UI events across two real origins: the parent page on http://127.0.0.1:PORT, the Engage Digital
// simulator in an iframe on http://localhost:PORT. Every rejection reason, 1000 listen/stop cycles and a
// 10,000-message hostile run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newPage, assertNoTraps, emulatorAndBrowser } from './harness.mjs';

let emu;
let browser;
emulatorAndBrowser({}, (e, b) => ([emu, browser] = [e, b]));

const simUrl = (origin, parent) => `${origin}/embedded-sim.html?parent=${encodeURIComponent(parent)}`;

/** The parent page with the simulator loaded from the other origin as iframe #sim; logs console text. */
async function openParent() {
  const page = await newPage(browser);
  page.logs = [];
  page.on('console', (msg) => page.logs.push({ type: msg.type(), text: msg.text() }));
  await page.goto(`${emu.url}/tests/embedded.html`);
  await page.evaluate(() => cxbridge.ready);
  await page.evaluate(([id, src]) => addFrame(id, src), ['sim', simUrl(emu.altUrl, emu.url)]);
  page.sim = page.frames().find((f) => f.url().startsWith(`${emu.altUrl}/embedded-sim.html`));
  assert.ok(page.sim, 'the simulator frame is there');
  return page;
}

/** Posts from frame `frame` (a playwright Frame) with `fn(sim, arg)` evaluated there, then waits for `n` verdicts. */
async function postFrom(page, frame, fn, arg, n = 1) {
  const before = await page.evaluate(() => cxbridge.embedded.stats());
  await frame.evaluate(fn, arg);
  await page.evaluate((total) => settled(total), before.accepted + before.rejected + n);
  const after = await page.evaluate(() => cxbridge.embedded.stats());
  return { accepted: after.accepted - before.accepted, rejected: after.rejected - before.rejected };
}

const warnings = (page) => page.logs.filter((l) => l.type === 'warning').map((l) => l.text);

test('every documented smcc:* event, clicked in the simulator on the other origin, arrives with its data', async () => {
  const page = await openParent();
  await page.evaluate((origin) => {
    window.handle = cxbridge.embedded.listen({ allowedOrigins: [origin], frame: frameById('sim'), debug: true });
    cxbridge.embedded.on('*', record);
    window.rings = [];
    cxbridge.embedded.on('smcc:task:ring', (data, name) => rings.push([name, data.Id, data.author]));
  }, emu.altUrl);
  const names = await page.sim.evaluate(() => Object.keys(sim.events));
  assert.equal(names.length, 11);
  for (const name of names) await page.sim.click(`button[data-event="${name}"]`);
  await page.evaluate((n) => settled(n), names.length);
  const got = await page.evaluate(() => ({ received, stats: cxbridge.embedded.stats(), rings }));
  const expected = await page.sim.evaluate(() => sim.events);
  assert.deepEqual(got.stats, { accepted: 11, rejected: 0 });
  assert.deepEqual(got.received.map((r) => r.name), names);
  for (const r of got.received) assert.deepEqual(r.data, expected[r.name], r.name);
  assert.deepEqual(got.rings, [['smcc:task:ring', '59709e1d367b6875d7', 'Martin Martin']]);
  // Debug mode logs each accepted event as the vendor's first example does.
  const debug = page.logs.filter((l) => l.type === 'debug').map((l) => l.text);
  assert.equal(debug.length, 11);
  assert.match(debug[7], /\[Event Triggered\] - smcc:task:ring\n\nData:\n\{\n {2}"Id": "59709e1d367b6875d7"/);
  // off() stops delivery to that callback only.
  await page.evaluate(() => cxbridge.embedded.off('*', record));
  await page.sim.click('button[data-event="smcc:task:ring"]');
  await page.evaluate(() => settled(12));
  assert.equal(await page.evaluate(() => received.length), 11);
  assert.equal(await page.evaluate(() => rings.length), 2);
  assertNoTraps(page);
});

test('task:updated accepts null where the vendor says "can be null", and unknown smcc:* names pass untyped', async () => {
  const page = await openParent();
  await page.evaluate((origin) => {
    cxbridge.embedded.listen({ allowedOrigins: [origin], frame: frameById('sim'), debug: true });
    cxbridge.embedded.on('*', record);
  }, emu.altUrl);
  const r = await postFrom(page, page.sim, () => {
    const d = { ...sim.events['smcc:task:updated'] };
    for (const k of ['contentId', 'interventionId', 'lastIdentityContentCreatedAt', 'identitySignature', 'identityAvatarUrl']) d[k] = null;
    sim.post('smcc:task:updated', d);
    sim.post('smcc:task:transferred', { Id: 42, anything: [1, { deep: true }] });
    sim.postRaw({ name: 'smcc:user:disconnected' });
  }, null, 3);
  assert.deepEqual(r, { accepted: 3, rejected: 0 });
  const got = await page.evaluate(() => received);
  assert.equal(got[0].data.contentId, null);
  assert.deepEqual(got[1], { name: 'smcc:task:transferred', data: { Id: 42, anything: [1, { deep: true }] } });
  assert.deepEqual(got[2], { name: 'smcc:user:disconnected', data: {} });
  const debug = page.logs.filter((l) => l.type === 'debug').map((l) => l.text);
  assert.match(debug[1], /not in the catalog, passed through untyped.*smcc:task:transferred/s);
  assertNoTraps(page);
});

test('every rejection reason is counted and named in debug mode', async () => {
  const page = await openParent();
  await page.evaluate((origin) => {
    window.handle = cxbridge.embedded.listen({ allowedOrigins: [origin], frame: frameById('sim'), debug: true });
    cxbridge.embedded.on('*', record);
  }, emu.altUrl);
  const cases = [
    ['event.data is not an object', () => sim.postRaw('smcc:task:ring')],
    ['event.data is not an object', () => sim.postRaw(42)],
    ['event.data is not an object', () => sim.postRaw(null)],
    ['event.data is not an object', () => sim.postRaw([{ name: 'smcc:task:ring', data: {} }])],
    ['event.data.name is missing', () => sim.postRaw({ data: {} })],
    ['event.data.name is not a string', () => sim.postRaw({ name: 7, data: {} })],
    ['event.data.name is not a string', () => sim.postRaw({ name: ['smcc:task:ring'], data: {} })],
    ['does not start with "smcc:"', () => sim.postRaw({ name: 'webchat:started', data: {} })],
    ['does not start with "smcc:"', () => sim.postRaw({ name: 'x'.repeat(1e6), data: {} })],
    ['is not an event name', () => sim.postRaw({ name: 'smcc:task ring', data: {} })],
    ['is not an event name', () => sim.postRaw({ name: 'smcc:' + 'a'.repeat(1e6), data: {} })],
    ['event.data.data is not an object', () => sim.postRaw({ name: 'smcc:task:ring', data: 'hello' })],
    ['event.data.data is not an object', () => sim.postRaw({ name: 'smcc:task:ring' })],
    ['event.data.data is not an object', () => sim.postRaw({ name: 'smcc:task:ring', data: [] })],
    ['nested more than 32 levels deep (or is cyclic)', () => {
      const d = {}; d.self = d; sim.post('smcc:task:new', d);
    }],
    ['nested more than 32 levels deep (or is cyclic)', () => {
      let d = {}; for (let i = 0; i < 1000; i++) d = { d }; sim.post('smcc:task:new', d);
    }],
    ['holds more than 10000 values', () => sim.post('smcc:task:new', { a: new Array(20000).fill(1) })],
    ['not JSON data', () => sim.post('smcc:task:new', { when: new Date() })],
    ['not JSON data', () => sim.post('smcc:task:new', { n: 10n })],
    ['not JSON data', () => sim.post('smcc:task:new', { m: new Map([[1, 2]]) })],
  ];
  for (const [reason, fn] of cases) {
    const r = await postFrom(page, page.sim, fn);
    assert.deepEqual(r, { accepted: 0, rejected: 1 }, reason);
    const last = warnings(page).at(-1) || '';
    assert.ok(last.includes(reason), `expected "${reason}", got "${last.slice(0, 300)}"`);
    assert.ok(last.startsWith(`cxbridge.embedded: rejected a message from ${emu.altUrl}: `), last.slice(0, 200));
  }
  assert.equal(await page.evaluate(() => received.length), 0);
  assertNoTraps(page);
});

test('the payload limits hold at their edges: 32 levels and 10,000 values pass, one more is refused, a huge string is one value', async () => {
  // The limits are core::embedded's; the walk that applies them is js/embedded.js's copyData (tests/js/embedded.test.mjs).
  const page = await openParent();
  await page.evaluate((origin) => {
    window.handle = cxbridge.embedded.listen({ allowedOrigins: [origin], frame: frameById('sim'), debug: true });
    cxbridge.embedded.on('*', record);
  }, emu.altUrl);
  const deep = (n) => { let d = {}; for (let i = 0; i < n; i++) d = { d }; sim.post('smcc:x:limits', d); };
  // `data` itself is one value, `a` another: 9,998 items make 10,000.
  const wideArray = (n) => sim.post('smcc:x:limits', { a: new Array(n).fill(1) });
  const wideObject = (n) => sim.post('smcc:x:limits', Object.fromEntries(Array.from({ length: n }, (_, i) => ['k' + i, i])));
  // Each small array fits on its own; together they do not (2 + 2n values).
  const manySmall = (n) => sim.post('smcc:x:limits', { a: Array.from({ length: n }, () => [1]) });
  const huge = (n) => sim.post('smcc:x:limits', { text: 'x'.repeat(n), tail: 1 });
  const cases = [
    [deep, 32, null],
    [deep, 33, 'nested more than 32 levels deep (or is cyclic)'],
    [wideArray, 9998, null],
    [wideArray, 9999, 'holds more than 10000 values'],
    [wideObject, 9999, null],
    [wideObject, 10000, 'holds more than 10000 values'],
    [manySmall, 4999, null],
    [manySmall, 5000, 'holds more than 10000 values'],
    [huge, 1 << 22, null],
  ];
  for (const [fn, n, reason] of cases) {
    const r = await postFrom(page, page.sim, fn, n);
    const what = `${fn.name}(${n})`;
    if (reason === null) {
      assert.deepEqual(r, { accepted: 1, rejected: 0 }, what);
    } else {
      assert.deepEqual(r, { accepted: 0, rejected: 1 }, what);
      const last = warnings(page).at(-1) || '';
      assert.ok(last.includes(reason), `${what}: expected "${reason}", got "${last.slice(0, 300)}"`);
    }
  }
  // What passed arrived whole: the 32-level chain to its last level, every item, the string at its full length.
  const got = await page.evaluate(() => received.map(({ data }) => {
    let depth = 0;
    for (let d = data; d.d; d = d.d) depth++;
    return { depth, a: data.a && data.a.length, keys: Object.keys(data).length, text: data.text && data.text.length };
  }));
  assert.deepEqual(got, [
    { depth: 32, a: undefined, keys: 1, text: undefined },
    { depth: 0, a: 9998, keys: 1, text: undefined },
    { depth: 0, a: undefined, keys: 9999, text: undefined },
    { depth: 0, a: 4999, keys: 1, text: undefined },
    { depth: 0, a: undefined, keys: 2, text: 1 << 22 },
  ]);
  assertNoTraps(page);
});

test('wrong origin, wrong source window and the "null" origin are refused, even from the same simulator', async () => {
  const page = await openParent();
  // A second simulator on the allowed origin (wrong source), one on the parent's own origin (wrong origin), one
  // on a subdomain whose origin ends with the allowed one, and one sandboxed (origin "null").
  await page.evaluate(async ([alt, url, sub]) => {
    await addFrame('twin', `${alt}/embedded-sim.html?parent=${encodeURIComponent(url)}`);
    await addFrame('same', `${url}/embedded-sim.html?parent=${encodeURIComponent(url)}`);
    await addFrame('sub', `${sub}/embedded-sim.html?parent=${encodeURIComponent(url)}`);
    await addFrame('sandboxed', `${alt}/embedded-sim.html?parent=${encodeURIComponent(url)}`, 'allow-scripts');
  }, [emu.altUrl, emu.url, emu.altUrl.replace('//localhost', '//evil.localhost')]);
  const frames = page.frames();
  const byId = async (id) => {
    for (const f of frames) {
      const el = await f.frameElement().catch(() => null);
      if (el && (await el.getAttribute('id')) === id) return f;
    }
    throw new Error(`no frame ${id}`);
  };
  const twin = await byId('twin');
  const same = await byId('same');
  const sub = await byId('sub');
  const sandboxed = await byId('sandboxed');
  assert.equal(await sub.evaluate(() => location.origin), emu.altUrl.replace('//localhost', '//evil.localhost'));
  assert.equal(await sandboxed.evaluate(() => origin), 'null');
  const ringFrom = (frame) => postFrom(page, frame, () => sim.post('smcc:task:ring', sim.events['smcc:task:ring']));

  await page.evaluate((origin) => {
    window.handle = cxbridge.embedded.listen({ allowedOrigins: [origin], frame: frameById('sim'), debug: true });
    cxbridge.embedded.on('*', record);
  }, emu.altUrl);
  assert.deepEqual(await ringFrom(page.sim), { accepted: 1, rejected: 0 });
  assert.deepEqual(await ringFrom(twin), { accepted: 0, rejected: 1 });
  assert.match(warnings(page).at(-1), /event\.source is not the window of the given frame/);
  assert.deepEqual(await ringFrom(same), { accepted: 0, rejected: 1 });
  assert.match(warnings(page).at(-1), new RegExp(`from ${emu.url}: its origin is not one of allowedOrigins`));
  assert.deepEqual(await ringFrom(sub), { accepted: 0, rejected: 1 });
  assert.match(warnings(page).at(-1), /from http:\/\/evil\.localhost:\d+: its origin is not one of allowedOrigins/);
  assert.deepEqual(await ringFrom(sandboxed), { accepted: 0, rejected: 1 });
  assert.match(warnings(page).at(-1), /from null: its origin is "null"/);
  await page.evaluate(() => handle.stop());

  // Without a frame, any window of an allowed origin is accepted; prefixes, suffixes and supersets of the real
  // origin are not origins it matches.
  const port = String(emu.port);
  const near = [
    'http://localhost', `http://localhost:${port.slice(0, -1)}`, `http://localhost.evil:${port}`,
    `http://evil.localhost:${port}`, `http://calhost:${port}`, `https://localhost:${port}`, `http://127.0.0.1:${port}`,
  ];
  await page.evaluate((near) => {
    window.handle = cxbridge.embedded.listen({ allowedOrigins: near, debug: true });
  }, near);
  assert.deepEqual(await ringFrom(page.sim), { accepted: 0, rejected: 1 });
  assert.match(warnings(page).at(-1), /its origin is not one of allowedOrigins/);
  await page.evaluate(() => handle.stop());
  // Spellings that could only match by accident are not origins at all: listen() says so.
  const refused = await page.evaluate((list) => list.map((o) => {
    try { cxbridge.embedded.listen({ allowedOrigins: [o] }).stop(); return 'accepted'; } catch (e) { return e.message; }
  }), [`http://localhost:${port}.evil`, `http://localhost:${port}/`, `localhost:${port}`, `http://LOCALHOST:${port}`,
    `http://*.localhost:${port}`]);
  for (const msg of refused) assert.match(msg, /is not an origin as event\.origin spells it/);
  await page.evaluate((origin) => {
    window.handle = cxbridge.embedded.listen({ allowedOrigins: [origin] });
  }, emu.altUrl);
  assert.deepEqual(await ringFrom(twin), { accepted: 1, rejected: 0 });
  await page.evaluate(() => handle.stop());

  // allowAnyOrigin is the opt-in for '*'; "null" stays refused.
  await page.evaluate(() => {
    window.handle = cxbridge.embedded.listen({ allowedOrigins: ['*'], allowAnyOrigin: true, debug: true });
  });
  assert.deepEqual(await ringFrom(same), { accepted: 1, rejected: 0 });
  assert.deepEqual(await ringFrom(sandboxed), { accepted: 0, rejected: 1 });
  assert.match(warnings(page).at(-1), /its origin is "null"/);
  await page.evaluate(() => handle.stop());
  assertNoTraps(page);
});

test('a message made by a script (dispatchEvent) is refused without touching its data', async () => {
  const page = await openParent();
  const out = await page.evaluate((origin) => {
    window.handle = cxbridge.embedded.listen({ allowedOrigins: [origin], frame: frameById('sim'), debug: true });
    const touched = [];
    const data = new Proxy({}, { get: (t, k) => { touched.push(String(k)); return 'smcc:task:ring'; },
      getOwnPropertyDescriptor: (t, k) => { touched.push(String(k)); throw new Error('trap'); } });
    window.dispatchEvent(new MessageEvent('message', { data, origin, source: frameById('sim').contentWindow }));
    return { touched, stats: cxbridge.embedded.stats() };
  }, emu.altUrl);
  assert.deepEqual(out, { touched: [], stats: { accepted: 0, rejected: 1 } });
  assert.match(warnings(page).at(-1), /dispatched by a script, not by the browser \(isTrusted is false\)/);
  assertNoTraps(page);
});

test('listen() refuses an empty list, "*", "null" and misspelled origins with a clear error', async () => {
  const page = await openParent();
  const errors = await page.evaluate(() => {
    const attempt = (opts) => {
      try {
        cxbridge.embedded.listen(opts).stop();
        return 'accepted';
      } catch (e) {
        return `${e.constructor.name}: ${e.message}`;
      }
    };
    return {
      empty: attempt({ allowedOrigins: [] }),
      missing: attempt({}),
      star: attempt({ allowedOrigins: ['*'] }),
      nul: attempt({ allowedOrigins: ['null'], allowAnyOrigin: true }),
      slash: attempt({ allowedOrigins: ['https://acme.digital.ringcentral.com/'] }),
      notArray: attempt({ allowedOrigins: 'https://acme.digital.ringcentral.com' }),
      notString: attempt({ allowedOrigins: [42] }),
      badFrame: attempt({ allowedOrigins: ['https://a.example'], frame: document.body }),
      noOptions: attempt(undefined),
      anyEmpty: attempt({ allowedOrigins: [], allowAnyOrigin: true }),
      window: attempt({ allowedOrigins: ['https://a.example'], frame: frameById('sim').contentWindow }),
    };
  });
  assert.match(errors.empty, /^Error: cxbridge\.embedded\.listen: allowedOrigins is empty.*allowAnyOrigin: true/);
  assert.match(errors.missing, /allowedOrigins is empty/);
  assert.match(errors.star, /'\*' in allowedOrigins would accept messages from any site/);
  assert.match(errors.nul, /the origin 'null' is never accepted/);
  assert.match(errors.slash, /allowedOrigins\[0\] 'https:\/\/acme\.digital\.ringcentral\.com\/' is not an origin/);
  assert.match(errors.notArray, /allowedOrigins must be an array/);
  assert.match(errors.notString, /allowedOrigins\[0\] is not a string/);
  assert.match(errors.badFrame, /frame must be the <iframe> element/);
  assert.match(errors.noOptions, /options must be an object/);
  assert.equal(errors.anyEmpty, 'accepted');
  assert.equal(errors.window, 'accepted');
  const onErrors = await page.evaluate(() => {
    const attempt = (f) => { try { f(); return 'ok'; } catch (e) { return e.message; } };
    return [
      attempt(() => cxbridge.embedded.on('webchat:all', () => {})),
      attempt(() => cxbridge.embedded.on('smcc:task:ring', 'not a function')),
      attempt(() => cxbridge.embedded.on('*', () => {})),
    ];
  });
  assert.match(onErrors[0], /the name must be an smcc:\* event name/);
  assert.match(onErrors[1], /the callback must be a function/);
  assert.equal(onErrors[2], 'ok');
  assertNoTraps(page);
});

test('prototype keys arrive as own properties and pollute nothing; a throwing callback does not stop the others', async () => {
  const page = await openParent();
  await page.evaluate((origin) => {
    cxbridge.embedded.listen({ allowedOrigins: [origin], frame: frameById('sim') });
    cxbridge.embedded.on('*', () => { throw new Error('listener bug'); });
    window.seen = [];
    cxbridge.embedded.on('*', (data) => seen.push({
      proto: Object.getPrototypeOf(data) === Object.prototype,
      ownProto: Object.prototype.hasOwnProperty.call(data, '__proto__'),
      protoValue: JSON.stringify(Object.getOwnPropertyDescriptor(data, '__proto__')?.value),
      ownConstructor: Object.prototype.hasOwnProperty.call(data, 'constructor'),
      nested: Object.prototype.hasOwnProperty.call(data.inner || {}, '__proto__'),
      pollutedObject: ({}).polluted,
      pollutedData: data.polluted,
      Id: data.Id,
    }));
  }, emu.altUrl);
  const r = await postFrom(page, page.sim, () => {
    const evil = JSON.parse('{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 2}}, "inner": {"__proto__": {"polluted": 3}}}');
    sim.post('smcc:task:ring', Object.assign(evil, sim.events['smcc:task:ring']));
    sim.post('smcc:x:y', JSON.parse('{"__proto__": {"polluted": 4}}'));
  }, null, 2);
  assert.deepEqual(r, { accepted: 2, rejected: 0 });
  const seen = await page.evaluate(() => seen);
  assert.deepEqual(seen[0], {
    proto: true, ownProto: true, protoValue: '{"polluted":1}', ownConstructor: true, nested: true,
    pollutedObject: undefined, pollutedData: undefined, Id: '59709e1d367b6875d7',
  });
  assert.equal(seen[1].ownProto, true);
  assert.equal(seen[1].pollutedObject, undefined);
  const errs = page.consoleErrors.filter((t) => /a listener of smcc:task:ring threw/.test(t));
  assert.equal(errs.length, 1);
  assertNoTraps(page, { allowConsoleErrors: [/cxbridge\.embedded: a listener of smcc:\S+ threw/] });
});

test('1000 listen/stop cycles leave no window listener behind; stop() is idempotent and works from a callback', async () => {
  const page = await openParent();
  const out = await page.evaluate((origin) => {
    const baseline = liveMessageListeners();
    let peak = 0;
    for (let i = 0; i < 1000; i++) {
      const h = cxbridge.embedded.listen({ allowedOrigins: [origin], frame: frameById('sim') });
      peak = Math.max(peak, liveMessageListeners() - baseline);
      h.stop();
      if (i % 2) h.stop();
    }
    const held = [];
    for (let i = 0; i < 1000; i++) held.push(cxbridge.embedded.listen({ allowedOrigins: [origin] }));
    const during = liveMessageListeners() - baseline;
    for (const h of held) h.stop();
    return { baseline, peak, during, after: liveMessageListeners() - baseline };
  }, emu.altUrl);
  assert.deepEqual({ peak: out.peak, during: out.during, after: out.after }, { peak: 2, during: 2000, after: 0 });
  // Nothing listens any more: a message is not even counted.
  await page.sim.evaluate(() => sim.post('smcc:task:ring', sim.events['smcc:task:ring']));
  await page.sim.evaluate(() => new Promise((r) => setTimeout(r, 50)));
  await page.evaluate(() => new Promise((r) => setTimeout(r, 50)));
  assert.deepEqual(await page.evaluate(() => cxbridge.embedded.stats()), { accepted: 0, rejected: 0 });
  // A callback that stops its own listener: this event is delivered, the next is not counted.
  await page.evaluate((origin) => {
    window.h = cxbridge.embedded.listen({ allowedOrigins: [origin], frame: frameById('sim') });
    window.calls = 0;
    cxbridge.embedded.on('smcc:task:ring', () => { calls++; h.stop(); });
  }, emu.altUrl);
  const r = await postFrom(page, page.sim, () => sim.post('smcc:task:ring', sim.events['smcc:task:ring']));
  assert.deepEqual(r, { accepted: 1, rejected: 0 });
  assert.equal(await page.evaluate(() => liveMessageListeners()), out.baseline);
  assert.equal(await page.evaluate(() => calls), 1);
  assertNoTraps(page);
});

const COUNT = Number(process.env.HOSTILE_COUNT || 10000);

test('10,000 hostile messages: no exception escapes, counters add up, nothing is polluted', { timeout: 180000 }, async () => {
  const page = await openParent();
  await page.evaluate((origin) => {
    cxbridge.embedded.listen({ allowedOrigins: [origin], frame: frameById('sim') });
    window.deliveries = 0;
    cxbridge.embedded.on('*', (data, name) => {
      deliveries++;
      if (typeof name !== 'string' || !name.startsWith('smcc:') || typeof data !== 'object') throw new Error('bad delivery');
    });
  }, emu.altUrl);
  // The generator lives in the simulator frame; it posts in batches so the parent keeps up.
  await page.sim.evaluate(() => {
    let seed = 0x2545f491;
    let huges = 0;
    const rnd = () => {
      seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0;
      return seed / 4294967296;
    };
    const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
    const names = [...Object.keys(sim.events), 'smcc:x', 'smcc:', 'webchat:started', '', 'smcc:a b', '__proto__',
      'constructor', 'smcc:__proto__', 'smcc:constructor', 'smcc:' + 'z'.repeat(200)];
    const huge = 'h'.repeat(1 << 20);
    const keys = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'Id', 'valueOf', 'name', 'data'];
    function value(depth) {
      const r = rnd();
      if (r < 0.1) return null;
      if (r < 0.15) return undefined;
      if (r < 0.25) return depth <= 1 && huges < 40 && rnd() < 0.05 && ++huges ? huge : 'x'.repeat(Math.floor(rnd() * 50));
      if (r < 0.35) return pick([0, -0, NaN, Infinity, 1e308, rnd()]);
      if (r < 0.4) return rnd() < 0.5;
      if (r < 0.43) return BigInt(Math.floor(rnd() * 1e6));
      if (r < 0.46) return pick([new Date(), /re/g, new Map([[1, {}]]), new Set([1]), new Uint8Array(4), new Error('e'), new ArrayBuffer(8)]);
      // Branching stops at depth 4 (or the generator explodes); the chains below go much deeper.
      if (depth > 4) return {};
      if (r < 0.6) { const a = []; const n = Math.floor(rnd() * 4); for (let i = 0; i < n; i++) a.push(value(depth + 1)); return a; }
      if (r < 0.7) { let d = {}; const n = Math.floor(rnd() * 80); for (let i = 0; i < n; i++) d = { d }; return d; }
      if (r < 0.75) { const o = {}; o.self = o; o.list = [o]; return o; }
      const o = JSON.parse('{}');
      const n = Math.floor(rnd() * 4);
      for (let i = 0; i < n; i++) Object.defineProperty(o, pick(keys), { value: value(depth + 1), enumerable: true, configurable: true, writable: true });
      return o;
    }
    function message() {
      const r = rnd();
      if (r < 0.1) return value(0);
      if (r < 0.2) return { ...sim.events['smcc:task:ring'] };
      if (r < 0.35) { const n = pick(names); return { name: n, data: JSON.parse(JSON.stringify(Object.hasOwn(sim.events, n) ? sim.events[n] : {})) }; }
      const m = JSON.parse('{}');
      if (rnd() < 0.9) m.name = rnd() < 0.7 ? pick(names) : value(1);
      if (rnd() < 0.9) m.data = rnd() < 0.3 && typeof m.name === 'string' && Object.hasOwn(sim.events, m.name) ? { ...sim.events[m.name], [pick(keys)]: value(1) } : value(1);
      if (rnd() < 0.2) Object.defineProperty(m, '__proto__', { value: { name: 'smcc:task:ring' }, enumerable: true });
      return m;
    }
    window.hostileBatch = (count) => {
      let n = 0;
      for (let i = 0; n < count && i < count * 2; i++) {
        try {
          sim.postRaw(message());
          n++;
        } catch (e) {
          if (e.name !== 'DataCloneError') throw e;
        }
      }
      return n;
    };
  });
  // A trap would stop the counters; fail with it instead of waiting forever.
  let watch;
  const trapped = new Promise((_, reject) => {
    watch = setInterval(() => {
      if (page.traps.length) reject(new Error(`the page trapped:\n${page.traps.slice(0, 5).join('\n')}`));
    }, 200);
  });
  let posted = 0;
  let stats;
  try {
    while (posted < COUNT) {
      posted += await page.sim.evaluate((n) => hostileBatch(n), Math.min(500, COUNT - posted));
      stats = await Promise.race([page.evaluate((n) => settled(n), posted), trapped]);
    }
  } finally {
    clearInterval(watch);
  }
  assert.equal(posted, COUNT);
  // Let anything still queued arrive: the counters must not move past what was posted.
  await page.evaluate(() => new Promise((r) => setTimeout(r, 100)));
  const out = await page.evaluate(() => ({
    stats: cxbridge.embedded.stats(),
    deliveries,
    escaped,
    polluted: ({}).polluted !== undefined || Object.prototype.name !== undefined,
  }));
  assert.deepEqual(out.stats, stats);
  assert.equal(out.stats.accepted + out.stats.rejected, COUNT);
  assert.ok(out.stats.accepted > COUNT / 100, `some hostile messages are valid events: ${out.stats.accepted}`);
  assert.ok(out.stats.rejected > COUNT / 10, `most are not: ${out.stats.rejected}`);
  assert.equal(out.deliveries, out.stats.accepted);
  assert.deepEqual(out.escaped, []);
  assert.equal(out.polluted, false);
  assertNoTraps(page);
});

test('the demo page listens to the simulator on the other origin', async () => {
  const page = await newPage(browser);
  await page.goto(`${emu.url}/embedded.html`);
  await page.evaluate(() => cxbridge.ready);
  const sim = await (await page.waitForSelector('#embedded-ui')).contentFrame();
  await sim.waitForSelector('button[data-event="smcc:task:ring"]:not([disabled])');
  await sim.click('button[data-event="smcc:task:ring"]');
  await page.waitForSelector('#events li');
  assert.match(await page.textContent('#events li'), /^smcc:task:ring \{"Id":"59709e1d367b6875d7"/);
  assert.equal(await page.textContent('#stats'), 'accepted 1, rejected 0');
  assertNoTraps(page);
});

test("the vendor's first example (Debug Info) runs verbatim beside cxbridge, and both see the simulator's events", async () => {
  const page = await newPage(browser);
  const alerts = [];
  page.on('dialog', (d) => {
    alerts.push(d.message());
    d.dismiss();
  });
  const logs = [];
  page.on('console', (m) => logs.push(m.text()));
  await page.goto(`${emu.url}/tests/embedded-seed.html?sim=${encodeURIComponent(simUrl(emu.altUrl, emu.url))}`);
  await page.evaluate(() => cxbridge.ready);
  const sim = await (await page.$('#sim')).contentFrame();
  await sim.waitForSelector('button[data-event="smcc:task:ring"]:not([disabled])');
  await sim.click('button[data-event="smcc:task:ring"]');
  await page.waitForFunction(() => viaCxbridge.length === 1);
  assert.deepEqual(await page.evaluate(() => viaCxbridge), ['smcc:task:ring']);
  assert.equal(alerts.length, 1);
  assert.match(alerts[0], /^\[Event Triggered\] - smcc:task:ring\n\nData:\n\{\n {2}"Id": "59709e1d367b6875d7"/);
  assert.ok(logs.includes(alerts[0]));
  assertNoTraps(page);
});

test('an accepted event is published on the bus as EngageDigital.<name> and reaches analytics as EngageDigitalEmbeddedUI', async () => {
  const page = await openParent();
  await page.evaluate((origin) => {
    window.onBus = [];
    CXBus.subscribe('EngageDigital.smcc:task:ring', (e) => onBus.push({ event: e.event, data: e.data }));
    cxbridge.analytics.configure({ dataLayer: true });
    cxbridge.embedded.listen({ allowedOrigins: [origin], frame: frameById('sim') });
  }, emu.altUrl);
  await page.sim.click('button[data-event="smcc:task:ring"]');
  await page.waitForFunction(() => onBus.length === 1);
  const expected = await page.sim.evaluate(() => sim.events['smcc:task:ring']);
  const bus = await page.evaluate(() => onBus[0]);
  assert.equal(bus.event, 'EngageDigital.smcc:task:ring');
  assert.deepEqual(bus.data, { name: 'smcc:task:ring', data: expected });
  await page.waitForFunction(() =>
    (window.dataLayer || []).some((e) => e && e.event === 'cxbridge.EngageDigitalEmbeddedUI.smcc:task:ring'));
  const pushed = await page.evaluate(() =>
    dataLayer.find((e) => e.event === 'cxbridge.EngageDigitalEmbeddedUI.smcc:task:ring'));
  assert.equal(pushed.source, 'EngageDigitalEmbeddedUI');
  assert.equal(pushed.name, 'smcc:task:ring');
  assert.deepEqual(pushed.data, expected);
  // Once, under its own source: the bus copy is not recorded a second time as a CXBus event.
  await page.waitForTimeout(100);
  const copies = await page.evaluate(() => dataLayer.filter((e) => e && /smcc:task:ring$/.test(e.event)).map((e) => e.event));
  assert.deepEqual(copies, ['cxbridge.EngageDigitalEmbeddedUI.smcc:task:ring']);
  assertNoTraps(page);
});

test('dispatch: a callback removed during a dispatch is not called, one added is called from the next event on', async () => {
  const page = await openParent();
  await page.evaluate((origin) => {
    cxbridge.embedded.listen({ allowedOrigins: [origin], frame: frameById('sim') });
    window.calls = [];
    const late = () => calls.push('late');
    const second = () => calls.push('second');
    cxbridge.embedded.on('*', () => {
      calls.push('first');
      cxbridge.embedded.off('*', second);
      cxbridge.embedded.on('*', late);
    });
    cxbridge.embedded.on('*', second);
    cxbridge.embedded.on('*', second); // the same callback for the same name is kept once
  }, emu.altUrl);
  await postFrom(page, page.sim, () => sim.post('smcc:task:ring', sim.events['smcc:task:ring']));
  assert.deepEqual(await page.evaluate(() => calls), ['first']);
  await postFrom(page, page.sim, () => sim.post('smcc:task:ring', sim.events['smcc:task:ring']));
  assert.deepEqual(await page.evaluate(() => calls), ['first', 'first', 'late']);
  assertNoTraps(page);
});

test('a pull-view page across two origins gets off-catalog payloads, each difference warned and marked for analytics', async () => {
  await fetch(`${emu.url}/collector`, { method: 'DELETE' });
  const page = await newPage(browser);
  page.logs = [];
  page.on('console', (msg) => page.logs.push({ type: msg.type(), text: msg.text() }));
  await page.goto(`${emu.url}/tests/embedded-pullview.html?sim=${encodeURIComponent(simUrl(emu.altUrl, emu.url))}`);
  await page.evaluate(() => cxbridge.ready);
  const sim = await (await page.$('#engage')).contentFrame();
  await sim.waitForSelector('button[data-event="smcc:task:ring"]:not([disabled])');
  const stats = () => page.evaluate(() => cxbridge.embedded.stats());
  const waitFor = (total) =>
    page.waitForFunction((n) => {
      const s = cxbridge.embedded.stats();
      return s.accepted + s.rejected >= n;
    }, total);

  // What a newer (or older) embedded UI might post: a null, a missing key, other types. And one as documented.
  await sim.evaluate(() => {
    const e = sim.events;
    sim.post('smcc:identity:show', { ...e['smcc:identity:show'], taskID: null });
    const ring = { ...e['smcc:task:ring'], Id: 42 };
    delete ring.author;
    sim.post('smcc:task:ring', ring);
    sim.post('smcc:task:updated', { ...e['smcc:task:updated'], segmentIndex: '1', waitingForUser: 'no', contentId: null });
    sim.post('smcc:content:intervention_closed', { ...e['smcc:content:intervention_closed'], updatedAt: 'yesterday' });
    sim.post('smcc:task:missed', e['smcc:task:missed']);
  });
  await waitFor(5);
  assert.deepEqual(await stats(), { accepted: 5, rejected: 0 });
  const shown = await page.evaluate(() => shown);
  const expected = await sim.evaluate(() => sim.events);
  assert.deepEqual(shown.map((s) => s.name), [
    'smcc:identity:show', 'smcc:task:ring', 'smcc:task:updated', 'smcc:content:intervention_closed', 'smcc:task:missed',
  ]);
  assert.equal(shown[0].data.taskID, null);
  assert.equal(shown[1].data.Id, 42);
  assert.equal('author' in shown[1].data, false);
  assert.deepEqual(shown[4].data, expected['smcc:task:missed']);

  // One warning per difference, naming the event and the key.
  const from = `(from ${emu.altUrl}); the event is delivered anyway, as the payload differs from the Engage Digital catalog`;
  const warned = page.logs.filter((l) => l.type === 'warning' && l.text.startsWith('cxbridge.embedded: ')).map((l) => l.text);
  assert.deepEqual(warned, [
    `cxbridge.embedded: smcc:identity:show: data.taskID: expected string, got null ${from}`,
    `cxbridge.embedded: smcc:task:ring: data.Id: expected string, got number ${from}`,
    `cxbridge.embedded: smcc:task:ring: data.author: expected string, missing ${from}`,
    `cxbridge.embedded: smcc:task:updated: data.segmentIndex: expected number, got string ${from}`,
    `cxbridge.embedded: smcc:task:updated: data.waitingForUser: expected boolean, got string ${from}`,
    `cxbridge.embedded: smcc:content:intervention_closed: data.updatedAt: expected timestamp (number), got string ${from}`,
  ]);

  // The collector gets every event, each off-catalog one marked with its differences.
  let received = [];
  for (let i = 0; i < 100 && received.length < 5; i++) {
    const body = await (await fetch(`${emu.url}/collector`)).json();
    received = body.received.filter((env) => env.source === 'EngageDigitalEmbeddedUI');
    if (received.length < 5) await new Promise((r) => setTimeout(r, 100));
  }
  const marks = Object.fromEntries(received.map((env) => [env.event.name, env.event.catalogMismatch]));
  assert.deepEqual(marks, {
    'smcc:identity:show': ['data.taskID: expected string, got null'],
    'smcc:task:ring': ['data.Id: expected string, got number', 'data.author: expected string, missing'],
    'smcc:task:updated': ['data.segmentIndex: expected number, got string', 'data.waitingForUser: expected boolean, got string'],
    'smcc:content:intervention_closed': ['data.updatedAt: expected timestamp (number), got string'],
    'smcc:task:missed': undefined,
  });
  assert.equal(received.find((env) => env.event.name === 'smcc:task:ring').event.data.Id, 42);

  // The checks before the payload are as strict as ever: structure, origin, source window and trust.
  await sim.evaluate(() => {
    sim.postRaw({ name: 'smcc:task:ring', data: 'hello' });
    sim.postRaw({ name: 'task:ring', data: sim.events['smcc:task:ring'] });
    sim.postRaw({ name: 'smcc:task:ring' });
  });
  await waitFor(8);
  await page.evaluate(
    (src) =>
      new Promise((resolve) => {
        // The simulator again, but on the page's own origin: not an allowed origin, and not the named frame.
        const f = document.createElement('iframe');
        f.src = src;
        f.onload = () => {
          f.contentWindow.sim.post('smcc:task:ring', { Id: null });
          window.postMessage({ name: 'smcc:task:ring', data: { Id: null } }, '*');
          window.dispatchEvent(new MessageEvent('message', { data: { name: 'smcc:task:ring', data: {} }, origin: new URL(document.getElementById('engage').src).origin, source: document.getElementById('engage').contentWindow }));
          resolve();
        };
        document.body.appendChild(f);
      }),
    simUrl(emu.url, emu.url),
  );
  await waitFor(11);
  assert.deepEqual(await stats(), { accepted: 5, rejected: 6 });
  assert.equal(await page.evaluate(() => shown.length), 5);

  // A page whose console.warn throws still gets the event (the warning cannot throw into the wasm).
  await page.evaluate(() => {
    console.warn = () => {
      throw new Error('a console that throws');
    };
  });
  await sim.evaluate(() => sim.post('smcc:identity:show', { ...sim.events['smcc:identity:show'], taskID: null }));
  await waitFor(12);
  assert.deepEqual(await stats(), { accepted: 6, rejected: 6 });
  assert.equal(await page.evaluate(() => shown.length), 6);
  assertNoTraps(page);
  await page.close();
});

test('a listener handle is stopped by its stop() alone: no free(), no Symbol.dispose, no detached stop', async () => {
  const page = await openParent();
  const shape = await page.evaluate((origin) => {
    window.handle = cxbridge.embedded.listen({ allowedOrigins: [origin], frame: frameById('sim') });
    // `return listener.stop` (as a cleanup function) calls it without its listener: it says so.
    const { stop } = handle;
    let detached;
    try {
      stop();
    } catch (e) {
      detached = `${e.constructor.name}: ${e.message}`;
    }
    return { free: 'free' in handle, dispose: Symbol.dispose in handle, detached };
  }, emu.altUrl);
  assert.deepEqual(shape, {
    free: false, dispose: false, detached: 'TypeError: cxbridge: stop() must be called on its listener (listener.stop(…))',
  });
  // Still listening, and still stoppable.
  const ring = () => postFrom(page, page.sim, () => sim.post('smcc:task:ring', sim.events['smcc:task:ring']));
  assert.deepEqual(await ring(), { accepted: 1, rejected: 0 });
  await page.evaluate(() => (handle.stop(), handle.stop()));
  assertNoTraps(page);
});
