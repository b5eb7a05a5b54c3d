// The hostile-values family, used by tests/e2e/hostile-values.spec.mjs on tests/pages/hostile.html (after
// import-guard.js and the bundle). Calls every public entry point thousands of times with values whose getters,
// Proxy traps, toString/valueOf/Symbol.toPrimitive or callbacks throw, with huge, deep and cyclic values, BigInt,
// Symbol and DOM nodes, and reports per entry point how the calls ended.
//
// window.hostileFamily({perEntry, only}) → {entries: [{label, calls, threw, rejected, resolved, returned, pending,
//   notErrors: [...], traps: [...]}], console: {counts, traps}}

(function () {
  'use strict';

  const { TRAP, describe, isThenable } = window.hostileKit;
  const boom = (what) => () => {
    throw new Error('hostile ' + what);
  };

  /** [label, value] pairs; each entry point cycles through all of them. */
  function hostileValues() {
    const keys = [
      'name', 'data', 'transport', 'type', 'dataURL', 'endpoint', 'allowedOrigins', 'allowAnyOrigin', 'frame', 'debug',
      'then', 'length', 'conversationId', 'providerSessionId', 'events', 'nickname', 'message', 'input', 'filters',
      'userData', 'dataLayer', 'batchSize', 'flushIntervalMs', 'sources', 'consent', 'region', 'toJSON', 'valueOf',
      'toString', 'constructor', 'deferred', 'command', 'form', 'firstname', 'lastname', 'email', 'subject',
      'pluginsPath', 'url', 'selector', 'module', 'customData', 'kpiEventName', 'format', 'maxEventBytes', 'fileId',
      'messageId', 'interactionData', 'routing', 'journey', 'orgGuid', 'deploymentKey', 'polling',
    ];
    const getters = {};
    for (const k of keys) Object.defineProperty(getters, k, { enumerable: true, get: boom('getter ' + k) });
    getters[Symbol.toPrimitive] = boom('toPrimitive');
    getters[Symbol.iterator] = boom('iterator');

    const cyclic = { name: 'smcc:task:ring', message: 'hi' };
    cyclic.self = cyclic;
    cyclic.data = cyclic;
    cyclic.transport = cyclic;
    cyclic.userData = cyclic;
    cyclic.form = cyclic;
    cyclic.events = [cyclic];
    const cyclicArray = [];
    cyclicArray.push(cyclicArray, cyclicArray);

    let deep = {};
    const deepRoot = deep;
    for (let i = 0; i < 100000; i++) deep = deep.data = { userData: {}, events: [] };
    let deepArray = [];
    const deepArrayRoot = deepArray;
    for (let i = 0; i < 100000; i++) deepArray = deepArray[0] = [];

    const trapAll = new Proxy({}, {
      get: boom('proxy get'),
      has: boom('proxy has'),
      ownKeys: boom('proxy ownKeys'),
      getOwnPropertyDescriptor: boom('proxy descriptor'),
      getPrototypeOf: boom('proxy prototype'),
      apply: boom('proxy apply'),
    });
    const arrayProxy = new Proxy([1, 2, 3], { get: boom('array proxy get'), getPrototypeOf: boom('array proxy prototype') });
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const revokedArray = Proxy.revocable([], {});
    revokedArray.revoke();
    const throwingIndex = ['ok', 'ok'];
    Object.defineProperty(throwingIndex, 1, { get: boom('array index getter'), enumerable: true });
    const lyingLength = new Proxy([], { get: (t, k) => (k === 'length' ? 2 ** 32 - 1 : Reflect.get(t, k)) });
    const fnWithGetters = function () {};
    Object.defineProperty(fnWithGetters, 'length', { get: boom('function length') });
    Object.defineProperty(fnWithGetters, 'name', { get: boom('function name') });
    const detached = document.createElement('div');
    const frameEl = document.createElement('iframe');

    return [
      ['undefined', undefined],
      ['null', null],
      ['zero', 0],
      ['NaN', NaN],
      ['-Infinity', -Infinity],
      ['2^53', 2 ** 53],
      ['bigint', 10n],
      ['true', true],
      ['empty string', ''],
      ['string', 'hostile.string'],
      ['huge string', 'x'.repeat(1 << 20)],
      ['lone surrogate', 'a\uD800b'],
      ['symbol', Symbol('hostile')],
      ['empty object', {}],
      ['null-prototype object', Object.create(null)],
      ['array', [1, 'two', null]],
      ['huge sparse array', new Array(2 ** 32 - 1)],
      ['array-like of 2^32-1', { length: 2 ** 32 - 1 }],
      ['lying-length array proxy', lyingLength],
      ['typed array', new Uint8Array(1 << 16)],
      ['date', new Date(0)],
      ['map', new Map([['name', 'x']])],
      ['promise', Promise.resolve(1)],
      ['error', new Error('an error value')],
      ['regexp', /hostile/],
      ['function', function () { return 1; }],
      ['throwing function', boom('callback')],
      ['function with throwing getters', fnWithGetters],
      ['getters that throw', getters],
      ['throwing toString', { toString: boom('toString'), name: { toString: boom('name toString') } }],
      ['throwing valueOf', { valueOf: boom('valueOf'), batchSize: { valueOf: boom('batchSize valueOf') } }],
      ['throwing toPrimitive', { [Symbol.toPrimitive]: boom('toPrimitive only') }],
      ['throwing toJSON', { toJSON: boom('toJSON'), message: 'x' }],
      ['cyclic', cyclic],
      ['cyclic array', cyclicArray],
      ['deep object', deepRoot],
      ['deep array', deepArrayRoot],
      ['proxy that throws', trapAll],
      ['array proxy that throws', arrayProxy],
      ['array with a throwing index', throwingIndex],
      ['revoked proxy', revoked.proxy],
      ['revoked array proxy', revokedArray.proxy],
      ['callable proxy', new Proxy(function () {}, { apply: boom('callable proxy') })],
      ['document.body', document.body],
      ['detached element', detached],
      ['iframe element', frameEl],
      ['window', window],
    ];
  }

  const WEBCHAT_COMMANDS = [
    'configure', 'startChat', 'endChat', 'sendMessage', 'sendCustomNotice', 'sendTyping', 'sendFilteredMessage',
    'addPrefilter', 'updateUserData', 'poll', 'startPoll', 'stopPoll', 'resetPollExceptions', 'restore',
    'getTranscript', 'getAgents', 'getStats', 'sendFile', 'downloadFile', 'getSessionData', 'fetchHistory',
    'registerTypingPreviewInput', 'registerPreProcessor', 'verifySession',
  ];
  const PLUGIN_METHODS = [
    'publish', 'republish', 'subscribe', 'unsubscribe', 'command', 'registerCommand', 'registerEvents', 'before',
    'data', 'ready', 'namespace', 'registerPlugin',
  ];

  /** Every entry point: [label, (value, i) => result]. Multi-argument calls put the value in each place in turn. */
  function entries(api, values) {
    const list = [];
    const add = (label, fn) => list.push([label, fn]);
    const pick = (i) => values[(i * 7 + 3) % values.length][1];

    for (const m of ['on', 'once', 'off']) {
      add(`ac('${m}', value, cb)`, (v) => api.ac(m, v, () => {}));
      add(`ac('${m}', 'webchat:all', value)`, (v) => api.ac(m, 'webchat:all', v));
    }
    for (const m of ['init', 'pageview', 'record', 'identify', 'load', 'forms:track', 'no-such-method']) {
      add(`ac('${m}', value, value)`, (v, i) => api.ac(m, v, pick(i), i & 1 ? () => {} : pick(i + 1)));
    }
    add('ac(value)', (v, i) => api.ac(v, pick(i)));
    // The tracking modules: the value as the configuration, as its list, as an entry's fields, as the callback.
    for (const [m, list, field] of [
      ['autotrackClick', 'clickEvents', 'selector'],
      ['autotrackIdle', 'idleEvents', 'idleAfter'],
      ['autotrackInViewport', 'inViewportEvents', 'selector'],
      ['autotrackScrollDepth', 'scrollDepthEvents', 'percentage'],
      ['autotrackUrlChange', 'urlEvents', 'url'],
    ]) {
      add(`ac('load', '${m}', value, cb)`, (v, i) => {
        const configs = [v, { [list]: v }, { [list]: [{ [field]: v, eventName: 'e' }] },
          { [list]: [{ [field]: pick(i), eventName: v, customAttributes: v }] }];
        return api.ac('load', m, configs[i % 4], i & 4 ? () => {} : v);
      });
    }
    add("ac('forms:track', 'form', value)", (v, i) => {
      const options = [v, { formName: v, customAttributes: v, captureFormDataOnSubmit: v }, { traitsMapper: v },
        { traitsMapper: [{ fieldName: v, traitName: 't' }, v] }][i % 4];
      return api.ac('forms:track', i & 4 ? v : 'form', options, i & 8 ? () => {} : v);
    });

    const pluginMethods = (label, p) => {
      for (const m of PLUGIN_METHODS) {
        if (typeof p[m] !== 'function') continue;
        add(`${label}.${m}(value, value)`, (v, i) => {
          const other = pick(i);
          switch (i % 3) {
            case 0: return p[m](v, other);
            case 1: return p[m](m === 'command' ? 'Nope.cmd' : m === 'subscribe' ? 'X.y' : 'ok', v);
            default: return p[m](v);
          }
        });
      }
    };
    pluginMethods('CXBus', api.CXBus);
    for (const m of ['configure', 'loadPlugin', 'loadFile']) {
      if (typeof api.CXBus[m] === 'function') add(`CXBus.${m}(value)`, (v) => api.CXBus[m](v));
    }
    pluginMethods('_genesys.widgets.bus', api.bus);
    const plugin = api.CXBus.registerPlugin('HostileFamily');
    pluginMethods('plugin', plugin);

    for (const c of WEBCHAT_COMMANDS) {
      add(`WebChatService.${c}(value)`, (v) => api.CXBus.command(`WebChatService.${c}`, v));
    }

    add('embedded.listen(value)', (v, i) => {
      const opts = i % 3 === 0 ? v : i % 3 === 1 ? { allowedOrigins: v } : { allowedOrigins: [location.origin], frame: v };
      const h = api.embedded.listen(opts);
      if (h && typeof h.stop === 'function') h.stop();
      return h;
    });
    add('embedded.on(value, value)', (v, i) => (i & 1 ? api.embedded.on('*', v) : api.embedded.on(v, pick(i))));
    add('embedded.off(value, value)', (v, i) => (i & 1 ? api.embedded.off('*', v) : api.embedded.off(v, pick(i))));
    add('embedded.stats(value)', (v) => api.embedded.stats(v));
    const listener = api.embedded.listen({ allowedOrigins: [location.origin] });
    add('listener.stop(value)', (v) => listener.stop(v));

    add('analytics.configure(value)', (v, i) => api.analytics.configure(i & 1 ? v : { dataLayer: true, batchSize: v }));
    add('analytics.logAnalyticsEvent(value, value, value)', (v, i) => {
      switch (i % 3) {
        case 0: return api.analytics.logAnalyticsEvent(v, pick(i), pick(i + 1));
        case 1: return api.analytics.logAnalyticsEvent({ conversationId: 'c', providerSessionId: 'p', events: v }, 'E', 'x');
        default: return api.analytics.logAnalyticsEvent({ conversationId: 'c', providerSessionId: 'p', events: [{ kpiEventName: 'k', customData: v }] }, v, v);
      }
    });
    add('analytics.installCifShim(value)', (v) => api.analytics.installCifShim(v));
    add('analytics.stats(value)', (v) => api.analytics.stats(v));
    const cif = window.Microsoft && window.Microsoft.CIFramework;
    add('Microsoft.CIFramework.logAnalyticsEvent(value, value, value)', (v, i) =>
      cif.logAnalyticsEvent(i & 1 ? v : { conversationId: 'c', providerSessionId: 'p', events: v }, v, pick(i)));

    // The vendor deferred a command returns.
    const deferred = api.CXBus.command('Nope.pending');
    for (const m of ['done', 'fail', 'always', 'then', 'catch', 'state']) {
      add(`deferred.${m}(value)`, (v, i) => deferred[m](v, pick(i)));
    }

    // Page callbacks the SDK calls: command handlers, before-hooks and subscribers that answer with (or throw)
    // hostile values.
    const answers = api.CXBus.registerPlugin('HostileFamilyAnswers');
    values.forEach(([, v], k) => {
      answers.registerCommand('resolve' + k, (e) => e.deferred.resolve(v));
      answers.registerCommand('reject' + k, (e) => e.deferred.reject(v));
      answers.registerCommand('throw' + k, () => {
        throw v;
      });
      answers.registerCommand('hooked' + k, (e) => e.deferred.resolve(e.data));
      answers.before('HostileFamilyAnswers.hooked' + k, () => v);
      answers.subscribe('HostileFamilyAnswers.ev' + k, () => {
        throw v;
      });
    });
    answers.ready();
    const index = (i) => i % values.length;
    add('a handler resolving value', (v, i) => api.CXBus.command('HostileFamilyAnswers.resolve' + index(i)));
    add('a handler rejecting value', (v, i) => api.CXBus.command('HostileFamilyAnswers.reject' + index(i)));
    add('a handler throwing value', (v, i) => api.CXBus.command('HostileFamilyAnswers.throw' + index(i)));
    add('a before-hook answering value', (v, i) => api.CXBus.command('HostileFamilyAnswers.hooked' + index(i), {}));
    add('a subscriber throwing value', (v, i) => answers.publish('ev' + index(i), v));
    return list;
  }

  /** Entry points whose answers are the page's own values: their rejections are whatever the page gave. */
  const OWN_VALUES = /^a handler (rejecting|throwing)|^a before-hook/;

  /**
   * Console output during the calls is counted (and searched for traps) instead of printed: it would be MBs. With
   * `throwing`, every console method then throws, as a page's broken logger might: cxbridge must not let that
   * unwind into the wasm either.
   */
  function muteConsole(throwing) {
    const saved = {};
    const counts = {};
    const traps = [];
    for (const m of ['log', 'info', 'warn', 'error', 'debug']) {
      saved[m] = console[m];
      counts[m] = 0;
      console[m] = function () {
        counts[m]++;
        let text = '';
        try {
          text = Array.from(arguments, (a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : '')).join(' ');
        } catch (_) {}
        if (TRAP.test(text) && traps.length < 50) traps.push(`${window.currentCall}: console.${m}: ${text.slice(0, 300)}`);
        if (throwing) throw new Error(`hostile console.${m}`);
      };
    }
    return { counts, traps, restore: () => Object.assign(console, saved) };
  }

  const tick = () => new Promise((r) => setTimeout(r, 0));

  window.hostileFamily = async function ({ perEntry = 10000, only = null, settleMs = 20000, throwingConsole = false } = {}) {
    const api = await window.cxbridge.ready;
    const all = { ac: window.ac, CXBus: window.CXBus, bus: window._genesys.widgets.bus, ...api };
    if (!(window.Microsoft && window.Microsoft.CIFramework)) api.analytics.installCifShim();
    const values = hostileValues();
    const mute = muteConsole(throwingConsole);
    const report = [];
    const waits = [];
    try {
      for (const [label, fn] of entries(all, values)) {
        if (only && !only.some((o) => label.includes(o))) continue;
        const r = { label, calls: 0, threw: 0, rejected: 0, resolved: 0, returned: 0, pending: 0, notErrors: [], traps: [] };
        report.push(r);
        const note = (e, how) => {
          const d = describe(e);
          if (TRAP.test(d.message) && r.traps.length < 5) r.traps.push(`${how}: ${d.message.slice(0, 200)}`);
          // An Error with a message, or the vendor's rejection text (WebChatService rejects with strings).
          // A failed request rejects with the vendor's AJAX response object ({status, statusText, …}).
          let ajax = false;
          try {
            ajax = e !== null && typeof e === 'object' && typeof e.status === 'number';
          } catch (_) {}
          const readable = ajax || (d.message !== '' && (d.error || typeof e === 'string'));
          if (!readable && !OWN_VALUES.test(label) && r.notErrors.length < 5) r.notErrors.push(`${how}: ${d.message.slice(0, 100) || '(empty)'}`);
        };
        for (let i = 0; i < perEntry; i++) {
          const [name, v] = values[i % values.length];
          window.currentCall = `${label} with ${name}`;
          r.calls++;
          let out;
          try {
            out = fn(v, i);
          } catch (e) {
            r.threw++;
            note(e, `threw with ${name}`);
            continue;
          }
          if (isThenable(out)) {
            r.pending++;
            waits.push(
              Promise.resolve()
                .then(() => out.then(
                  () => {
                    r.pending--;
                    r.resolved++;
                  },
                  (e) => {
                    r.pending--;
                    r.rejected++;
                    note(e, `rejected with ${name}`);
                  },
                ))
                .catch((e) => note(e, `then() threw with ${name}`)),
            );
          } else {
            r.returned++;
          }
          // Let deliveries, microtasks and timers run now and then, as they would on a page.
          if ((i & 1023) === 1023) await tick();
        }
        await tick();
      }
      window.currentCall = '(settling)';
      await Promise.race([Promise.all(waits), new Promise((res) => setTimeout(res, settleMs))]);
      await new Promise((res) => setTimeout(res, 100));
    } finally {
      mute.restore();
      window.currentCall = '(after the family)';
    }
    return { entries: report, console: { counts: mute.counts, traps: mute.traps } };
  };

  /** Still alive after the family: a bus round trip, ac on/off, analytics, a WebChatService command. */
  window.stillWorks = async function () {
    const api = await window.cxbridge.ready;
    const out = {};
    let fired = 0;
    const cb = () => fired++;
    window.ac('on', 'webchat:all', cb);
    window.ac('off', 'webchat:all', cb);
    out.acOnOff = fired === 0;
    const p = window.CXBus.registerPlugin('StillWorks' + Math.random().toString(36).slice(2));
    p.registerCommand('ping', (e) => e.deferred.resolve('pong:' + e.data));
    const seen = [];
    window._genesys.widgets.bus.subscribe(p.namespace() + '.pinged', (e) => seen.push(e.data));
    p.ready();
    out.command = await window.CXBus.command(p.namespace() + '.ping', 'x');
    p.publish('pinged', 7);
    await new Promise((r) => setTimeout(r, 20));
    out.published = seen;
    api.analytics.configure({ dataLayer: true });
    out.cif = typeof (await api.analytics.logAnalyticsEvent({ conversationId: 'c', providerSessionId: 'p' }, 'StillWorks'));
    out.agents = await window.CXBus.command('WebChatService.getAgents').then(
      () => 'resolved',
      (e) => 'rejected: ' + (e && e.message ? e.message : e),
    );
    return out;
  };

  /**
   * A chat against the emulator that serves this page: configure WebChatService for it, start a chat, wait for the
   * scripted agent's greeting, send a message and wait for the echo. Resolves to the texts received.
   */
  window.chatWorks = async function (nickname) {
    const bus = window._genesys.widgets.bus;
    await window.CXBus.command('WebChatService.configure', {
      transport: {
        type: 'purecloud-v2-sockets',
        dataURL: location.origin,
        deploymentKey: 'KEY',
        orgGuid: 'ORG',
        interactionData: { routing: { targetType: 'QUEUE', targetAddress: 'Support' } },
      },
    });
    const received = [];
    const onMessages = (e) => {
      for (const m of e.data.messages) if (m.type === 'Message' && typeof m.text === 'string') received.push(m.text);
    };
    bus.subscribe('WebChatService.messageReceived', onMessages);
    const wait = async (ok) => {
      for (let i = 0; i < 300 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
    };
    await window.CXBus.command('WebChatService.startChat', { nickname, form: { nickname } });
    await wait(() => received.some((t) => t.startsWith('Hello ' + nickname)));
    await window.CXBus.command('WebChatService.sendMessage', { message: 'after the hostile family' });
    await wait(() => received.includes('You said: after the hostile family'));
    bus.unsubscribe('WebChatService.messageReceived', onMessages);
    return received;
  };
})();
