// The npm package as an application installs and bundles it: `npm pack` of the built package, unpacked into an
// app's node_modules, bundled by Vite and by webpack (their Node APIs, production builds), served from an origin of
// its own, and run in Chromium against the emulator on another origin. The bundlers must find the package's wasm
// and its lazily loaded parts from the package's own `import.meta.url` references: the app names no URL. Plain ESM
// (the package imported by a browser without a bundler) is covered by foundation.spec.mjs and reliability-esm.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { assertNoTraps, emulatorAndBrowser, newPage, root } from './harness.mjs';

let emu;
let browser;
emulatorAndBrowser({}, (e, b) => ([emu, browser] = [e, b]));

// Outside the repository: inside it, `import 'cxbridge'` would resolve to the repository itself (a package may
// import itself by its own name), not to what `npm install` put in the app's node_modules.
const app = mkdtempSync(join(tmpdir(), 'cxbridge-app-'));
let server;
let origin;

before(async () => {
  mkdirSync(join(app, 'node_modules/cxbridge'), { recursive: true });
  cpSync(join(root, 'tests/bundlers/app'), app, { recursive: true });
  // What `npm install cxbridge` would put there: the packed tarball (package.json's `files`), unpacked.
  const packDir = mkdtempSync(join(tmpdir(), 'cxbridge-pack-'));
  const tgz = execFileSync('npm', ['pack', '--silent', '--pack-destination', packDir], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop();
  execFileSync('tar', ['-xzf', join(packDir, tgz), '-C', join(app, 'node_modules/cxbridge'), '--strip-components=1']);
  rmSync(packDir, { recursive: true, force: true });

  const vite = await import('vite');
  await vite.build({
    root: app, base: './', logLevel: 'warn', configFile: false,
    build: { outDir: join(app, 'out-vite'), emptyOutDir: true },
  });
  const { default: webpack } = await import('webpack');
  await new Promise((resolve, reject) =>
    webpack({
      mode: 'production', context: app, entry: './main.js',
      output: { path: join(app, 'out-webpack'), filename: 'main.js', clean: true },
      infrastructureLogging: { level: 'warn' },
    }, (err, stats) => {
      if (err) return reject(err);
      if (stats.hasErrors()) return reject(new Error(stats.toString('errors-only')));
      resolve();
    }));
  cpSync(join(app, 'index.html'), join(app, 'out-webpack/index.html'));

  server = createServer((req, res) => {
    // Browsers ask for it on every page; a 404 would show as a console error.
    if (req.url === '/favicon.ico') return res.writeHead(204).end();
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = join(app, path);
    if (!file.startsWith(app) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    const type = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' }[extname(file)];
    res.writeHead(200, { 'content-type': type || 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  // Another origin than the emulator's 127.0.0.1:<port>: the app calls the chat API across origins, as a real one does.
  origin = `http://localhost:${server.address().port}`;
});

after(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
  rmSync(app, { recursive: true, force: true });
});

for (const bundler of ['vite', 'webpack']) {
  test(`an app bundled by ${bundler} loads the package and runs a chat`, async () => {
    const page = await newPage(browser);
    const requested = [];
    page.on('request', (r) => requested.push(new URL(r.url()).pathname));
    await page.goto(`${origin}/out-${bundler}/index.html?api=${encodeURIComponent(emu.url)}`);
    const r = await page.evaluate(() => window.result);
    assert.equal(r.ok, true, r.error);
    assert.match(r.version, /^\d+\.\d+\.\d+/);
    assert.ok(r.received.some((m) => /^Agent:Hello Bundled/.test(m)), r.received.join(' | '));
    assert.ok(r.received.some((m) => /^Agent:You said: .*from a bundle/.test(m)), r.received.join(' | '));
    // The wasm came out of the bundle's own output, not from a path the app or the package guessed.
    const wasm = requested.filter((p) => p.endsWith('.wasm'));
    assert.ok(!requested.some((p) => p.includes('/@fs/') || p.includes('/dist/')), requested.join(', '));
    assert.ok(wasm.length >= 1 && wasm.every((p) => p.startsWith(`/out-${bundler}/`)), requested.join(', '));
    assertNoTraps(page);
    await page.close();
  });
}
