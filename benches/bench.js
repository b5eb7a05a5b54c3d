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

async function publishLatency(n) {
  const plugin = CXBus.registerPlugin(`Pub${Math.random().toString(36).slice(2)}`);
  const ns = plugin.namespace();
  plugin.registerEvents(['tick']);
  const lat = [];
  let resolveDone;
  const done = new Promise((r) => (resolveDone = r));
  CXBus.subscribe(`${ns}.tick`, (e) => {
    lat.push(performance.now() - e.data);
    if (lat.length === n) resolveDone();
  });
  for (let i = 0; i < n; i++) {
    plugin.publish('tick', performance.now());
    if (i % 100 === 99) await new Promise((r) => setTimeout(r, 0));
  }
  await done;
  lat.sort((a, b) => a - b);
  return { p50: lat[Math.floor(n * 0.5)] * 1000, p99: lat[Math.floor(n * 0.99)] * 1000 };
}

function heap() {
  return performance.memory ? performance.memory.usedJSHeapSize : NaN;
}

async function memoryOnOff(cycles) {
  if (window.gc) window.gc();
  const before = { js: heap(), wasm: window.cxbridge.__bench.wasmMemoryBytes() };
  const f = () => {};
  for (let i = 0; i < cycles; i++) {
    window.ac('on', 'webchat:all', f);
    window.ac('off', 'webchat:all', f);
  }
  await new Promise((r) => setTimeout(r, 0));
  if (window.gc) window.gc();
  return { before, after: { js: heap(), wasm: window.cxbridge.__bench.wasmMemoryBytes() } };
}

window.bench = {
  ready: () => window.cxbridge.ready.then(() => ({ startupMs: window.__tReady - window.__t0 })),
  libs: Object.keys(emitters),
  dispatch,
  subscribeUnsubscribe,
  busRoundTrips,
  publishLatency,
  memoryOnOff,
};
window.__benchLoaded = true;
