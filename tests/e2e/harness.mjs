// Shared by every end-to-end spec: starts the emulator (a real HTTP + WebSocket server on loopback, on a port of
// its own) and Debian's headless Chromium through playwright-core, and watches each page for traps.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The emulator binary that scripts/test.mjs built (debug profile, shared with `cargo test`). */
export function emulatorBinary({ release = false } = {}) {
  const order = ['target/debug/cxbridge-emulator', 'target/release/cxbridge-emulator'];
  if (release) order.reverse();
  for (const p of order) {
    if (existsSync(join(root, p))) return join(root, p);
  }
  throw new Error('the emulator is not built: run `cargo build -p cxbridge-emulator` (npm test does)');
}

/**
 * Starts the emulator on a free port. Resolves to { url, altUrl, port, stop } where `url` is on 127.0.0.1 and
 * `altUrl` the same server on localhost: two distinct browser origins.
 */
export function startEmulator({ args = [], env = {}, release = false } = {}) {
  return new Promise((resolveStart, rejectStart) => {
    const child = spawn(emulatorBinary({ release }), ['--port', '0', '--root', root, ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const onData = (chunk) => {
      out += chunk;
      const m = out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) {
        child.stdout.off('data', onData);
        const port = Number(m[1]);
        const emulator = {
          port,
          url: `http://127.0.0.1:${port}`,
          altUrl: `http://localhost:${port}`,
          process: child,
          stop: () =>
            new Promise((r) => {
              if (child.exitCode !== null) return r();
              child.once('exit', () => r());
              child.kill('SIGINT');
              setTimeout(() => child.kill('SIGKILL'), 3000).unref();
            }),
        };
        emulators.push(emulator);
        resolveStart(emulator);
      }
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', onData);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => process.stderr.write(`[emulator] ${d}`));
    child.once('exit', (code) => rejectStart(new Error(`emulator exited with ${code} before listening: ${out}`)));
  });
}

/** Launches headless Chromium with the flags this machine needs (Debian's chromium, no sandbox, no GPU) and a fresh profile. */
/** POSTs `body` as JSON to `url` (an emulator's control API), fails the test on an error status, and returns the parsed answer. */
export async function postJson(url, body) {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${url}: ${r.status} ${text}`);
  return JSON.parse(text);
}

export async function launchBrowser({ extraArgs = [] } = {}) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'cxbridge-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
      ...extraArgs,
    ],
  });
  const close = context.close.bind(context);
  let closed = null;
  context.close = () =>
    (closed ??= close().then(() => rmSync(userDataDir, { recursive: true, force: true })));
  contexts.push(context);
  return context;
}

/**
 * What wasm-bindgen 0.2.130 and a wasm trap print (checked against its sources): a panic under `panic = "abort"`
 * is `RuntimeError: unreachable`; a closure called after its owner dropped it is "closure invoked recursively or
 * after being dropped"; a re-entrant borrow is "recursive use of an object detected which would lead to unsafe
 * aliasing in rust"; a value used after being moved into Rust is "Attempt to use a moved value" / "null pointer
 * passed to rust"; "attempted to take ownership of Rust value while it was borrowed".
 */
export const TRAP =
  /unreachable|RuntimeError|closure invoked|recursive use of an object|already (mutably )?borrowed|attempt(ed)? to (use a moved value|take ownership)|null pointer passed to rust|memory access out of bounds/i;

/**
 * A new page that records every page error, unhandled rejection, console error and `unreachable` trap in
 * `page.traps`. Call `assertNoTraps(page)` at the end of a test; pass `allow` patterns for console errors a test
 * provokes on purpose.
 */
export async function newPage(context) {
  const page = await context.newPage();
  pages.push(page);
  page.checked = -1;
  page.traps = [];
  page.consoleErrors = [];
  page.on('pageerror', (err) => page.traps.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    const text = msg.text();
    if (TRAP.test(text)) {
      page.traps.push(`console: ${text}`);
    }
    if (msg.type() === 'error') page.consoleErrors.push(text);
  });
  return page;
}

export function assertNoTraps(page, { allowConsoleErrors = [] } = {}) {
  page.checked = page.traps.length;
  const unexpected = page.consoleErrors.filter((t) => !allowConsoleErrors.some((re) => re.test(t)));
  const all = [...page.traps, ...unexpected.map((t) => `console.error: ${t}`)];
  if (all.length) throw new Error(`the page reported problems:\n${all.join('\n')}`);
}

// Every page of a spec is held to it: when the spec file ends, a page that no test checked with assertNoTraps, or
// that reported a page error, unhandled rejection or trap after its check (a late timer, a stray callback),
// fails the run. Only under `node --test`, so scripts that borrow this harness (scripts/soak.mjs) do not start
// a test run of their own.
const pages = [];
const contexts = [];
const emulators = [];
if (process.env.NODE_TEST_CONTEXT) {
  after(async () => {
    const problems = [];
    for (const page of pages) {
      let url = '(closed page)';
      try {
        url = page.url();
      } catch {}
      if (page.checked < 0) problems.push(`${url}: no test called assertNoTraps(page) on this page`);
      else if (page.traps.length > page.checked) {
        problems.push(`${url}: after its check: ${page.traps.slice(page.checked).join('; ')}`);
      }
    }
    if (problems.length) {
      // This hook runs before the spec's own `after` (registered later), which a failing hook would skip: close
      // what the spec opened first, so the run ends instead of hanging.
      await Promise.all(contexts.map((c) => c.close().catch(() => {})));
      await Promise.all(emulators.map((e) => e.stop()));
      throw new Error(`pages with unchecked problems:\n${problems.join('\n')}`);
    }
  });
}

/**
 * A spec's emulator and browser: started (the emulator with `options`, as startEmulator takes them) before its
 * tests and stopped after them; `set(emulator, browser)` hands them to the spec's own variables.
 */
export function emulatorAndBrowser(options, set) {
  let emu;
  let browser;
  before(async () => {
    emu = await startEmulator(options);
    browser = await launchBrowser();
    set(emu, browser);
  });
  after(async () => {
    await browser?.close();
    await emu?.stop();
  });
}

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };

/**
 * Makes the pages of `context` load the test build `name` (scripts/build.mjs: `build({ [name]: true })`, in
 * build/<name>/) wherever they ask for `/dist/…`: the same pages and emulator, with a wasm the shipped dist/ does
 * not carry (the Web Messaging transport: `useBuild(context, 'messaging')`). Builds it first (a second or two when
 * nothing changed). What that build does not have (the ESM entry, the .d.ts) still comes from dist/.
 */
export async function useBuild(context, name) {
  const { build } = await import('../../scripts/build.mjs');
  await build({ quiet: true, [name]: true });
  const dir = join(root, 'build', name);
  await context.route(/\/dist\/[^/?#]+([?#].*)?$/, (route) => {
    const file = new URL(route.request().url()).pathname.split('/').pop();
    const path = join(dir, file);
    if (!existsSync(path)) return route.continue();
    const type = TYPES[file.slice(file.lastIndexOf('.'))] || 'application/octet-stream';
    return route.fulfill({ status: 200, contentType: type, body: readFileSync(path) });
  });
}
