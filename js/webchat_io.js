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

/** Sends on the open socket; a socket not open (or gone) drops the frame, as the core expects of a lost stream. */
export function wcSend(ws, text) {
  try {
    if (ws) ws.send(text);
  } catch (_) {
    /* not open: the core resends after reconnecting */
  }
}

// The page-side parts of payloads: compiled prefilters (from the core's list, which is what survives a reload) and
// registered preprocessors.
let regexps = [];
const preprocessors = [];

/** The core's prefilter list changed: compile it again (JSON `[{source, flags}]`). */
export function wcFilters(json) {
  regexps = [];
  for (const f of JSON.parse(json)) {
    try {
      regexps.push(new RegExp(f.source, f.flags));
    } catch (e) {
      console.error('WebChatService: a stored prefilter is not a valid RegExp', e);
    }
  }
}

export function wcRegexps() {
  return regexps.slice();
}

export function wcPre(f) {
  preprocessors.push(f);
}

// jQuery's ajax answers carry `responseJSON` when `responseText` parses.
const revive = (_k, v) => {
  if (v && typeof v.responseText === 'string') {
    try {
      v.responseJSON = JSON.parse(v.responseText);
    } catch (_) {
      /* not JSON: responseText only */
    }
  }
  return v;
};

/**
 * Makes the vendor-shaped payload the shell wrote as JSON: prefiltered messages hidden, then each preprocessor
 * applied in order. Null for a `messageReceived` whose every message was hidden (nothing to publish).
 */
export function wcMake(json) {
  const o = JSON.parse(json, revive);
  const list = o && o.messages;
  if (Array.isArray(list)) {
    const shown = [];
    for (const m of list) {
      if (regexps.some((r) => ((r.lastIndex = 0), r.test(m.text)))) continue;
      let v = m;
      for (const f of preprocessors) {
        try {
          const r = f(v);
          if (r !== null && typeof r === 'object') v = r;
        } catch (e) {
          console.error('WebChatService: a preprocessor threw', e);
        }
      }
      shown.push(v);
    }
    if (!shown.length && o.originalMessages) return null;
    o.messages = shown;
  }
  return o;
}
