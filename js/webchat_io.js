// The WebChatService shell's I/O primitives. Each takes one long-lived Rust callback (owned by the shell for the
// life of the module) and an id, so no per-request closure is ever created, leaked or invoked after being dropped.
// Callbacks are always invoked asynchronously: the shell never re-enters itself from these calls.

/** fetch → cb(id, status, statusText, text, error); `error` is a string only when no answer came. */
export function wcFetch(id, method, url, bearer, body, cb) {
  const headers = {};
  if (bearer) headers.Authorization = 'Bearer ' + bearer;
  if (body != null) headers['Content-Type'] = 'application/json';
  let p;
  try {
    p = fetch(url, { method, headers, body: body == null ? undefined : body, cache: 'no-store' });
  } catch (e) {
    p = Promise.reject(e);
  }
  p.then((res) => res.text().then((t) => [res.status, res.statusText, t]))
    .then(
      (a) => cb(id, a[0], a[1], a[2], undefined),
      (e) => cb(id, 0, '', '', String((e && e.message) || e || 'network error')),
    );
}

/** Opens a WebSocket; cb(gen, 'open' | 'message' | 'close', data). Returns the socket (or null). */
export function wcSocket(url, gen, cb) {
  let ws;
  try {
    ws = new WebSocket(url);
  } catch (e) {
    queueMicrotask(() => cb(gen, 'close', String((e && e.message) || e)));
    return null;
  }
  ws.onopen = () => cb(gen, 'open', undefined);
  ws.onmessage = (e) => cb(gen, 'message', typeof e.data === 'string' ? e.data : '');
  ws.onclose = () => cb(gen, 'close', undefined);
  ws.onerror = () => {}; // a close event always follows
  return ws;
}

/** Detaches and closes a socket: nothing it does later reaches the shell. */
export function wcClose(ws) {
  if (!ws) return;
  ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
  try {
    ws.close();
  } catch (_) {
    /* already closed */
  }
}

export function wcTimer(cb, ms, key) {
  return setTimeout(cb, ms, key);
}

export function wcClearTimer(handle) {
  clearTimeout(handle);
}

/** addEventListener; returns the function that removes it. */
export function wcListen(target, type, cb) {
  target.addEventListener(type, cb);
  return () => target.removeEventListener(type, cb);
}

/** sessionStorage get/set/remove that never throws (storage can be disabled or full). */
export function wcStorage(op, key, value) {
  try {
    const s = window.sessionStorage;
    if (op === 'get') return s.getItem(key);
    if (op === 'set') s.setItem(key, value);
    else s.removeItem(key);
  } catch (_) {
    /* no storage: the session just won't survive a reload */
  }
  return null;
}
