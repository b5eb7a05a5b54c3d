// Drives every public entry point of cxbridge, used by tests/e2e/reliability*.spec.mjs. An external script (no
// inline script anywhere) so that the same page also runs under the strict Content-Security-Policy.
//
// window.hostile()   calls every entry point with wrong types and reports how each call ended
// window.everyArea() uses each area's API the way a page does and reports what it saw

(function () {
  'use strict';

  const { TRAP, describe, isThenable } = window.hostileKit;

  /** The wrong values a page (or a hostile script) can pass, by label. */
  function hostileValues() {
    const getters = {};
    for (const k of [
      'name', 'data', 'transport', 'type', 'dataURL', 'endpoint', 'allowedOrigins', 'allowAnyOrigin', 'frame', 'debug',
      'then', 'length', 'conversationId', 'providerSessionId', 'events', 'nickname', 'message', 'input', 'filters',
      'userData', 'dataLayer', 'batchSize', 'sources', 'consent', 'region', 'toJSON', 'valueOf', 'toString',
      'constructor', 'deferred', 'command', 'pluginsPath', 'pluginFilenameFormat',
    ]) {
      Object.defineProperty(getters, k, { enumerable: true, get() { throw new Error('hostile getter: ' + k); } });
    }
    getters[Symbol.toPrimitive] = () => { throw new Error('hostile toPrimitive'); };
    const cyclic = { name: 'smcc:task:ring' };
    cyclic.self = cyclic;
    cyclic.data = cyclic;
    cyclic.transport = cyclic;
    cyclic.events = [cyclic];
    const cyclicArray = [];
    cyclicArray.push(cyclicArray, cyclicArray);
    const trapAll = new Proxy({}, {
      get() { throw new Error('hostile proxy get'); },
      has() { throw new Error('hostile proxy has'); },
      ownKeys() { throw new Error('hostile proxy ownKeys'); },
      getOwnPropertyDescriptor() { throw new Error('hostile proxy descriptor'); },
      getPrototypeOf() { throw new Error('hostile proxy prototype'); },
      apply() { throw new Error('hostile proxy apply'); },
    });
    const revocable = Proxy.revocable({}, {});
    revocable.revoke();
    const fnProxy = new Proxy(function () {}, { apply() { throw new Error('hostile callable proxy'); } });
    return {
      undefined: undefined,
      null: null,
      zero: 0,
      NaN: NaN,
      Infinity: -Infinity,
      number: 42,
      bigint: 10n,
      true: true,
      'empty string': '',
      string: 'hostile.string',
      'huge string': 'x'.repeat(1 << 20),
      symbol: Symbol('hostile'),
      'empty object': {},
      'null-prototype object': Object.create(null),
      array: [1, 'two', null],
      date: new Date(0),
      function: function () { return 1; },
      'throwing function': function () { throw new Error('hostile callback'); },
      'getters that throw': getters,
      cyclic: cyclic,
      'cyclic array': cyclicArray,
      'proxy that throws': trapAll,
      'revoked proxy': revocable.proxy,
      'callable proxy': fnProxy,
    };
  }

  /** Every call to make: [label, () => result]. */
  function calls(api, values) {
    const list = [];
    const add = (label, fn) => list.push([label, fn]);
    const names = Object.keys(values);
    const pluginMethods = (label, p) => {
      for (const n of names) {
        const v = values[n];
        add(`${label}.publish(${n})`, () => p.publish(v, v));
        add(`${label}.publish('ok', ${n})`, () => p.publish('ok', v));
        add(`${label}.republish(${n})`, () => p.republish(v, v));
        add(`${label}.subscribe(${n})`, () => p.subscribe(v, v));
        add(`${label}.subscribe('X.y', ${n})`, () => p.subscribe('X.y', v));
        add(`${label}.unsubscribe(${n})`, () => p.unsubscribe(v, v));
        add(`${label}.command(${n})`, () => p.command(v, v));
        add(`${label}.command('Nope.cmd', ${n})`, () => p.command('Nope.cmd', v));
        add(`${label}.registerCommand(${n})`, () => p.registerCommand(v, v));
        add(`${label}.registerEvents(${n})`, () => p.registerEvents(v));
        add(`${label}.before(${n})`, () => p.before(v, v));
        add(`${label}.data(${n})`, () => p.data(v));
        add(`${label}.data(${n}, ${n})`, () => p.data(v, v));
        add(`${label}.registerPlugin(${n})`, () => p.registerPlugin(v));
      }
      add(`${label}.ready()`, () => p.ready());
      add(`${label}.namespace()`, () => p.namespace());
    };
    for (const n of names) {
      const v = values[n];
      add(`ac(${n})`, () => api.ac(v));
      for (const m of ['on', 'once', 'off']) {
        add(`ac('${m}', ${n})`, () => api.ac(m, v, v));
        add(`ac('${m}', 'webchat:all', ${n})`, () => api.ac(m, 'webchat:all', v));
      }
      for (const m of ['init', 'pageview', 'record', 'identify']) add(`ac('${m}', ${n})`, () => api.ac(m, v, v));
      add(`CXBus.registerPlugin(${n})`, () => api.CXBus.registerPlugin(v));
      add(`CXBus.configure(${n})`, () => api.CXBus.configure(v));
      add(`CXBus.loadPlugin(${n})`, () => api.CXBus.loadPlugin(v));
      // (A plain short string would be fetched as a script, from pluginsPath or as a file: the loader's own
      // tests cover that.)
      if (n !== 'string') {
        add(`CXBus.configure({pluginsPath: ${n}})`, () => api.CXBus.configure({ pluginsPath: v, pluginFilenameFormat: v }));
        add(`CXBus.loadFile(${n})`, () => api.CXBus.loadFile(v));
      }
      add(`embedded.listen(${n})`, () => api.embedded.listen(v));
      add(`embedded.listen({allowedOrigins: ${n}})`, () => api.embedded.listen({ allowedOrigins: v }));
      add(`embedded.listen({allowedOrigins: [${n}]})`, () => api.embedded.listen({ allowedOrigins: [v] }));
      add(`embedded.listen({frame: ${n}})`, () => api.embedded.listen({ allowedOrigins: [location.origin], frame: v }));
      add(`embedded.on(${n})`, () => api.embedded.on(v, v));
      add(`embedded.on('*', ${n})`, () => api.embedded.on('*', v));
      add(`embedded.off(${n})`, () => api.embedded.off(v, v));
      add(`embedded.stats(${n})`, () => api.embedded.stats(v));
      add(`analytics.configure(${n})`, () => api.analytics.configure(v));
      add(`analytics.configure({endpoint: ${n}})`, () => api.analytics.configure({ endpoint: v }));
      add(`analytics.logAnalyticsEvent(${n})`, () => api.analytics.logAnalyticsEvent(v, v, v));
      add(`analytics.logAnalyticsEvent({events: ${n}})`, () =>
        api.analytics.logAnalyticsEvent({ conversationId: 'c', providerSessionId: 'p', events: v }, 'E', 'x'));
      add(`analytics.installCifShim(${n})`, () => api.analytics.installCifShim(v));
      for (const c of WEBCHAT_COMMANDS) {
        add(`command('WebChatService.${c}', ${n})`, () => api.CXBus.command(`WebChatService.${c}`, v));
      }
    }
    // The vendor Deferred a command returns, and the handle listen() returns.
    const deferred = api.CXBus.command('Nope.pending');
    let listener = null;
    try {
      listener = api.embedded.listen({ allowedOrigins: [location.origin] });
    } catch (_) {}
    for (const n of names) {
      const v = values[n];
      for (const m of ['done', 'fail', 'always', 'then', 'catch']) {
        add(`deferred.${m}(${n})`, () => deferred[m](v, v));
      }
      add(`deferred.state(${n})`, () => deferred.state(v));
      if (listener) add(`listener.stop(${n})`, () => listener.stop(v));
    }
    pluginMethods('CXBus', api.CXBus);
    pluginMethods('_genesys.widgets.bus', api.bus);
    const plugin = api.CXBus.registerPlugin('HostilePlugin');
    if (plugin) pluginMethods('plugin', plugin);
    // A handler, a subscriber and a before-hook that answer with hostile values or throw them.
    const answering = api.CXBus.registerPlugin('HostileAnswers');
    if (answering) {
      for (const n of names) {
        const v = values[n];
        const safe = n.replace(/[^a-z]/gi, '');
        answering.registerCommand('resolve' + safe, (e) => e.deferred.resolve(v));
        answering.registerCommand('reject' + safe, (e) => e.deferred.reject(v));
        answering.registerCommand('throw' + safe, () => { throw v; });
        answering.subscribe('HostileAnswers.ev' + safe, () => { throw v; });
        add(`handler resolving ${n}`, () => api.CXBus.command('HostileAnswers.resolve' + safe));
        add(`handler rejecting ${n}`, () => api.CXBus.command('HostileAnswers.reject' + safe));
        add(`handler throwing ${n}`, () => api.CXBus.command('HostileAnswers.throw' + safe));
        add(`publish to a subscriber throwing ${n}`, () => answering.publish('ev' + safe, v));
      }
      answering.ready();
    }
    return list;
  }

  const WEBCHAT_COMMANDS = [
    'configure', 'startChat', 'endChat', 'sendMessage', 'sendCustomNotice', 'sendTyping', 'sendFilteredMessage',
    'addPrefilter', 'updateUserData', 'startPoll', 'stopPoll', 'resetPollExceptions', 'getTranscript', 'getAgents',
    'getStats', 'sendFile', 'downloadFile', 'getSessionData', 'fetchHistory', 'registerTypingPreviewInput',
    'registerPreProcessor', 'verifySession',
  ];

  /**
   * Makes every call; a returned deferred or promise is given `waitMs` to settle (a 1 MB message takes a while to be
   * sent and refused). Resolves to
   * [{label, kind: 'returned'|'threw'|'resolved'|'rejected'|'pending', error, message}].
   */
  window.hostile = async function (waitMs = 10000) {
    const api = await window.cxbridge.ready;
    const all = { ac: window.ac, CXBus: window.CXBus, bus: window._genesys.widgets.bus, ...api };
    const values = hostileValues();
    const results = [];
    const waits = [];
    const deadline = new Promise((r) => setTimeout(r, waitMs));
    for (const [label, fn] of calls(all, values)) {
      let r;
      try {
        r = fn();
      } catch (e) {
        results.push({ label, kind: 'threw', ...describe(e) });
        continue;
      }
      if (isThenable(r)) {
        const entry = { label, kind: 'pending', error: false, message: '' };
        results.push(entry);
        waits.push(
          Promise.race([
            Promise.resolve(r).then(
              () => { entry.kind = 'resolved'; },
              (e) => Object.assign(entry, { kind: 'rejected' }, describe(e)),
            ),
            deadline,
          ]),
        );
      } else {
        results.push({ label, kind: 'returned', error: false, message: typeof r });
      }
    }
    await Promise.all(waits);
    // Let asynchronous deliveries (bus events to throwing subscribers) run before the test looks at the console.
    await new Promise((r) => setTimeout(r, 50));
    return results;
  };

  window.TRAP = TRAP;

  /** After the hostile calls: is every area still alive (a trap would have left the wasm unusable)? */
  window.sanity = async function () {
    const api = await window.cxbridge.ready;
    const out = {};
    let fired = 0;
    const cb = () => fired++;
    window.ac('on', 'webchat:all', cb);
    window.ac('off', 'webchat:all', cb);
    out.ac = fired === 0;
    const p = window.CXBus.registerPlugin('Sanity' + Math.random().toString(36).slice(2));
    p.registerCommand('ping', (e) => e.deferred.resolve('pong:' + e.data));
    p.ready();
    out.command = await window.CXBus.command(p.namespace() + '.ping', 'x');
    out.quickBus = await window._genesys.widgets.bus.command(p.namespace() + '.ping', 'y');
    const stats = api.embedded.stats();
    out.embedded = typeof stats.accepted === 'number' && typeof stats.rejected === 'number';
    api.analytics.configure({ dataLayer: true });
    out.cif = typeof (await api.analytics.logAnalyticsEvent(
      { conversationId: 'c', providerSessionId: 'p' }, 'Sanity', 'corr',
    ));
    out.session = await window.CXBus.command('WebChatService.getSessionData').then(
      () => 'resolved',
      (e) => 'rejected: ' + (e && e.message ? e.message : e),
    );
    return out;
  };

  /** A window that posts Engage Digital events to this page when asked: tests/pages/reliability-frame.html. */
  function frame() {
    return new Promise((resolve) => {
      const f = document.createElement('iframe');
      f.src = '/tests/reliability-frame.html';
      f.addEventListener('load', () => resolve(f));
      document.body.appendChild(f);
    });
  }

  /** Each area used the way a page uses it; resolves to what was observed. */
  window.everyArea = async function ({ chat = false } = {}) {
    const api = await window.cxbridge.ready;
    const seen = {};

    // Journey ac(): subscribe, unsubscribe, tracking calls.
    const acCb = () => {};
    window.ac('on', 'webchat:all', acCb);
    window.ac('off', 'webchat:all', acCb);
    window.ac('pageview', { title: 'csp' });
    seen.ac = typeof window.ac;

    // CXBus: a plugin's command round trip, an event, shared data.
    const plugin = window.CXBus.registerPlugin('EveryArea');
    plugin.registerCommand('echo', (e) => e.deferred.resolve({ echoed: e.data.x }));
    const events = [];
    window._genesys.widgets.bus.subscribe('EveryArea.ping', (e) => events.push(e.data));
    plugin.ready();
    seen.command = await window.CXBus.command('EveryArea.echo', { x: 7 });
    plugin.publish('ping', { n: 1 });
    await new Promise((r) => setTimeout(r, 20));
    seen.events = events;

    // Engage Digital embedded UI: a message from a frame of this origin, then one that must be refused.
    const f = await frame();
    const got = [];
    const listener = api.embedded.listen({ allowedOrigins: [location.origin], frame: f });
    api.embedded.on('smcc:task:ring', (data, name) => got.push([name, data.Id]));
    await new Promise((resolve) => {
      const done = (e) => {
        if (e.data === 'sent') {
          window.removeEventListener('message', done);
          resolve();
        }
      };
      window.addEventListener('message', done);
      f.contentWindow.postMessage('ring', location.origin);
    });
    await new Promise((r) => setTimeout(r, 20));
    seen.embedded = got;
    seen.embeddedStats = api.embedded.stats();
    listener.stop();

    // Analytics: an event through CIF's API to the emulator's collector on this origin.
    api.analytics.configure({ endpoint: '/collector', batchSize: 1, flushIntervalMs: 0 });
    seen.cif = await api.analytics.logAnalyticsEvent(
      { conversationId: 'c-1', providerSessionId: 'p-1', events: [{ kpiEventName: 'CspProof' }] },
      'CspProof',
    );
    for (let i = 0; i < 100; i++) {
      const body = await (await fetch('/collector')).json();
      seen.collected = body.received.filter((e) => e.event && e.event.name === 'CspProof').length;
      if (seen.collected) break;
      await new Promise((r) => setTimeout(r, 50));
    }

    // WebChatService over the Guest Chat API and its WebSocket, against the emulator on this origin.
    if (chat) {
      const received = [];
      window._genesys.widgets.bus.subscribe('WebChatService.messageReceived', (e) => {
        for (const m of e.data.messages) if (m.type === 'Message') received.push(m.text);
      });
      await window.CXBus.command('WebChatService.startChat', { nickname: 'Csp' });
      // The scripted agent answers once it has joined: its greeting says so.
      for (let i = 0; i < 200 && !received.some((t) => t.startsWith('Hello Csp')); i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      await window.CXBus.command('WebChatService.sendMessage', { message: 'under csp' });
      for (let i = 0; i < 200 && !received.includes('You said: under csp'); i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      seen.chat = received;
      await window.CXBus.command('WebChatService.endChat');
    }
    return seen;
  };
})();
