// Genesys Widgets' loader and lifecycle over the bus: `CXBus.loadPlugin`, `CXBus.loadFile`, and the widgets-core
// start (configuration, `_genesys.widgets.extensions`, `_genesys.widgets.onReady`). Which plugin names cxbridge
// provides is decided in Rust (src/core/widgets.rs, through the `widgetsPlugin` export); this file performs: it
// loads scripts and calls the page's functions, each inside try/catch, outside any wasm frame. docs/cxbus.md has
// the vendor facts.

import { uuid } from './analytics.js';
import { Deferred, follow } from './deferred.js';
import { soon, thrownText } from './page.js';

const NAME_LIMIT = 200;
const URL_LIMIT = 8192;

/** Appends `<script src=url>` to the document; the deferred resolves with the load event or fails with `failure`. */
export function loadScript(url, failure) {
  const d = new Deferred();
  try {
    const s = document.createElement('script');
    s.charset = 'UTF-8';
    s.onload = (e) => d.resolve(e);
    s.onerror = () => d.reject(new Error(failure));
    s.src = url;
    (document.head || document.documentElement).appendChild(s);
  } catch (err) {
    d.reject(new Error(`${failure}: ${thrownText(err)}`));
  }
  return d;
}

/** Reads `obj[key]`; undefined when the read throws (a hostile getter is reported once, here). */
function read(obj, key, what) {
  if (obj === null || (typeof obj !== 'object' && typeof obj !== 'function')) return undefined;
  try {
    return obj[key];
  } catch (err) {
    console.error(new Error(`cxbridge: reading ${what} threw: ${thrownText(err)}`));
    return undefined;
  }
}

function headless(name) {
  return () => {
    throw new Error(`cxbridge: Common.Generate.${name} builds Genesys Widgets UI, and cxbridge is headless`);
  };
}

/**
 * `Common`, as extensions receive it: the vendor's non-UI helpers (logging, paths, HTML escaping, ids, the
 * command-event shortcuts, script injection). Its UI builders (`Common.Generate.*`) throw, saying cxbridge is
 * headless.
 */
export function makeCommon() {
  const state = { debug: false };
  const Common = {
    config(options) {
      if (options && typeof options === 'object' && typeof options.debug === 'boolean') state.debug = options.debug;
      return { debug: state.debug };
    },
    /** Logged only in debug mode (`main.debug`, `Common.config({debug: true})`), as the vendor's. */
    log(msg, type) {
      if (!state.debug) return;
      const level = ['log', 'debug', 'info', 'warn', 'error'].includes(type) ? type : 'log';
      console[level](msg);
    },
    debug(msg) {
      Common.log(msg, 'debug');
    },
    error(msg) {
      Common.log(msg, 'error');
    },
    /** The value at the dotted `path` in `obj`; the first missing or falsy step's value; false for bad arguments. */
    checkPath(obj, path) {
      if (obj === null || typeof obj !== 'object' || typeof path !== 'string') return false;
      let v = obj;
      for (const key of path.split('.')) {
        if (!Object.prototype.hasOwnProperty.call(v, key) || !v[key]) return v[key];
        v = v[key];
      }
      return v;
    },
    /** Sets `value` at the dotted `path` in `obj`, creating objects on the way; false for bad arguments. */
    createPath(obj, path, value) {
      if (obj === null || typeof obj !== 'object' || typeof path !== 'string') return false;
      const keys = path.split('.');
      let v = obj;
      keys.forEach((key, i) => {
        if (i === keys.length - 1) v[key] = value;
        else {
          if (v[key] === undefined) v[key] = {};
          v = v[key];
        }
      });
      return true;
    },
    /** `<` and `>` as entities, as the vendor's (which escapes nothing else). */
    sanitizeHTML(html) {
      return String(html || '').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    },
    /** A random UUID (v4). */
    guid: uuid,
    /** `e.deferred.resolve(value)` for a command event `e`. */
    resolve(e, value) {
      if (e && e.deferred && typeof e.deferred.resolve === 'function') e.deferred.resolve(value);
    },
    /** `e.deferred.reject(reason)` for a command event `e`. */
    reject(e, reason) {
      if (e && e.deferred && typeof e.deferred.reject === 'function') e.deferred.reject(reason);
    },
    injectScript(url) {
      if (typeof url === 'string') loadScript(url, `Could not load file: ${url}`);
    },
    isMobileDevice() {
      return typeof navigator !== 'undefined' && /Mobi|Android|iPhone|iPad|iPod/i.test(navigator.userAgent || '');
    },
    Generate: {},
  };
  for (const ui of ['Container', 'Buttons', 'Icon', 'Input', 'Form', 'Options', 'Countdown']) {
    Common.Generate[ui] = headless(ui);
  }
  return Common;
}

/**
 * The loader's half of Genesys Widgets. `wasm` is the wasm-bindgen module; `CXBus` the object the page calls (the
 * stub that forwards, for the script tag); `bus` what `onReady` receives (`_genesys.widgets.bus`); `install` puts
 * the globals back onto the page's current `window._genesys` (a configuration assigned after the bundle replaced
 * the object the bundle had put them on). `globals` false (the ESM entry without `{globals: true}`) reads and
 * writes no global: widgets-core then has nothing to start.
 */
export function createWidgets({ wasm, globals, CXBus, bus, install }) {
  const Common = makeCommon();
  const called = new Set();
  const loadedFiles = new Set();
  let onReadyCalled = false;
  // Whether the page loads widgets-core itself: it asked for it (`loadPlugin('widgets-core')`), or loads files
  // (`loadFile`: a lazy-load snippet's configuration file comes before widgets-core).
  let requested = false;

  /** The page's jQuery, when it has one: what extensions receive as `$`. */
  function jQuery() {
    for (const name of ['jQuery', '$']) {
      try {
        const fn = globalThis[name];
        if (typeof fn === 'function' && fn.fn && typeof fn.fn.jquery === 'string') return fn;
      } catch (_) {
        // A hostile global is not jQuery.
      }
    }
    return undefined;
  }

  /**
   * widgets-core's start, as the vendor's: the configuration as the page has it now, then each extension once
   * (`fn($, CXBus, Common)`, in the object's key order; one that throws is reported and the others still run), then
   * `App.ready` (republished, once), then `onReady(bus)` once, then the extensions given as script URLs. Run again
   * (a later `loadPlugin('widgets-core')`), it calls only what was not called before.
   */
  function start() {
    if (!globals) return;
    try {
      install();
    } catch (err) {
      console.error(new Error(`cxbridge: could not put _genesys.widgets.bus on the page: ${thrownText(err)}`));
    }
    try {
      // main.debug, and a WebChatService configuration assigned after the bundle.
      wasm.widgetsStart(true);
    } catch (err) {
      console.error(err);
    }
    const genesys = read(globalThis, '_genesys', 'window._genesys');
    const widgets = read(genesys, 'widgets', '_genesys.widgets');
    const main = read(widgets, 'main', '_genesys.widgets.main');
    const debug = read(main, 'debug', '_genesys.widgets.main.debug');
    if (typeof debug === 'boolean') Common.config({ debug });
    try {
      if (widgets && typeof widgets === 'object' && !widgets.common) widgets.common = Common;
    } catch (_) {
      // A frozen or hostile configuration object keeps what it has.
    }
    const extensions = read(widgets, 'extensions', '_genesys.widgets.extensions');
    const urls = [];
    if (extensions !== null && typeof extensions === 'object') {
      let names = [];
      try {
        names = Object.keys(extensions);
      } catch (err) {
        console.error(new Error(`cxbridge: listing _genesys.widgets.extensions threw: ${thrownText(err)}`));
      }
      const $ = jQuery();
      for (const name of names) {
        if (called.has(name)) continue;
        // wasm.textShown: a page's string as error texts show it, cut by core::text (which reads only its start).
        const ext = read(extensions, name, `_genesys.widgets.extensions['${wasm.textShown(name)}']`);
        if (typeof ext === 'string') {
          called.add(name);
          urls.push(ext);
        } else if (typeof ext === 'function') {
          called.add(name);
          try {
            ext.call(extensions, $, CXBus, Common);
          } catch (err) {
            console.error(`cxbridge: the extension _genesys.widgets.extensions['${wasm.textShown(name)}'] threw`, err);
          }
        }
      }
    }
    try {
      // As the vendor's App, announced before onReady; sticky, so a later subscriber hears it too (once only).
      wasm.widgetsAppReady();
    } catch (err) {
      console.error(err);
    }
    if (!onReadyCalled) {
      const onReady = read(widgets, 'onReady', '_genesys.widgets.onReady');
      if (typeof onReady === 'function') {
        onReadyCalled = true;
        try {
          onReady.call(widgets, bus);
        } catch (err) {
          console.error('cxbridge: _genesys.widgets.onReady threw', err);
        }
      }
    }
    for (const url of urls) Common.injectScript(url);
  }

  /** `CXBus.loadPlugin(name)`: a deferred, done for what cxbridge provides, failed naming what it does not. */
  function loadPlugin(name) {
    const d = new Deferred();
    if (typeof name !== 'string' || name.length > NAME_LIMIT) {
      return d.reject(new Error(`cxbridge: CXBus.loadPlugin() needs a plugin name: a string of at most ${NAME_LIMIT} characters`));
    }
    let answer;
    try {
      answer = wasm.widgetsPlugin(name, globals);
    } catch (err) {
      return d.reject(err instanceof Error ? err : new Error(thrownText(err)));
    }
    // What to do, by the answer's type (src/web/widgets.rs `widgets_plugin`): true starts widgets-core, a string
    // is the URL of the page's plugin file, undefined means the plugin is provided.
    if (answer === true) {
      requested = true;
      // As the vendor's plugin file, widgets-core starts after what the page is running now.
      soon(() => {
        start();
        d.resolve();
      });
    } else if (typeof answer === 'string') {
      follow(d, loadScript(answer, `Could not load plugin file: ${answer}`));
    } else {
      soon(() => d.resolve());
    }
    return d;
  }

  /**
   * `CXBus.loadFile(url)`: runs the script at `url` (as the page's own `<script src>` would resolve it) once;
   * done when it has run, failed with the vendor's "Could not load file: <url>" when it cannot be fetched. A file
   * already loaded fails, as the vendor's does.
   */
  function loadFile(url) {
    const d = new Deferred();
    if (typeof url !== 'string' || !url || url.length > URL_LIMIT) {
      return d.reject(new Error(`cxbridge: CXBus.loadFile() needs the URL of a script: a non-empty string of at most ${URL_LIMIT} characters`));
    }
    let key = url;
    try {
      key = new URL(url, document.baseURI).href;
    } catch (_) {
      // Not a URL the browser can resolve: the script element reports the error.
    }
    requested = true;
    if (loadedFiles.has(key)) {
      return d.reject(new Error(`cxbridge: CXBus.loadFile('${wasm.textShown(url)}'): this file was already loaded; a file is loaded once`));
    }
    loadScript(url, `Could not load file: ${url}`)
      .done((e) => {
        loadedFiles.add(key);
        d.resolve(e);
      })
      .fail(d.reject);
    return d;
  }

  /**
   * widgets-core starting by itself, as widgets.min.js does: after the replay of the calls queued before the wasm
   * was ready, once the document is parsed (so an `onReady` or a configuration a later inline script assigns is
   * there), unless the page loads widgets-core itself (it called `loadPlugin('widgets-core')` or `loadFile`, queued
   * or since).
   */
  function autoStart() {
    const go = () => {
      if (!requested) start();
    };
    if (typeof document !== 'undefined' && document.readyState === 'loading') {
      document.addEventListener('DOMContentLoaded', go, { once: true });
    } else go();
  }

  return { start, autoStart, loadPlugin, loadFile, Common };
}
