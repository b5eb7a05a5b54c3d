// The browser side of the Journey SDK's tracking modules (src/web/ac.rs imports this): reading a page's
// configuration into plain data, and observing the page — clicks, visitor activity, elements entering the
// viewport, scrolling, URL changes, forms. Nothing here decides what is recorded: every observation goes to
// `report` (a Rust closure, src/web/ac.rs), and core::autotrack decides what it records.
//
// Ownership: each module's watcher keeps everything it added (listeners, observers, timers, the history hooks) and
// its `stop()` removes all of it; `stopAll()` stops every watcher. The vendor's API has no way to unload a module,
// so the watchers live as long as the page unless something calls `stopAll()`. Nothing calls `report`
// synchronously from inside a call made by the wasm: observations made at load time are reported from a task or a
// microtask, so the wasm is never re-entered while it holds its state.

/** A value's kind, as core::journey::Arg numbers them (src/web/ac.rs `arg_of`). Never throws. */
export function kindOf(v) {
  const t = typeof v;
  if (v === undefined) return 0;
  if (v === null) return 1;
  if (t === 'boolean') return 2;
  if (t === 'number') return 3;
  if (t === 'string') return 4;
  if (t === 'function') return 5;
  try {
    if (Array.isArray(v)) return 6;
  } catch (_) {
    return 7; // a revoked Proxy: an object that cannot be read
  }
  return t === 'object' ? 7 : 8;
}

/** `s` (a string) cut to its first `n` UTF-16 units, so the wasm never copies more than that. */
export function head(s, n) {
  return s.length > n ? s.slice(0, n) : s;
}

/** `[kind, value]`: the value only when it is a primitive the core reads. */
function cell(out, v) {
  const k = kindOf(v);
  // A string longer than any the core accepts crosses cut (bounded before the wasm allocates for it): the core
  // still sees that it is too long.
  out.push(k, k === 4 && v.length > LONGEST ? v.slice(0, LONGEST) : k >= 2 && k <= 4 ? v : undefined);
}
const LONGEST = 1001;

/** Whether `sel` is a selector the browser accepts. */
function selectorOk(sel) {
  if (typeof sel !== 'string') return false;
  try {
    document.createDocumentFragment().querySelector(sel);
    return true;
  } catch (_) {
    return false;
  }
}

/** A shallow copy of `customAttributes`, taken at load time (the page may change its object later). */
function copyAttrs(v) {
  return kindOf(v) === 7 ? Object.assign({}, v) : undefined;
}

/**
 * Reads `ac('load', module, config)`'s configuration as plain data: `[configKind, configValue, listKind,
 * listValue, length, ...per entry: fieldKind, fieldValue, selectorOk, nameKind, nameValue, attrsKind, attrsValue,
 * attrsCopy]`, at most `max + 1` entries. A getter or Proxy trap that throws gives a string naming what threw.
 */
export function readConfig(module, config, listKey, fieldKey, usesSelector, max) {
  let where = 'config';
  try {
    const out = [];
    cell(out, config);
    if (!listKey || kindOf(config) !== 7) return out.concat(0, undefined, 0);
    where = `config.${listKey}`;
    const list = config[listKey];
    cell(out, list);
    const isArray = kindOf(list) === 6;
    const len = isArray ? list.length : 0;
    out.push(typeof len === 'number' ? len : 0);
    if (!isArray) return out;
    for (let i = 0; i < len && i <= max; i++) {
      where = `config.${listKey}[${i}]`;
      const e = list[i];
      const isObj = kindOf(e) === 7;
      where = `config.${listKey}[${i}].${fieldKey}`;
      const field = isObj ? e[fieldKey] : undefined;
      cell(out, field);
      out.push(usesSelector ? selectorOk(field) : true);
      where = `config.${listKey}[${i}].eventName`;
      cell(out, isObj ? e.eventName : undefined);
      where = `config.${listKey}[${i}].customAttributes`;
      const attrs = isObj ? e.customAttributes : undefined;
      cell(out, attrs);
      out.push(copyAttrs(attrs));
    }
    return out;
  } catch (err) {
    return `ac('load', '${module}'): reading ${where} threw: ${err && err.message ? err.message : err}`;
  }
}

/**
 * Reads `ac('forms:track', selector, options)`: `[selectorKind, selector, selectorOk, optionsKind, optionsValue,
 * formName cell, captureFormDataOnSubmit cell, captureFormDataOnAbandon cell, customAttributes cell, attrsCopy,
 * traitsMapper cell, traitsLength, ...per entry: fieldName cell, traitName cell]`; or a string naming what threw.
 */
export function readForm(selector, options, max) {
  let where = 'options';
  try {
    const out = [];
    cell(out, selector);
    out.push(selectorOk(selector));
    cell(out, options);
    const o = kindOf(options) === 7 ? options : {};
    for (const key of ['formName', 'captureFormDataOnSubmit', 'captureFormDataOnAbandon']) {
      where = `options.${key}`;
      cell(out, o[key]);
    }
    where = 'options.customAttributes';
    const attrs = o.customAttributes;
    cell(out, attrs);
    out.push(copyAttrs(attrs));
    where = 'options.traitsMapper';
    const tm = o.traitsMapper;
    cell(out, tm);
    const isArray = kindOf(tm) === 6;
    const len = isArray ? tm.length : 0;
    out.push(typeof len === 'number' ? len : 0);
    if (isArray) {
      for (let i = 0; i < len && i < max; i++) {
        where = `options.traitsMapper[${i}]`;
        const e = tm[i];
        const ok = kindOf(e) === 7;
        cell(out, ok ? e.fieldName : undefined);
        cell(out, ok ? e.traitName : undefined);
      }
    }
    return out;
  } catch (err) {
    return `ac('forms:track'): reading ${where} threw: ${err && err.message ? err.message : err}`;
  }
}

/** Calls a page's callback from a task of its own, with `error` when given; what it throws is reported. */
export function callLater(callback, message, label) {
  setTimeout(() => {
    try {
      if (message === undefined) callback();
      else callback(new Error(message));
    } catch (err) {
      try {
        console.error(`ac: the ${label} callback threw:`, err);
      } catch (_) {}
    }
  }, 0);
}

// ---------------------------------------------------------------------------------------------------------
// The watchers: one per module, made on first use. Each keeps what it added so that stop() removes it all.
// ---------------------------------------------------------------------------------------------------------

let report = null;
const watchers = new Map();
const elementIds = new WeakMap();
let nextElement = 0;

function elementId(el) {
  let id = elementIds.get(el);
  if (id === undefined) elementIds.set(el, (id = ++nextElement));
  return id;
}

/** Listeners added through here are removed by the watcher's stop(). */
function owner() {
  const undo = [];
  return {
    on(target, type, fn, opts) {
      target.addEventListener(type, fn, opts);
      undo.push(() => target.removeEventListener(type, fn, opts));
    },
    add(fn) {
      undo.push(fn);
    },
    stop() {
      while (undo.length) {
        try {
          undo.pop()();
        } catch (_) {}
      }
    },
  };
}

function safeReport(kind, a, b) {
  try {
    return report ? report(kind, a, b) : -1;
  } catch (err) {
    console.error('cxbridge: an autotrack observation could not be reported:', err);
    return -1;
  }
}

// Module numbers: core::autotrack::Module (Click 0, Idle 1, InViewport 2, ScrollDepth 3, UrlChange 4); 5 is
// forms:track. The same numbers name the observation passed to `report`.
const MAKERS = [clickWatcher, idleWatcher, viewportWatcher, scrollWatcher, urlWatcher, formWatcher];

/**
 * Starts (or extends) module `module`'s watcher with rule `id` (`selector` for click, in-viewport and forms).
 * `reporter` is the Rust closure every observation goes to.
 */
export function watch(reporter, module, id, selector) {
  report = reporter;
  try {
    let w = watchers.get(module);
    if (!w) {
      const make = MAKERS[module];
      if (!make) return;
      watchers.set(module, (w = make()));
    }
    w.add(id, selector);
  } catch (err) {
    console.error('cxbridge: an autotrack module could not watch the page:', err);
  }
}

/** The attributes a form event records: the rule's customAttributes, the form's name, its data and traits. */
export function formAttributes(formName, dataJson, traitsJson, attrs) {
  const out = Object.assign({}, attrs);
  out.formName = formName;
  if (dataJson !== undefined) out.formData = JSON.parse(dataJson);
  if (traitsJson !== undefined) out.traits = JSON.parse(traitsJson);
  return out;
}

/** Stops every watcher: every listener, observer, timer and hook they added is removed. */
export function stopAll() {
  for (const w of watchers.values()) w.owner.stop();
  watchers.clear();
}

function clickWatcher() {
  const o = owner();
  const rules = [];
  o.on(
    document,
    'click',
    (e) => {
      let el = e.target;
      if (el && el.nodeType !== 1) el = el.parentElement;
      if (!el || typeof el.closest !== 'function') return;
      const matched = [];
      for (const [id, sel] of rules) {
        try {
          if (el.closest(sel)) matched.push(id);
        } catch (_) {}
      }
      if (matched.length) safeReport(0, matched);
    },
    true,
  );
  return { owner: o, add: (id, sel) => rules.push([id, sel]) };
}

function idleWatcher() {
  const o = owner();
  let last = Date.now();
  let timer = 0;
  const tick = () => {
    timer = 0;
    const next = safeReport(1, Date.now(), last);
    if (typeof next === 'number' && next >= 0) timer = setTimeout(tick, Math.max(0, next - Date.now()));
  };
  const activity = () => {
    last = Date.now();
    // Every rule fired in the last idle period: a new period starts, ask when its first rule is due.
    if (!timer) timer = setTimeout(tick, 0);
  };
  for (const type of ['mousemove', 'mousedown', 'keydown', 'wheel', 'touchstart', 'scroll']) {
    o.on(window, type, activity, { capture: true, passive: true });
  }
  o.add(() => clearTimeout(timer));
  return {
    owner: o,
    add: () => {
      // A new rule: ask now when it is due.
      clearTimeout(timer);
      timer = setTimeout(tick, 0);
    },
  };
}

function viewportWatcher() {
  const o = owner();
  const rules = [];
  // element → the rule ids it is observed for
  const observed = new Map();
  const io =
    typeof IntersectionObserver === 'function'
      ? new IntersectionObserver((entries) => {
          for (const e of entries) {
            if (!e.isIntersecting) continue;
            const ids = observed.get(e.target);
            if (!ids) continue;
            for (const id of ids) safeReport(2, id, elementId(e.target));
            // Recorded once per element and rule: nothing more to watch on it.
            observed.delete(e.target);
            io.unobserve(e.target);
          }
        })
      : null;
  if (io) o.add(() => io.disconnect());
  const scan = () => {
    if (!io) return;
    for (const [id, sel] of rules) {
      let found = [];
      try {
        found = document.querySelectorAll(sel);
      } catch (_) {}
      for (const el of found) {
        let ids = observed.get(el);
        if (!ids) {
          observed.set(el, (ids = []));
          io.observe(el);
        }
        if (!ids.includes(id)) ids.push(id);
      }
    }
  };
  let pending = 0;
  const later = () => {
    clearTimeout(pending);
    pending = setTimeout(scan, 50);
  };
  o.add(() => clearTimeout(pending));
  // Elements a page adds later (a single-page app rendering a view) are found by scanning again, at most once per
  // 50 ms of changes.
  if (io && typeof MutationObserver === 'function') {
    const mo = new MutationObserver(later);
    mo.observe(document, { childList: true, subtree: true });
    o.add(() => mo.disconnect());
  }
  return {
    owner: o,
    add: (id, sel) => {
      rules.push([id, sel]);
      later();
    },
  };
}

function scrollWatcher() {
  const o = owner();
  // The depth at which to ask the core next; 0 until it answered once, -1 when every rule fired.
  let next = 0;
  let frame = 0;
  const measure = () => {
    frame = 0;
    const doc = document.documentElement;
    const height = Math.max(doc.scrollHeight, document.body ? document.body.scrollHeight : 0, 1);
    const depth = Math.min(100, ((window.scrollY + window.innerHeight) / height) * 100);
    if (next >= 0 && depth >= next) {
      const n = safeReport(3, depth);
      next = typeof n === 'number' ? n : -1;
    }
  };
  o.on(
    window,
    'scroll',
    () => {
      if (!frame) frame = requestAnimationFrame(measure);
    },
    { passive: true },
  );
  o.add(() => cancelAnimationFrame(frame));
  return {
    owner: o,
    add: () => {
      next = 0;
    },
  };
}

function urlWatcher() {
  const o = owner();
  const check = () => {
    const location = String(window.location.href);
    safeReport(4, location, { location, title: String(document.title) });
  };
  const later = () => queueMicrotask(check);
  // history.pushState/replaceState change the URL without an event: wrapped, and put back by stop() when
  // nobody wrapped them after us (else our wrapper stays, forwarding, so the later wrapper keeps working).
  const hooked = [];
  for (const name of ['pushState', 'replaceState']) {
    const original = history[name];
    if (typeof original !== 'function') continue;
    const wrapper = function () {
      const result = original.apply(this, arguments);
      later();
      return result;
    };
    history[name] = wrapper;
    hooked.push([name, original, wrapper]);
  }
  o.add(() => {
    for (const [name, original, wrapper] of hooked) if (history[name] === wrapper) history[name] = original;
  });
  o.on(window, 'popstate', later);
  o.on(window, 'hashchange', later);
  // The URL the module was loaded on is the page's own (its pageview): the core's baseline.
  later();
  return { owner: o, add: () => {} };
}

function formWatcher() {
  const o = owner();
  const rules = [];
  const touched = new Set();
  const ruleOf = (form) => {
    for (const [id, sel] of rules) {
      try {
        if (form.matches(sel)) return id;
      } catch (_) {}
    }
    return 0;
  };
  const send = (form, event) => {
    const id = ruleOf(form);
    if (!id) return;
    const out = [id, elementId(form), event, String(form.getAttribute('name') || form.id || '')];
    const els = form.elements || [];
    for (let i = 0; i < els.length && out.length < 4 + 3 * 200; i++) {
      const el = els[i];
      const name = el.name;
      if (!name || el.disabled) continue;
      const type = String(el.type || el.tagName || '').toLowerCase();
      if ((type === 'checkbox' || type === 'radio') && !el.checked) continue;
      if (type === 'submit' || type === 'button' || type === 'reset' || type === 'image') continue;
      out.push(String(name).slice(0, LONGEST), type.slice(0, 40), String(el.value == null ? '' : el.value).slice(0, LONGEST));
    }
    safeReport(5, out);
  };
  const formOf = (t) => (t && t.nodeType === 1 && t.tagName === 'FORM' ? t : t && t.form) || null;
  o.on(
    document,
    'submit',
    (e) => {
      const form = formOf(e.target);
      if (!form) return;
      touched.delete(form);
      send(form, 0);
    },
    true,
  );
  const touch = (e) => {
    const form = formOf(e.target);
    if (form && ruleOf(form)) touched.add(form);
  };
  o.on(document, 'input', touch, true);
  o.on(document, 'change', touch, true);
  // Leaving the page with a form the visitor changed and did not submit: abandoned.
  o.on(window, 'pagehide', () => {
    for (const form of touched) send(form, 1);
    touched.clear();
  });
  return { owner: o, add: (id, sel) => rules.push([id, sel]) };
}
