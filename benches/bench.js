// Runs in the benchmark page: cxbridge beside its peers, the same work, the same page, the same run.
// Each case returns operations per second for one timed run; the runner repeats and takes medians.
import mitt from '/node_modules/mitt/dist/mitt.mjs';
import EventEmitter3 from '/node_modules/eventemitter3/dist/eventemitter3.esm.js';
import { createNanoEvents } from '/node_modules/nanoevents/index.js';

const payload = {
  actionId: '3c1f0e36-7d1d-4f5e-9d8e-3f5f8a4c1b2a', actionState: 'offered', actionMediaType: 'webchat',
  actionMapId: '9a1b7c4e-1111-4a2b-8c3d-2e4f6a8b0c1d', actionMapVersion: 3,
  customerId: '0b4c5d6e-2222-4f3a-9b8c-7d6e5f4a3b2c', customerIdType: 'cookie',
  sessionId: '5e6f7a8b-3333-4c2d-8e9f-0a1b2c3d4e5f',
};

function timeOps(fn, ops) {
  const t = performance.now();
  fn();
  const ms = performance.now() - t;
  return (ops / ms) * 1000;
}

// One adapter per emitter: subscribe L listeners to `webchat:all`, emit N events, unsubscribe them.
const emitters = {
  cxbridge: () => {
    const api = window.cxbridge.__bench;
    return {
      on: (n, f) => window.ac('on', n, f),
      off: (n, f) => window.ac('off', n, f),
      emit: (n, p) => api.emit(n, p),
    };
  },
  mitt: () => {
    const e = mitt();
    return { on: e.on, off: e.off, emit: e.emit };
  },
  eventemitter3: () => {
    const e = new EventEmitter3();
    return { on: (n, f) => e.on(n, f), off: (n, f) => e.off(n, f), emit: (n, p) => e.emit(n, p) };
  },
  nanoevents: () => {
    const e = createNanoEvents();
    const unbinds = new Map();
    return {
      on: (n, f) => unbinds.set(f, e.on(n, f)),
      off: (n, f) => (unbinds.get(f)(), unbinds.delete(f)),
      emit: (n, p) => e.emit(n, p),
    };
  },
};

function dispatch(lib, listeners, events) {
  const e = emitters[lib]();
  let sink = 0;
  const fns = Array.from({ length: listeners }, (_, i) => (p) => { sink += p.actionMapVersion + i; });
  for (const f of fns) e.on('webchat:all', f);
  // Warm up untimed (every library alike), so the timed run measures optimised code, not the JIT's tiers.
  for (let i = 0; i < events / 10; i++) e.emit('webchat:all', payload);
  const ops = timeOps(() => {
    for (let i = 0; i < events; i++) e.emit('webchat:all', payload);
  }, events);
  for (const f of fns) e.off('webchat:all', f);
  if (sink === -1) console.log(sink);
  return ops;
}

function subscribeUnsubscribe(lib, pairs) {
  const e = emitters[lib]();
  const f = () => {};
  for (let i = 0; i < pairs / 10; i++) {
    e.on('webchat:offered', f);
    e.off('webchat:offered', f);
  }
  return timeOps(() => {
    for (let i = 0; i < pairs; i++) {
      e.on('webchat:offered', f);
      e.off('webchat:offered', f);
    }
  }, pairs);
}

async function busRoundTrips(n) {
  const plugin = CXBus.registerPlugin(`Bench${Math.random().toString(36).slice(2)}`);
  const ns = plugin.namespace();
  plugin.registerCommand('echo', (e) => e.deferred.resolve(e.data));
  plugin.ready();
  const caller = CXBus.registerPlugin(`Caller${Math.random().toString(36).slice(2)}`);
  const t = performance.now();
  await new Promise((resolve) => {
    let left = n;
    for (let i = 0; i < n; i++) {
      caller.command(`${ns}.echo`, i).done(() => {
        if (--left === 0) resolve();
      });
    }
  });
  return (n / (performance.now() - t)) * 1000;
}

// One command at a time, each awaited before the next: the latency of a round trip (command → handler → resolve →
// the caller resumes), beside its floor in plain JS, an awaited promise that resolves in a microtask.
async function commandAwaited(lib, n) {
  if (lib === 'awaited microtask promise') {
    const t = performance.now();
    for (let i = 0; i < n; i++) await Promise.resolve(i);
    return (n / (performance.now() - t)) * 1000;
  }
  const plugin = CXBus.registerPlugin(`Echo${Math.random().toString(36).slice(2)}`);
  const ns = plugin.namespace();
  plugin.registerCommand('echo', (e) => e.deferred.resolve(e.data));
  plugin.ready();
  const caller = CXBus.registerPlugin(`Asker${Math.random().toString(36).slice(2)}`);
  const once = (i) => new Promise((resolve) => caller.command(`${ns}.echo`, i).done(resolve));
  for (let i = 0; i < n / 10; i++) await once(i);
  const t = performance.now();
  for (let i = 0; i < n; i++) await once(i);
  return (n / (performance.now() - t)) * 1000;
}

// The plain JS bus the CXBus publish is measured against: subscribers by name, each publish delivered to all of
// them in a microtask of its own (CXBus's subscribers are called asynchronously too), as one event object that its
// subscribers share, as CXBus's do.
function microtaskBus() {
  const subs = new Map();
  return {
    subscribe: (name, fn) => (subs.has(name) ? subs.get(name).push(fn) : subs.set(name, [fn])),
    publish: (name, data) => {
      const list = subs.get(name);
      if (!list) return;
      queueMicrotask(() => {
        const event = { event: name, data };
        for (const fn of list) fn(event);
      });
    },
  };
}

/** Events per second from `n` publishes to `subscribers` subscribers, until the last subscriber got the last one. */
async function publishTo(lib, subscribers, n) {
  let publish;
  let subscribe;
  if (lib === 'plain microtask bus') {
    const bus = microtaskBus();
    publish = (d) => bus.publish('Bench.tick', d);
    subscribe = (fn) => bus.subscribe('Bench.tick', fn);
  } else {
    const plugin = CXBus.registerPlugin(`Fan${Math.random().toString(36).slice(2)}`);
    const ns = plugin.namespace();
    plugin.registerEvents(['tick']);
    publish = (d) => plugin.publish('tick', d);
    subscribe = (fn) => CXBus.subscribe(`${ns}.tick`, fn);
  }
  let sink = 0;
  let last;
  let done;
  for (let i = 0; i < subscribers - 1; i++) subscribe((e) => { sink += e.data; });
  subscribe((e) => {
    sink += e.data;
    if (e.data === last) done();
  });
  const round = (count) => new Promise((resolve) => {
    done = resolve;
    last = count - 1;
    for (let i = 0; i < count; i++) publish(i);
  });
  await round(n / 10);
  const t = performance.now();
  await round(n);
  const ops = (n / (performance.now() - t)) * 1000;
  if (sink === -1) console.log(sink);
  return ops;
}

// Publish → subscriber, one event at a time: the subscriber publishes the next event, so each hop is one publish
// and one (microtask) delivery with nothing queued behind it. The mean is total time / hops (a clock of 5 µs or
// 100 µs resolution cannot time one hop); p50/p99 are per-hop stamps, meaningful only as far as the clock is
// (the runner serves the page cross-origin isolated: 5 µs).
async function publishLatency(n) {
  const plugin = CXBus.registerPlugin(`Pub${Math.random().toString(36).slice(2)}`);
  const ns = plugin.namespace();
  plugin.registerEvents(['tick']);
  const lat = new Float64Array(n);
  let k = 0;
  let t0;
  const done = new Promise((resolve) => {
    CXBus.subscribe(`${ns}.tick`, (e) => {
      const now = performance.now();
      lat[k++] = now - e.data;
      if (k === n) resolve(now);
      else plugin.publish('tick', performance.now());
    });
  });
  t0 = performance.now();
  plugin.publish('tick', performance.now());
  const end = await done;
  CXBus.unsubscribe(`${ns}.tick`);
  lat.sort();
  return {
    mean: ((end - t0) / n) * 1000,
    p50: lat[Math.floor(n * 0.5)] * 1000,
    p99: lat[Math.floor(n * 0.99)] * 1000,
    resolutionUs: self.crossOriginIsolated ? 5 : 100,
  };
}

// ---- Wire to callback, and a long chat --------------------------------------------------------------------
// A chat with the emulator's agent console as the agent: the page posts each agent message with its send time in
// the body; cxbridge's WebChatService `messageReceived` subscriber and a raw WebSocket on the same event stream
// (JSON.parse, pick the body) both see the same frame. Figures per message:
//   total: send → callback (the lead's definition: same traffic, same clock, so the ratio compares like with like);
//   processing: frame arrival on that socket → callback (what cxbridge adds; the raw handler's is JSON.parse).
const chat = { cid: null, cx: new Map(), raw: new Map(), waiters: new Map(), received: 0 };
// `replay`'s: the time a replayed frame's `messageReceived` reached its subscriber.
let replayed = null;
const called = (now) => {
  if (replayed) replayed(now);
  replayed = null;
};

function post(path, body) {
  return fetch(`${window.__emu}${path}`, {
    method: 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

function settle(i) {
  const w = chat.waiters.get(i);
  if (w && chat.cx.has(i) && chat.raw.has(i)) {
    chat.waiters.delete(i);
    w();
  }
}

async function chatStart() {
  await post('/__emulator/agent/mode', { manual: true });
  const socket = window.__sockets;
  CXBus.subscribe('WebChatService.messageReceived', (e) => {
    const now = performance.now();
    called(now);
    const arrival = socket.length ? socket[socket.length - 1].lastArrival : now;
    for (const m of e.data.messages) {
      if (typeof m.text !== 'string' || !m.text.startsWith('bench ')) continue;
      chat.received++;
      const [, i, t] = m.text.split(' ');
      if (Number(i) >= 0) {
        chat.cx.set(Number(i), { total: now - Number(t), processing: now - arrival });
        settle(Number(i));
      }
    }
  });
  // startChat resolves with nothing, as the shipped service does; the session data names the conversation.
  await new Promise((resolve, reject) => {
    CXBus.command('WebChatService.startChat', { nickname: 'Bench' }).done(resolve).fail(reject);
  });
  chat.cid = (await CXBus.command('WebChatService.getSessionData')).conversationId;
  // The agent joins once the stream attached (409 before).
  for (let i = 0; i < 200; i++) {
    if ((await post(`/__emulator/agent/chats/${chat.cid}/join`)).status === 200) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  const raw = new window.__RawWebSocket(socket[socket.length - 1].url);
  raw.onmessage = (ev) => {
    const arrival = performance.now();
    const frame = JSON.parse(ev.data);
    const body = frame.eventBody && frame.eventBody.body;
    if (typeof body !== 'string' || !body.startsWith('bench ')) return;
    const [, i, t] = body.split(' ');
    const now = performance.now();
    if (Number(i) >= 0) {
      chat.raw.set(Number(i), { total: now - Number(t), processing: now - arrival });
      settle(Number(i));
    }
  };
  await new Promise((r) => (raw.onopen = r));
  chat.rawSocket = raw;
  return chat.cid;
}

const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))];

/**
 * The least any WebChatService does with a Guest Chat message frame, in plain JS: parse it, skip an id already
 * delivered, build the vendor's `messageReceived` data from the frame and the members seen, and deliver it to
 * `subscriber` in a microtask (as a bus does). No prefilters, preprocessors, transcript, analytics, restore or
 * ordering: a floor under cxbridge's socket handler. Returns a socket handler.
 */
function plainService(me, subscriber) {
  const seen = new Set();
  const names = new Map();
  return (ev) => {
    const frame = JSON.parse(ev.data);
    const b = frame.eventBody;
    if (!b || typeof b !== 'object') return;
    if (b.member && b.member.id) names.set(b.member.id, b.member.displayName);
    if (frame.metadata.type !== 'message' || typeof b.body !== 'string' || seen.has(b.id)) return;
    seen.add(b.id);
    const at = Date.parse(b.timestamp);
    const from = b.sender.id;
    const data = {
      originalMessages: [{ id: b.id, sender: { id: from }, body: b.body, bodyType: b.bodyType, timestamp: b.timestamp,
        conversation: { id: b.conversation.id } }],
      messages: [{ type: 'Message', text: b.body, from: { id: from, name: names.get(from), type: from === me ? 'Client' : 'Agent' },
        restoring: false, index: at, timestamp: at }],
      restoring: false,
    };
    const e = { time: Date.now(), publisher: 'WebChatService', event: 'WebChatService.messageReceived', data };
    queueMicrotask(() => subscriber(e));
  };
}

/**
 * The chat socket's last frame replayed `n` times (new ids and texts, so none is a duplicate) through cxbridge's
 * socket handler, a raw handler (JSON.parse and a split) and `plainService`, each handler's frames in turn. With
 * `gapMs` > 0 each frame runs alone after the page idled that long (as between the chat case's round trips; with
 * `busy`, spinning instead of idling), from the handler's start to the `messageReceived` subscriber (the raw
 * handler: to its end), p50 µs; else back to back, the handlers' own run, mean µs. The frames join the chat's
 * transcript.
 */
async function replay(n, gapMs, busy = false) {
  const rec = window.__sockets[window.__sockets.length - 1];
  const f = JSON.parse(rec.last);
  const texts = [];
  for (let i = 0; i < n; i++) {
    f.eventBody.id = f.id = crypto.randomUUID();
    f.eventBody.body = `bench -1 0 replayed ${i}`;
    texts.push(JSON.stringify(f));
  }
  const handlers = {
    cxbridge: rec.ws.onmessage,
    raw: (e) => JSON.parse(e.data).eventBody.body.split(' '),
    plain: plainService('', () => called(performance.now())), // (every replayed frame is the agent's)
  };
  const out = {};
  for (const [who, fn] of Object.entries(handlers)) {
    if (!gapMs) {
      const t = performance.now();
      for (const data of texts) fn.call(rec.ws, { data });
      out[who] = ((performance.now() - t) / n) * 1000;
    } else {
      const each = [];
      for (const data of texts) {
        if (busy) for (const until = performance.now() + gapMs; performance.now() < until; );
        else await new Promise((r) => setTimeout(r, gapMs));
        const t = performance.now();
        const callback = who === 'raw' ? null : new Promise((r) => (replayed = r));
        fn.call(rec.ws, { data });
        each.push((callback ? await callback : performance.now()) - t);
      }
      out[who] = each.sort((a, b) => a - b)[Math.floor(n / 2)] * 1000;
    }
    await new Promise((r) => setTimeout(r, 0));
  }
  return out;
}

/** `n` agent messages, one at a time: each is sent once the previous one reached both handlers. */
async function wireToCallback(n) {
  chat.cx.clear();
  chat.raw.clear();
  for (let i = 0; i < n; i++) {
    const got = new Promise((r) => chat.waiters.set(i, r));
    await post(`/__emulator/agent/chats/${chat.cid}/messages`, { body: `bench ${i} ${performance.now().toFixed(3)}` });
    await got;
  }
  const figures = (m) => {
    const total = [...m.values()].map((v) => v.total * 1000).sort((a, b) => a - b);
    const processing = [...m.values()].map((v) => v.processing * 1000).sort((a, b) => a - b);
    return { p50: pct(total, 0.5), p99: pct(total, 0.99), processingP50: pct(processing, 0.5), processingP99: pct(processing, 0.99) };
  };
  return { cxbridge: figures(chat.cx), raw: figures(chat.raw), resolutionUs: self.crossOriginIsolated ? 5 : 100 };
}

/** Agent messages until the chat holds `total` (100 in flight at a time); heap and wasm memory at the end. */
async function longChat(total) {
  const start = chat.received;
  let sent = 0;
  const target = start + total;
  while (sent < total) {
    const batch = [];
    for (let j = 0; j < 100 && sent < total; j++, sent++) {
      batch.push(post(`/__emulator/agent/chats/${chat.cid}/messages`, { body: `bench -1 0 message ${sent} of a long chat` }));
    }
    await Promise.all(batch);
  }
  while (chat.received < target) await new Promise((r) => setTimeout(r, 20));
  // The instrument's own memory is not cxbridge's: the per-message timings of wireToCallback and the raw peer
  // socket did not exist when `before` was measured.
  chat.cx.clear();
  chat.raw.clear();
  if (chat.rawSocket) chat.rawSocket.close();
  await new Promise((r) => setTimeout(r, 50));
  return memory();
}

async function chatEnd() {
  await new Promise((resolve) => CXBus.command('WebChatService.endChat').always(resolve));
  await new Promise((r) => setTimeout(r, 200));
  return memory();
}

function memory() {
  // Measured after a full collection, as every other memory figure is: garbage is not growth.
  if (window.gc) window.gc();
  return { js: heap(), wasm: window.cxbridge.__bench.wasmMemoryBytes() };
}

function heap() {
  return performance.memory ? performance.memory.usedJSHeapSize : NaN;
}

async function memoryOnOff(cycles) {
  const before = memory();
  const f = () => {};
  for (let i = 0; i < cycles; i++) {
    window.ac('on', 'webchat:all', f);
    window.ac('off', 'webchat:all', f);
  }
  await new Promise((r) => setTimeout(r, 0));
  return { before, after: memory() };
}

window.bench = {
  ready: () => window.cxbridge.ready.then(() => ({ startupMs: window.__tReady - window.__t0 })),
  libs: Object.keys(emitters),
  dispatch,
  subscribeUnsubscribe,
  busRoundTrips,
  commandAwaited,
  publishTo,
  publishLatency,
  memoryOnOff,
  memory,
  chatStart,
  wireToCallback,
  replay,
  longChat,
  chatEnd,
};
window.__benchLoaded = true;
