// The agent console: a person answers Guest Chat conversations by hand. It polls the emulator's
// /__emulator/agent endpoints (no Genesys client uses them) and never puts chat text into innerHTML.
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  let selected = null;
  let chats = [];
  let lastTyping = 0;

  async function call(method, path, body) {
    const init = { method, headers: {} };
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const res = await fetch(path, init);
    const text = await res.text();
    const data = text ? JSON.parse(text) : null;
    if (!res.ok) throw new Error((data && data.message) || `${res.status} ${res.statusText}`);
    return data;
  }

  function showError(err) {
    $('error').textContent = err ? String(err.message || err) : '';
  }

  function label(chat) {
    const who = (chat.customer && chat.customer.displayName) || 'guest';
    // Web Messaging guests have no name of their own: the channel tells them apart from Guest Chat customers.
    return chat.channel === 'webmessaging' ? `${who} · ${chat.status} · web messaging` : `${who} · ${chat.status}`;
  }

  function renderList() {
    const ul = $('chats');
    ul.replaceChildren();
    $('empty').hidden = chats.length > 0;
    for (const chat of chats.slice().reverse()) {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = label(chat);
      b.dataset.id = chat.id;
      b.setAttribute('aria-current', String(chat.id === selected));
      b.addEventListener('click', () => {
        selected = chat.id;
        renderList();
        renderChat();
      });
      li.append(b);
      ul.append(li);
    }
  }

  function renderChat() {
    const chat = chats.find((c) => c.id === selected);
    $('chat').hidden = !chat;
    if (!chat) return;
    const names = new Map(chat.members.map((m) => [m.id, m]));
    $('title').textContent = (chat.customer && chat.customer.displayName) || 'guest';
    $('status').textContent = chat.status;
    $('status').className = `status ${chat.status}`;
    $('join').hidden = chat.status === 'human' || chat.status === 'ended';
    $('join').textContent = chat.status === 'scripted' ? 'Take over from the scripted agent' : 'Take this chat';
    $('leave').hidden = chat.status !== 'human';
    $('send').hidden = chat.status !== 'human';
    const ol = $('messages');
    const atBottom = ol.scrollTop + ol.clientHeight >= ol.scrollHeight - 4;
    ol.replaceChildren();
    for (const m of chat.messages) {
      const sender = names.get(m.sender.id) || { displayName: '?', role: '' };
      const li = document.createElement('li');
      if (m.bodyType === 'member-join' || m.bodyType === 'member-leave') {
        li.className = 'event';
        li.textContent = `${sender.displayName} (${sender.role}) ${m.bodyType === 'member-join' ? 'joined' : 'left'}`;
      } else {
        li.className = sender.role === 'AGENT' ? 'agent' : 'customer';
        const who = document.createElement('span');
        who.className = 'who';
        who.textContent = `${sender.displayName}:`;
        li.append(who, document.createTextNode(m.body));
      }
      ol.append(li);
    }
    if (atBottom) ol.scrollTop = ol.scrollHeight;
    const typingAt = chat.customerTypingAt ? Date.parse(chat.customerTypingAt) : 0;
    $('typing').hidden = !(typingAt && Date.now() - typingAt < 4000 && chat.status !== 'ended');
  }

  async function refresh() {
    try {
      const data = await call('GET', '/__emulator/agent/chats');
      chats = data.chats;
      $('manual').checked = data.manual;
      if (!selected && chats.length) selected = chats[chats.length - 1].id;
      renderList();
      renderChat();
    } catch (err) {
      showError(err);
    }
  }

  async function act(fn) {
    try {
      showError(null);
      await fn();
    } catch (err) {
      showError(err);
    }
    await refresh();
  }

  $('manual').addEventListener('change', (e) =>
    act(() => call('POST', '/__emulator/agent/mode', { manual: e.target.checked })));
  $('join').addEventListener('click', () => act(() => call('POST', `/__emulator/agent/chats/${selected}/join`)));
  $('leave').addEventListener('click', () => act(() => call('POST', `/__emulator/agent/chats/${selected}/leave`)));
  $('text').addEventListener('input', () => {
    if (Date.now() - lastTyping < 1500) return;
    lastTyping = Date.now();
    call('POST', `/__emulator/agent/chats/${selected}/typing`).catch(showError);
  });
  $('send').addEventListener('submit', (e) => {
    e.preventDefault();
    const body = $('text').value;
    if (!body.trim()) return;
    act(async () => {
      await call('POST', `/__emulator/agent/chats/${selected}/messages`, { body });
      $('text').value = '';
      lastTyping = 0;
    });
  });

  refresh();
  setInterval(refresh, 700);
})();
