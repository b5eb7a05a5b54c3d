// CXBus end to end: the plugin examples of the Genesys Widgets documentation verbatim against a test plugin, and the JS surface of CXBus as documented
// (plugins, commands with deferreds, before-hooks, buffering until ready, events delivered asynchronously as a
// microtask, sticky republish, unsubscribe, shared data, debug mode, onReady) from a plain script tag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newPage, assertNoTraps, emulatorAndBrowser } from './harness.mjs';

let emu;
let browser;
emulatorAndBrowser({}, (e, b) => ([emu, browser] = [e, b]));

/** A fresh page with cxbridge loaded; records console warnings and logs in `page.warnings` / `page.logs`. */
async function surface() {
  const page = await newPage(browser);
  page.warnings = [];
  page.logs = [];
  page.on('console', (msg) => {
    if (msg.type() === 'warning') page.warnings.push(msg.text());
    if (msg.type() === 'log') page.logs.push(msg.text());
  });
  await page.goto(`${emu.url}/tests/bus-surface.html`);
  await page.evaluate(() => cxbridge.ready);
  return page;
}

test('the documented plugin examples run verbatim against a test WebChatService', async () => {
  const page = await newPage(browser);
  await page.goto(`${emu.url}/tests/bus.html`);
  await page.evaluate(() => cxbridge.ready);
  const result = await page.evaluate(async () => {
    const out = {};
    for (const [k, d] of Object.entries(seed)) {
      if (typeof d === 'string') out[k] = d;
      else out[k] = await d.then((v) => ['resolved', v], (e) => ['rejected', e]);
    }
    return { out, calls, readyCalls };
  });
  assert.deepEqual(result.out, {
    getAgents: ['resolved', [{ name: 'Agent', connected: true, supervisor: false }]],
    startChat: ['resolved', { id: 'c1', nickname: 'Jonny' }],
    sendMessage: ['resolved', { body: 'hi' }],
    verifySession: ['resolved', { sessionActive: true }],
    endChat: ['resolved', {}],
    endChatAgain: ['rejected', 'There is no active chat session.'],
    subscribed: 'WebChatService.ready',
  });
  assert.deepEqual(result.calls, [
    'getAgents from MyPlugin',
    'startChat from MyPlugin',
    'sendMessage from MyPlugin',
    'verifySession from MyPlugin',
    'endChat from MyPlugin',
    'endChat from MyPlugin',
  ]);
  // _genesys.widgets.onReady was called once, with the page's _genesys.widgets.bus.
  assert.deepEqual(result.readyCalls, [true]);
  assertNoTraps(page);
});

test('registerPlugin returns a handle, or false with a warning for a non-string, malformed or taken name', async () => {
  const page = await surface();
  const r = await page.evaluate(() => {
    const p = CXBus.registerPlugin('Alpha');
    return {
      namespace: p.namespace(),
      methods: ['publish', 'republish', 'subscribe', 'unsubscribe', 'command', 'registerCommand', 'registerEvents',
        'before', 'data', 'ready', 'namespace'].every((m) => typeof p[m] === 'function'),
      taken: CXBus.registerPlugin('Alpha'),
      number: CXBus.registerPlugin(42),
      dotted: CXBus.registerPlugin('A.b'),
      viaBus: _genesys.widgets.bus.registerPlugin('Beta').namespace(),
    };
  });
  assert.deepEqual(r, { namespace: 'Alpha', methods: true, taken: false, number: false, dotted: false, viaBus: 'Beta' });
  assert.equal(page.warnings.filter((w) => w.includes('registerPlugin() refused')).length, 3);
  assertNoTraps(page);
});

test('a plugin method called without its plugin (destructured) throws a TypeError that says how to call it', async () => {
  const page = await surface();
  const r = await page.evaluate(() => {
    const p = CXBus.registerPlugin('Detached');
    const { subscribe, command } = p;
    const caught = (f) => {
      try {
        f();
        return 'no throw';
      } catch (e) {
        return `${e.constructor.name}: ${e.message}`;
      }
    };
    return {
      subscribe: caught(() => subscribe('X.y', () => {})),
      command: caught(() => command.call({}, 'X.y')),
      stillWorks: p.namespace(),
    };
  });
  assert.deepEqual(r, {
    subscribe: 'TypeError: cxbridge: subscribe() must be called on its plugin (plugin.subscribe(…))',
    command: 'TypeError: cxbridge: command() must be called on its plugin (plugin.command(…))',
    stillWorks: 'Detached',
  });
  assertNoTraps(page);
});

test('a plugin handle lives as long as the page: nothing frees it half-way (no free(), no Symbol.dispose)', async () => {
  const page = await surface();
  const r = await page.evaluate(() => {
    const p = CXBus.registerPlugin('Lasting');
    p.registerCommand('go', (e) => e.deferred.resolve('went'));
    p.ready();
    const q = CXBus.registerPlugin('Caller');
    const first = q.command('Lasting.go').state();
    return {
      first,
      // Neither wasm-bindgen's way of freeing a handle nor the one a `using` declaration takes.
      free: 'free' in q,
      dispose: Symbol.dispose in q,
      // The handle answers as before, cached command and all.
      again: q.command('Lasting.go').state(),
      other: q.command('Lasting.nope').state(),
      subscribed: q.subscribe('Lasting.x', () => {}) !== false,
    };
  });
  assert.deepEqual(r, {
    first: 'resolved', free: false, dispose: false, again: 'resolved', other: 'rejected',
    subscribed: true,
  });
  assertNoTraps(page);
});

test('a command reaches its handler with {time, commander, command, deferred, data} and settles the deferred', async () => {
  const page = await surface();
  const r = await page.evaluate(async () => {
    const svc = CXBus.registerPlugin('Svc');
    let seen;
    svc.registerCommand('echo', (e) => {
      seen = { time: typeof e.time, commander: e.commander, command: e.command, data: e.data, d: e.deferred.state() };
      e.deferred.resolve(e.data);
    });
    svc.registerCommand('boom', () => {
      throw new Error('boom');
    });
    svc.registerCommand('self', (e) => e.deferred.resolve(e.commander));
    svc.ready();
    const caller = CXBus.registerPlugin('Caller');
    const echoed = await caller.command('Svc.echo', { a: 1 });
    return {
      echoed,
      seen,
      // A name without a dot is the caller's own command.
      own: await svc.command('self'),
      // CXBus.command acts as the built-in CXBus plugin.
      global: await CXBus.command('Svc.self'),
      unknownPlugin: await caller.command('Nobody.cmd').then(null, (e) => e.message),
      unknownCommand: await caller.command('Svc.nothing').then(null, (e) => e.message),
      threw: await caller.command('Svc.boom').then(null, (e) => e.message),
      notAString: await caller.command(7).then(null, (e) => e.message),
    };
  });
  assert.deepEqual(r, {
    echoed: { a: 1 },
    seen: { time: 'number', commander: 'Caller', command: 'Svc.echo', data: { a: 1 }, d: 'pending' },
    own: 'Svc',
    global: 'CXBus',
    unknownPlugin: 'Command does not exist',
    unknownCommand: 'Command does not exist',
    threw: 'boom',
    notAString: 'cxbridge: a command name must be a string',
  });
  assertNoTraps(page);
});

test('a command sent again runs as the first did, per handle, and a hook or debug mode added later applies', async () => {
  const page = await surface();
  const r = await page.evaluate(async () => {
    const svc = CXBus.registerPlugin('Again');
    const seen = [];
    svc.registerCommand('go', (e) => {
      seen.push([typeof e.time, e.commander, e.command, e.data, e.deferred.state()]);
      e.deferred.resolve(e.data);
    });
    svc.registerCommand('boom', () => {
      throw new Error('boom');
    });
    svc.ready();
    const a = CXBus.registerPlugin('SenderA');
    const b = CXBus.registerPlugin('SenderB');
    const out = [];
    for (let i = 0; i < 3; i++) out.push(await a.command('Again.go', i));
    out.push(await b.command('Again.go', 'b'), await a.command('Again.go', 'a'));
    for (let i = 0; i < 2; i++) out.push(await a.command('Again.boom').then(null, (e) => e.message));
    // A name without a dot is each handle's own command.
    a.registerCommand('own', (e) => e.deferred.resolve('A'));
    b.registerCommand('own', (e) => e.deferred.resolve('B'));
    a.ready();
    b.ready();
    for (let i = 0; i < 2; i++) out.push(await a.command('own'), await b.command('own'));
    // A command that did not exist, then does.
    out.push(await a.command('Later.go').then(null, (e) => e.message));
    const later = CXBus.registerPlugin('Later');
    later.registerCommand('go', (e) => e.deferred.resolve('later'));
    later.ready();
    out.push(await a.command('Later.go'));
    // A hook registered after the command ran applies to the next one.
    svc.before('go', (d) => ({ hooked: d }));
    out.push(await a.command('Again.go', 1));
    CXBus.configure({ debug: true });
    out.push(await a.command('own'));
    CXBus.configure({ debug: false });
    return { out, seen };
  });
  const from = (who, data) => ['number', who, 'Again.go', data, 'pending'];
  assert.deepEqual(r.out, [0, 1, 2, 'b', 'a', 'boom', 'boom', 'A', 'B', 'A', 'B', 'Command does not exist', 'later',
    { hooked: 1 }, 'A']);
  assert.deepEqual(r.seen, [from('SenderA', 0), from('SenderA', 1), from('SenderA', 2), from('SenderB', 'b'),
    from('SenderA', 'a'), from('SenderA', { hooked: 1 })]);
  assert.ok(page.logs.some((l) => l.startsWith('[CXBus] command own from SenderA')), page.logs.join('\n'));
  assertNoTraps(page);
});

test('deferreds: done/fail/always/state as the vendor has them, then chains like a promise, await works', async () => {
  const page = await surface();
  const r = await page.evaluate(async () => {
    const svc = CXBus.registerPlugin('D');
    const later = [];
    svc.registerCommand('ok', (e) => e.deferred.resolve(1));
    svc.registerCommand('no', (e) => e.deferred.reject('nope'));
    svc.registerCommand('later', (e) => later.push(e.deferred));
    svc.ready();
    const log = [];
    const ok = svc.command('ok');
    ok.done((v) => log.push('done ' + v)).fail(() => log.push('fail?')).always((v) => log.push('always ' + v));
    const no = svc.command('no');
    no.done(() => log.push('done?')).fail((e) => log.push('fail ' + e)).always((e) => log.push('always ' + e));
    const pending = svc.command('later');
    const statesBefore = [ok.state(), no.state(), pending.state()];
    pending.done((v) => log.push('late done ' + v));
    later[0].resolve(5);
    // Attached after settlement: still called.
    pending.done((v) => log.push('after done ' + v));
    const chained = await svc.command('ok').then((v) => v + 1).then((v) => v * 10);
    const awaited = await svc.command('ok');
    let caught;
    try {
      await svc.command('no');
    } catch (e) {
      caught = e;
    }
    return { log, statesBefore, state: pending.state(), chained, awaited, caught };
  });
  assert.deepEqual(r, {
    log: ['done 1', 'always 1', 'fail nope', 'always nope', 'late done 5', 'after done 5'],
    statesBefore: ['resolved', 'rejected', 'pending'],
    state: 'resolved',
    chained: 20,
    awaited: 1,
    caught: 'nope',
  });
  assertNoTraps(page);
});

test('commands to a plugin that is not ready wait for ready() and then run in order', async () => {
  const page = await surface();
  const r = await page.evaluate(async () => {
    const slow = CXBus.registerPlugin('Slow');
    const order = [];
    slow.registerCommand('a', (e) => {
      order.push(e.data);
      e.deferred.resolve(e.data);
    });
    const ds = [CXBus.command('Slow.a', 1), CXBus.command('Slow.missing'), CXBus.command('Slow.a', 2)];
    const before = ds.map((d) => d.state());
    slow.ready();
    const after = await Promise.all(ds.map((d) => d.then((v) => v, (e) => e.message)));
    return { before, after, order };
  });
  assert.deepEqual(r, {
    before: ['pending', 'pending', 'pending'],
    after: [1, 'Command does not exist', 2],
    order: [1, 2],
  });
  assertNoTraps(page);
});

test('before-hooks run in registration order and a non-object result cancels with the vendor message', async () => {
  const page = await surface();
  const r = await page.evaluate(async () => {
    const svc = CXBus.registerPlugin('H');
    svc.registerCommand('open', (e) => e.deferred.resolve(e.data));
    svc.registerCommand('close', (e) => e.deferred.resolve(e.data));
    svc.ready();
    const spy = CXBus.registerPlugin('Spy');
    spy.before('H.open', (d) => ({ ...d, steps: [...(d.steps || []), 'first'] }));
    spy.before('H.open', (d) => ({ ...d, steps: [...d.steps, 'second'] }));
    const opened = await CXBus.command('H.open', { steps: [] });
    spy.before('H.close', () => false);
    const closed = await CXBus.command('H.close', {}).then(null, (e) => e.message);
    svc.registerCommand('broken', (e) => e.deferred.resolve('ran'));
    spy.before('H.broken', () => {
      throw new Error('hook broke');
    });
    const broken = await CXBus.command('H.broken', {}).then(null, (e) => e.message);
    return { opened, closed, broken, badHook: spy.before('H.open', 'not a function') };
  });
  assert.deepEqual(r, {
    opened: { steps: ['first', 'second'] },
    closed: "Command was cancelled by a 'before' function.",
    broken: 'hook broke',
    badHook: false,
  });
  assertNoTraps(page);
});

test('subscribers get {time, publisher, event, data} as a microtask, in subscription order, despite a throwing one', async () => {
  const page = await surface();
  const r = await page.evaluate(async () => {
    const pub = CXBus.registerPlugin('Pub');
    const sub = CXBus.registerPlugin('Sub');
    const got = [];
    sub.subscribe('Pub.ping', (e) => got.push(['first', e.publisher, e.event, e.data, typeof e.time]));
    sub.subscribe('Pub.ping', () => {
      throw new Error('subscriber failure');
    });
    sub.subscribe('Pub.ping', (e) => got.push(['third', e.data]));
    const published = pub.publish('ping', { n: 1 });
    const synchronously = got.length;
    await null; // one microtask later
    return {
      published,
      synchronously,
      got,
      foreign: pub.publish('Sub.ping', {}),
      badCallback: sub.subscribe('Pub.ping', 'nope'),
      badName: sub.subscribe('noDot', () => {}),
    };
  });
  assert.deepEqual(r, {
    published: true,
    synchronously: 0,
    got: [['first', 'Pub', 'Pub.ping', { n: 1 }, 'number'], ['third', { n: 1 }]],
    foreign: false,
    badCallback: false,
    badName: false,
  });
  assert.equal(page.warnings.filter((w) => /(publish|subscribe)\(\) refused/.test(w)).length, 3);
  assert.ok(page.consoleErrors.some((t) => t.includes('a subscriber of Pub.ping threw')));
  assertNoTraps(page, { allowConsoleErrors: [/a subscriber of Pub\.ping threw/] });
});

test('republish is sticky for later subscribers, as a plugin announces its ready', async () => {
  const page = await surface();
  const r = await page.evaluate(async () => {
    const p = CXBus.registerPlugin('Sticky');
    const got = [];
    p.publish('plain', 'missed');
    p.republish('state', 'v1');
    p.republish('state', 'v2');
    CXBus.subscribe('Sticky.ready', () => got.push('early ready'));
    p.republish('ready'); // as the vendor's extension example announces itself
    p.ready(); // publishes nothing more
    const late = CXBus.registerPlugin('Late');
    late.subscribe('Sticky.plain', (e) => got.push('plain ' + e.data));
    late.subscribe('Sticky.state', (e) => got.push('state ' + e.data));
    late.subscribe('Sticky.ready', (e) => got.push('ready ' + e.event));
    await null;
    return got;
  });
  assert.deepEqual(r, ['early ready', 'state v2', 'ready Sticky.ready']);
  assertNoTraps(page);
});

test('unsubscribe(event) removes the plugin\'s callbacks; unsubscribe(event, cb) only that one', async () => {
  const page = await surface();
  const r = await page.evaluate(async () => {
    const p = CXBus.registerPlugin('U');
    const a = CXBus.registerPlugin('A');
    const b = CXBus.registerPlugin('B');
    const got = [];
    const a1 = () => got.push('a1');
    const a2 = () => got.push('a2');
    a.subscribe('U.e', a1);
    a.subscribe('U.e', a2);
    b.subscribe('U.e', () => got.push('b'));
    const one = a.unsubscribe('U.e', a2);
    p.publish('e');
    await null;
    got.push('|');
    const all = a.unsubscribe('U.e');
    p.publish('e');
    await null;
    return { got, one, all, none: a.unsubscribe('U.e') };
  });
  assert.deepEqual(r, { got: ['a1', 'b', '|', 'b'], one: true, all: true, none: false });
  assertNoTraps(page);
});

test('unsubscribing takes effect at once, even for a delivery already queued', async () => {
  const page = await surface();
  const r = await page.evaluate(async () => {
    const p = CXBus.registerPlugin('Now');
    const s = CXBus.registerPlugin('NowSub');
    const got = [];
    const later = () => got.push('later');
    s.subscribe('Now.e', () => {
      got.push('first');
      s.unsubscribe('Now.e', later); // removes the one after it, whose delivery is already queued
    });
    s.subscribe('Now.e', later);
    p.publish('e', 1);
    await null;
    const gone = () => got.push('gone');
    s.subscribe('Now.f', gone);
    p.publish('f', 1);
    s.unsubscribe('Now.f', gone); // before the delivery microtask
    await null;
    return got;
  });
  assert.deepEqual(r, ['first']);
  assertNoTraps(page);
});

test('data(key, value) sets the own datum and publishes <Namespace>.data.<key>; data(key) reads by full key', async () => {
  const page = await surface();
  const r = await page.evaluate(async () => {
    const w = CXBus.registerPlugin('WebChat');
    const me = CXBus.registerPlugin('Me');
    const got = [];
    me.subscribe('WebChat.data.open', (e) => got.push([e.event, e.data]));
    const set = w.data('open', true);
    await null;
    return { set, got, read: me.data('WebChat.open'), own: w.data('open'), missing: me.data('WebChat.nothing'),
      foreign: me.data('WebChat.open', false), still: CXBus.data('WebChat.open') };
  });
  assert.deepEqual(r, {
    set: true, got: [['WebChat.data.open', true]], read: true, own: true, missing: undefined, foreign: false,
    still: true,
  });
  assertNoTraps(page);
});

test('CXBus.configure({debug: true}) logs every publish and command with its timing', async () => {
  const page = await surface();
  await page.evaluate(async () => {
    CXBus.configure({ debug: true });
    const p = CXBus.registerPlugin('Dbg');
    p.registerCommand('go', (e) => e.deferred.resolve('went'));
    p.ready();
    p.republish('ready');
    await CXBus.command('Dbg.go', { x: 1 });
    p.publish('happened', 1);
    CXBus.configure({ debug: false });
    p.publish('quiet', 1);
  });
  const logs = page.logs.filter((l) => l.startsWith('[CXBus]'));
  assert.ok(logs.some((l) => l.startsWith('[CXBus] republish Dbg.ready')), logs.join('\n'));
  assert.ok(logs.some((l) => l.startsWith('[CXBus] command Dbg.go from CXBus')), logs.join('\n'));
  assert.ok(logs.some((l) => /^\[CXBus\] command Dbg\.go resolved after \d+\.\d ms/.test(l)), logs.join('\n'));
  assert.ok(logs.some((l) => l.startsWith('[CXBus] publish Dbg.happened')), logs.join('\n'));
  assert.ok(!logs.some((l) => l.includes('Dbg.quiet')), logs.join('\n'));
  assertNoTraps(page);
});
