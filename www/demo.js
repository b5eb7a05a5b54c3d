// The demo: only the public API of cxbridge (README.md) and the vendors' documented commands and events.
// Text from the network is only ever set with textContent, never inserted as HTML.
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const el = (tag, props, ...children) => {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    for (const c of children) node.append(c);
    return node;
  };

  // Fault paths of the emulator (emulator/README.md).
  const FAULTS = {
    drop: { path: '/__emulator/faults/drop-sockets', body: {} },
    'heartbeats-stop': { path: '/__emulator/faults/heartbeats/stop', body: {} },
    'heartbeats-start': { path: '/__emulator/faults/heartbeats/start', body: {} },
    'fail-send': { path: '/__emulator/faults/requests', body: { path: '/messages', method: 'POST', status: 503, count: 1 } },
  };
  const WEBCHAT_EVENTS = [
    'ready', 'capabilitiesChanged', 'started', 'ajaxResponse', 'ended', 'restored', 'restoreTimeout', 'restoreFailed', 'restoredOffline', 'messageReceived',
    'error', 'agentTypingStarted', 'agentTypingStopped', 'agentTypingTimeout', 'clientTypingStarted',
    'clientTypingStopped', 'pollingStarted', 'pollingStopped', 'clientConnected', 'clientDisconnected',
    'agentConnected', 'agentDisconnected', 'supervisorConnected', 'supervisorDisconnected', 'disconnected',
    'reconnected', 'chatServerWentOffline', 'chatServerBackOnline', 'connectionPending', 'connectionRestored',
  ];
  const EMBEDDED_EVENTS = [
    'smcc:content:reply', 'smcc:content:initiate_discussion', 'smcc:content:intervention_opened',
    'smcc:content:intervention_closed', 'smcc:content_thread:selected', 'smcc:identity:show', 'smcc:task:selected',
    'smcc:task:ring', 'smcc:task:missed', 'smcc:task:updated', 'smcc:user:disconnected',
  ];

  // ---- the timeline: every event of every source, in order, filterable, with expandable payloads ----
  const hidden = new Set();
  let seq = 0;
  function timeline(source, name, payload) {
    const details = el('details', { className: 'event' });
    details.dataset.source = source;
    details.hidden = hidden.has(source);
    const time = new Date().toISOString().slice(11, 23);
    details.append(
      el('summary', {}, el('span', { className: 'seq', textContent: String(++seq) }), ' ',
        el('time', { textContent: time }), ' ',
        el('span', { className: `src src-${source}`, textContent: source }), ' ',
        el('strong', { textContent: name })),
      el('pre', { textContent: safeJson(payload) }),
    );
    const li = el('li', {}, details);
    li.dataset.source = source;
    li.dataset.name = name;
    li.hidden = hidden.has(source);
    $('timeline').prepend(li);
  }
  function safeJson(value) {
    try {
      // WebChatService's session object carries the guest's JWT and stream URL (as Genesys Widgets gives them):
      // credentials, not shown on screen.
      const shown = (k, v) => (v instanceof Node ? `<${v.nodeName}>` : (k === 'jwt' || k === 'WebSocketUrl') && v ? '(hidden)' : v);
      return JSON.stringify(value, shown, 2) ?? String(value);
    } catch (err) {
      return `(${err.message})`;
    }
  }
  $('filters').addEventListener('change', (e) => {
    const src = e.target.value;
    if (e.target.checked) hidden.delete(src);
    else hidden.add(src);
    for (const li of $('timeline').children) li.hidden = hidden.has(li.dataset.source);
  });
  $('clear').addEventListener('click', () => $('timeline').replaceChildren());

  // ---- status ----
  const status = $('status');
  cxbridge.ready.then(
    (api) => {
      status.textContent = `cxbridge ${api.version} is ready.`;
      status.dataset.cxbridgeStatus = 'ready';
    },
    (err) => {
      status.textContent = `cxbridge failed to load: ${err.message}`;
      status.dataset.cxbridgeStatus = 'failed';
    },
  );

  // ---- the bus: a plugin of our own, and every WebChatService event on the timeline ----
  const demo = CXBus.registerPlugin('Demo');
  for (const name of WEBCHAT_EVENTS) {
    demo.subscribe(`WebChatService.${name}`, (e) => timeline('CXBus', e.event, e.data));
  }
  for (const name of EMBEDDED_EVENTS) {
    demo.subscribe(`EngageDigital.${name}`, (e) => timeline('CXBus', e.event, e.data));
  }

  // ---- chat ----
  const transcript = $('transcript');
  function addMessage(m) {
    const who = (m.from && (m.from.name || m.from.type)) || '';
    const li = el('li', { className: `msg msg-${(m.from && m.from.type) || 'System'} type-${m.type}` });
    li.dataset.id = m.id || '';
    if (m.type === 'Message') li.append(el('b', { textContent: `${who}: ` }), el('span', { textContent: m.text || '' }));
    else li.append(el('i', { textContent: m.text || `${who} ${m.type === 'ParticipantJoined' ? 'joined' : 'left'}` }));
    transcript.append(li);
    li.scrollIntoView({ block: 'nearest' });
  }
  demo.subscribe('WebChatService.messageReceived', (e) => {
    for (const m of (e.data && e.data.messages) || []) addMessage(m);
  });
  demo.subscribe('WebChatService.agentTypingStarted', () => ($('typing').hidden = false));
  demo.subscribe('WebChatService.agentTypingStopped', () => ($('typing').hidden = true));
  demo.subscribe('WebChatService.agentTypingTimeout', () => ($('typing').hidden = true));
  demo.subscribe('WebChatService.messageReceived', () => ($('typing').hidden = true));
  function chatting(on) {
    $('start-form').hidden = on;
    $('send-form').hidden = !on;
    if (on) $('message').focus();
  }
  demo.subscribe('WebChatService.started', () => chatting(true));
  demo.subscribe('WebChatService.restored', () => chatting(true));
  demo.subscribe('WebChatService.ended', () => chatting(false));

  $('transport').value = window.cxbridgeDemoTransport || 'guest-chat';

  let pendingJourney = null;
  $('start-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    const options = { nickname: f.get('nickname'), email: f.get('email'), subject: f.get('subject'), userData: {} };
    // A chat that answers an invitation carries the web action in interactionData.journey (docs/ac.md), so the
    // action moves on to started, engaged and completed as the chat does.
    // The transport the form picked (demo-config.js); Web Messaging needs the messaging build, else the
    // timeline shows `configure` refusing the type.
    const base = window.cxbridgeDemoTransports[f.get('transport')] || window.cxbridgeDemoTransports['guest-chat'];
    try {
      window.sessionStorage.setItem('cxbridge-demo.transport', f.get('transport'));
    } catch (_) {
      /* no storage: a reload comes back on Guest Chat */
    }
    const interactionData = { ...base.interactionData };
    if (pendingJourney) interactionData.journey = pendingJourney;
    pendingJourney = null;
    transcript.replaceChildren();
    const failed = (what) => (err) => timeline('CXBus', `${what} failed`, String((err && (err.message || err.statusText)) || err));
    demo.command('WebChatService.configure', { transport: { ...base, interactionData } })
      .done(() => demo.command('WebChatService.startChat', options).fail(failed('startChat')))
      .fail(failed('configure'));
  });
  $('send-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('message');
    const text = input.value;
    if (!text.trim()) return;
    input.value = '';
    demo.command('WebChatService.sendMessage', { message: text }).fail((err) => timeline('CXBus', 'sendMessage failed', String(err && err.message || err)));
  });
  cxbridge.ready.then(() => demo.command('WebChatService.registerTypingPreviewInput', { input: $('message') }));
  $('end').addEventListener('click', () => demo.command('WebChatService.endChat'));

  for (const button of document.querySelectorAll('[data-fault]')) {
    button.addEventListener('click', async () => {
      const fault = FAULTS[button.dataset.fault];
      const res = await fetch(fault.path, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault.body),
      });
      timeline('CXBus', `fault: ${button.textContent}`, { status: res.status });
    });
  }

  // ---- the web action: an invitation through ac ----
  ac('on', 'webchat:all', (evt) => timeline('ac', `webchat:${evt.actionState}`, evt));
  ac('on', 'content-offer:all', (evt) => timeline('ac', `content-offer:${evt.actionState}`, evt));
  let actionId = null;
  ac('on', 'webchat:offered', (evt) => {
    actionId = evt.actionId;
    $('invitation').hidden = false;
    $('accept').focus();
  });
  for (const st of ['accepted', 'rejected', 'ignored', 'timedout']) {
    ac('on', `webchat:${st}`, () => ($('invitation').hidden = true));
  }
  ac('on', 'webchat:accepted', (evt) => {
    pendingJourney = {
      customerId: evt.customerId, customerIdType: evt.customerIdType, sessionId: evt.sessionId,
      actionId: evt.actionId, actionMapId: evt.actionMapId, actionMapVersion: evt.actionMapVersion,
    };
    $('start').focus();
  });
  $('offer').addEventListener('click', () => {
    ac('offer', { mediaType: 'webchat', actionMapId: crypto.randomUUID(), actionMapVersion: 1, timeoutMs: 30000 });
  });
  $('accept').addEventListener('click', () => ac('accept', actionId));
  $('reject').addEventListener('click', () => ac('reject', actionId));
  $('ignore').addEventListener('click', () => ac('ignore', actionId));

  // ---- the embedded UI, from the other origin (127.0.0.1 ↔ localhost) ----
  const here = new URL(window.location.href);
  const other = new URL(here);
  other.hostname = here.hostname === 'localhost' ? '127.0.0.1' : 'localhost';
  const frame = $('engage');
  frame.src = `${other.origin}/embedded-sim.html?parent=${encodeURIComponent(here.origin)}`;
  cxbridge.embedded.listen({ allowedOrigins: [other.origin], frame });
  cxbridge.embedded.on('*', (data, name) => {
    timeline('EngageDigitalEmbeddedUI', name, data);
    showStats();
  });
  function showStats() {
    cxbridge.ready.then(() => {
      const s = cxbridge.embedded.stats();
      $('embedded-stats').textContent = s ? `${s.accepted} accepted, ${s.rejected} rejected` : '';
    });
  }

  // ---- analytics: to window.dataLayer and the emulator's collector ----
  window.dataLayer = window.dataLayer || [];
  const push = window.dataLayer.push.bind(window.dataLayer);
  window.dataLayer.push = function (...items) {
    for (const item of items) if (item && item.event) timeline('analytics', item.event, item);
    return push(...items);
  };
  cxbridge.analytics.configure({ endpoint: '/collector', dataLayer: true, batchSize: 10, flushIntervalMs: 1000 });
  async function refreshCollector() {
    try {
      const res = await fetch('/collector');
      const body = await res.json();
      $('collector-summary').textContent =
        `${body.count} received, ${body.unique} unique, ${body.duplicates} duplicates (de-duplicated by id)`;
      const seen = new Set();
      $('collector').replaceChildren(...(body.received || []).slice(-50).reverse().map((env) => {
        const dup = seen.has(env.id);
        seen.add(env.id);
        const li = el('li', { textContent: `${env.source} ${env.event && env.event.name}` });
        if (dup) li.append(el('em', { textContent: ' (duplicate)' }));
        return li;
      }));
    } catch (err) {
      $('collector-summary').textContent = `The collector did not answer: ${err.message}`;
    }
  }
  $('refresh-collector').addEventListener('click', refreshCollector);
  setInterval(refreshCollector, 3000);
})();
