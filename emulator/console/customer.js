// A minimal customer over the raw Guest Chat API v2 (no SDK): lets a person try the emulator and the agent
// console by hand, independently of cxbridge's own WebChatService. Chat text never goes into innerHTML.
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const API = '/api/v2/webchat/guest/conversations';
  let chat = null;
  let typingTimer = 0;
  const names = new Map();

  async function call(method, path, body) {
    const headers = { 'content-type': 'application/json' };
    if (chat) headers.authorization = `Bearer ${chat.jwt}`;
    const res = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
    const text = await res.text();
    const data = text ? JSON.parse(text) : null;
    if (!res.ok) throw new Error((data && data.message) || res.statusText);
    return data;
  }

  async function nameOf(id) {
    if (!names.has(id)) {
      const m = await call('GET', `${API}/${chat.id}/members/${id}`);
      names.set(id, m);
    }
    return names.get(id);
  }

  function line(cls, who, text) {
    const li = document.createElement('li');
    li.className = cls;
    if (who) {
      const w = document.createElement('span');
      w.className = 'who';
      w.textContent = `${who}:`;
      li.append(w);
    }
    li.append(document.createTextNode(text));
    $('messages').append(li);
  }

  async function onFrame(f) {
    const type = f.metadata && f.metadata.type;
    if (type === 'message') {
      const m = f.eventBody;
      const who = await nameOf(m.sender.id);
      if (m.bodyType === 'member-join' || m.bodyType === 'member-leave') {
        line('event', '', `${who.displayName} ${m.bodyType === 'member-join' ? 'joined' : 'left'}`);
      } else {
        line(who.role === 'AGENT' ? 'agent' : 'customer', who.displayName, m.body);
        if (who.role === 'AGENT') $('typing').hidden = true;
      }
    } else if (type === 'typing-indicator' && f.eventBody.sender.id !== chat.member.id) {
      $('typing').hidden = false;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => ($('typing').hidden = true), 3000);
    } else if (type === 'member-change' && f.eventBody.member.id === chat.member.id && f.eventBody.member.state === 'DISCONNECTED') {
      line('event', '', 'The chat has ended.');
      $('send').hidden = true;
    }
  }

  $('start').addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      chat = null;
      chat = await call('POST', API, {
        organizationId: 'demo-org',
        deploymentId: 'demo-deployment',
        routingTarget: { targetType: 'QUEUE', targetAddress: 'Support' },
        memberInfo: { displayName: $('name').value || 'Guest' },
      });
      const ws = new WebSocket(chat.eventStreamUri);
      ws.onmessage = (ev) => onFrame(JSON.parse(ev.data)).catch((err) => ($('error').textContent = err.message));
      $('start').hidden = true;
      $('chat').hidden = false;
    } catch (err) {
      $('error').textContent = err.message;
    }
  });
  let lastTyping = 0;
  $('text').addEventListener('input', () => {
    if (Date.now() - lastTyping < 2000) return;
    lastTyping = Date.now();
    call('POST', `${API}/${chat.id}/members/${chat.member.id}/typing`).catch(() => {});
  });
  $('send').addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = $('text').value;
    if (!body.trim()) return;
    $('text').value = '';
    try {
      await call('POST', `${API}/${chat.id}/members/${chat.member.id}/messages`, { body, bodyType: 'standard' });
    } catch (err) {
      $('error').textContent = err.message;
    }
  });
  $('end').addEventListener('click', () =>
    call('DELETE', `${API}/${chat.id}/members/${chat.member.id}`).catch((err) => ($('error').textContent = err.message)));
})();
