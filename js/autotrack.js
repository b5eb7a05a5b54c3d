// The browser side of the Journey SDK's tracking modules (src/web/autotrack.rs imports this): observing the page —
// clicks, visitor activity, elements entering the viewport, scrolling, URL changes, forms. Nothing here decides
// what is recorded: every observation goes to `report` (a Rust closure) as a plain array, and core::autotrack
// decides. None of these functions throws into the wasm, and none reports from inside a call the wasm made
// (observations made at load time are reported from a task or a microtask).
//
// The vendor's API has no way to unload a module, so what a watcher adds (listeners, observers, timers, the
// history hooks) lives as long as the page.
import { armTimer } from './clock.js';
import { soon, toConsole } from './page.js';

let report;
// Per watcher (core::autotrack::Module's numbers, then 5 for forms): its rules, `[id, selector, at, timer]`.
const rules = [[], [], [], [], [], []];
const onAdd = [];
const elements = new WeakMap();
let count = 0;

const send = (...m) => report(m);
const elementId = (el) => elements.get(el) || (elements.set(el, ++count), count);

const on = (target, type, fn, opts) => target.addEventListener(type, fn, opts);

/**
 * Calls a page's callback from a task of its own (a microtask when the page's `setTimeout` throws), with `error`
 * when given; a throw is reported.
 */
export function callLater(callback, error, label) {
  const run = () => {
    try {
      error === undefined ? callback() : callback(error);
    } catch (err) {
      toConsole('error', `ac: the ${label} callback threw:`, err);
    }
  };
  if (armTimer(run) === undefined) soon(run);
}

/** Whether `s` is a string the browser accepts as a selector. */
export function selectorOk(s) {
  try {
    return typeof s == 'string' && !document.createDocumentFragment().querySelector(s);
  } catch (_) {
    return false;
  }
}

/** `o[k] = v` as an own data property, even for `__proto__`. */
export function put(o, k, v) {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** Adds rule `id` (`selector` for click, in-viewport and forms; `at`: idleAfter seconds) to watcher `module`. */
export function watch(reporter, module, id, selector, at) {
  report = reporter;
  const list = rules[module];
  try {
    if (!list.length) onAdd[module] = START[module](list);
    list.push([id, selector, at]);
    if (onAdd[module]) onAdd[module]();
  } catch (err) {
    console.error('cxbridge: an autotrack module could not watch the page:', err);
  }
}

const START = [
  // Click: a click on an element matching the selector, or inside one.
  (list) =>
    on(
      document,
      'click',
      (e) => {
        let el = e.target;
        if (el && el.nodeType != 1) el = el.parentElement;
        for (const [id, sel] of list) {
          try {
            if (el.closest(sel)) send(0, id);
          } catch (_) {}
        }
      },
      true,
    ),
  // Idle: each rule's timer restarts on visitor activity.
  (list) => {
    let last;
    const arm = () => {
      last = Date.now();
      for (const r of list) {
        clearTimeout(r[3]);
        // A few ms late rather than early: the core records only once idleAfter has passed.
        r[3] = setTimeout(() => send(0, r[0], Date.now(), last), r[2] * 1e3 + 5);
      }
    };
    for (const type of ['mousemove', 'mousedown', 'keydown', 'wheel', 'touchstart', 'scroll']) {
      on(window, type, arm, { capture: true, passive: true });
    }
    return arm;
  },
  // In viewport: matching elements, found at load and again after the DOM changes (one scan per 50 ms).
  (list) => {
    const io = new IntersectionObserver((entries) => {
      for (const e of entries) {
        for (const [id, sel] of list) {
          try {
            if (e.isIntersecting && e.target.matches(sel)) send(0, id, elementId(e.target));
          } catch (_) {}
        }
      }
    });
    let timer;
    const scan = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        for (const [, sel] of list) {
          try {
            for (const el of document.querySelectorAll(sel)) io.observe(el);
          } catch (_) {}
        }
      }, 50);
    };
    new MutationObserver(scan).observe(document, { childList: true, subtree: true });
    return scan;
  },
  // Scroll depth: the bottom of the viewport over the document's height, in %.
  (list) =>
    on(
      window,
      'scroll',
      () => {
        const depth = (Math.ceil(scrollY + innerHeight) / document.documentElement.scrollHeight) * 100;
        for (const [id] of list) send(0, id, depth);
      },
      { passive: true },
    ),
  // URL change: history.pushState/replaceState (wrapped), back/forward and hash changes. The URL at load is the
  // core's baseline.
  () => {
    const check = () => soon(() => send(1, location.href, { location: location.href, title: document.title }));
    for (const name of ['pushState', 'replaceState']) {
      const original = history[name];
      history[name] = function () {
        const result = original.apply(this, arguments);
        check();
        return result;
      };
    }
    on(window, 'popstate', check);
    on(window, 'hashchange', check);
    check();
  },
  // Forms: a submit, or leaving the page (pagehide) with a form the visitor changed and did not submit.
  (list) => {
    const touched = new Set();
    // The last forms:track whose selector matches the form.
    const ruleOf = (form) => {
      for (let i = list.length; i--; ) {
        try {
          if (form.matches(list[i][1])) return list[i][0];
        } catch (_) {}
      }
    };
    const formOf = (t) => (t && t.tagName == 'FORM' ? t : t && t.form);
    const sendForm = (form, submitted) => {
      const id = ruleOf(form);
      if (!id) return;
      const m = [2, id, elementId(form), submitted, form.getAttribute('name') || form.getAttribute('id') || ''];
      for (const el of form.elements) {
        const type = String(el.type).toLowerCase();
        if (el.name && !el.disabled && !/^(submit|button|reset|image)$/.test(type) && (el.checked || !/^(checkbox|radio)$/.test(type))) {
          m.push(el.name, type, el.value);
        }
      }
      report(m);
    };
    on(
      document,
      'submit',
      (e) => {
        const form = formOf(e.target);
        if (form) touched.delete(form), sendForm(form, 1);
      },
      true,
    );
    const touch = (e) => {
      const form = formOf(e.target);
      if (form && ruleOf(form)) touched.add(form);
    };
    on(document, 'input', touch, true);
    on(document, 'change', touch, true);
    on(window, 'pagehide', () => {
      for (const form of touched) sendForm(form, 0);
      touched.clear();
    });
  },
];
