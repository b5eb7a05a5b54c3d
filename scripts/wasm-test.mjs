// Runs the wasm-bindgen browser tests (tests/web_*.rs) in Chromium through playwright-core instead of ChromeDriver.
//
// Why: with `cargo test`'s stock runner a test page sometimes never loaded ("Timed out receiving message from
// renderer", then "Failed to detect test as having been run"), on an idle machine too. Measured here, it is not
// ChromeDriver alone: the page served by wasm-bindgen-test-runner's own HTTP server (rouille on tiny_http) left one
// of its five parallel module requests unanswered in 2 to 5 loads out of 6 under playwright-core as well, and
// not once in over 60 loads when node served the same files.
//
// How: the runner still does what only it knows: wasm-bindgen over the test binary, the list of tests (with any
// filter) in run.js, and the test page. Started with NO_HEADLESS=1 and WASM_BINDGEN_KEEP_TEST_BUILD it
// writes those, prints where, and serves the page; we fetch the page once, stop it, serve its files from node
// (serve) and open the page in one browser shared by every file. We stream its #output element (where
// wasm-bindgen-test writes the lines it prints in a terminal) until the final "test result:" line and judge the
// file by it: a failed test, an error thrown on the page, or no result in time fails the file, with the page
// output (and, when there is no result, the console) shown. A page that printed no line of test output and
// reported no error (the browser, not our code, failed) is retried with a fresh browser, loudly, at most four
// times.
//
//   node scripts/wasm-test.mjs [NAME...]     compile tests/web_*.rs (or the NAMEs) and run each in one browser
//   node scripts/wasm-test.mjs FILE.wasm ... as a cargo runner (.cargo/config.toml): run one compiled test file;
//                                             further arguments (a filter, --nocapture) go to the runner
//
// Environment: CHROMIUM (default /usr/bin/chromium); WASM_TEST_TIMEOUT seconds a file may run (default 300).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from '../tests/e2e/harness.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FILE_TIMEOUT_MS = Number(process.env.WASM_TEST_TIMEOUT || 300) * 1000;
// Loading the page and instantiating a debug test binary takes a second or two; a page with no test output after
// this long is stalled.
const FIRST_OUTPUT_MS = 60_000;
const RUNNER_START_MS = 180_000; // wasm-bindgen over a debug binary, on a machine shared with builds
const MAX_RETRIES = 4;

const children = new Set();
const killAll = () => {
  for (const c of children) c.kill('SIGKILL');
};
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}

/** Compiles the test files with cargo (its diagnostics printed as usual) and resolves to [{ name, wasm }]. */
function compile(names) {
  const args = ['test', '-p', 'cxbridge', '--no-run', '--target', 'wasm32-unknown-unknown'];
  for (const n of names) args.push('--test', n);
  // Diagnostics as cargo would print them: in colour only on a terminal.
  args.push(process.stderr.isTTY ? '--message-format=json-diagnostic-rendered-ansi' : '--message-format=json');
  console.log(`=== cargo ${args.join(' ')}`);
  return new Promise((resolveCompile) => {
    const child = spawn('cargo', args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    children.add(child);
    const found = [];
    let buf = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let msg;
        try {
          msg = JSON.parse(line);
        } catch {
          process.stdout.write(`${line}\n`);
          continue;
        }
        if (msg.reason === 'compiler-message' && msg.message?.rendered) process.stderr.write(msg.message.rendered);
        if (msg.reason === 'compiler-artifact' && msg.executable && msg.profile?.test) {
          found.push({ name: msg.target.name, wasm: msg.executable });
        }
      }
    });
    child.on('close', (code) => {
      children.delete(child);
      resolveCompile(code === 0 ? found.sort((a, b) => a.name.localeCompare(b.name)) : null);
    });
  });
}

/**
 * Has wasm-bindgen-test-runner prepare a test file: bindgen over it into a kept directory, the test list in
 * run.js and the test page. Resolves to { dir, index } (index: the page's HTML, fetched once from the runner),
 * or { skipped: output } when the runner has nothing to run, and stops the runner either way. Rejects with its
 * output if it fails (a bindgen error is a real failure).
 */
function prepare(wasm, extraArgs) {
  return new Promise((resolvePrep, rejectPrep) => {
    const child = spawn('wasm-bindgen-test-runner', [wasm, ...extraArgs], {
      cwd: root,
      env: {
        ...process.env,
        NO_HEADLESS: '1',
        WASM_BINDGEN_TEST_ADDRESS: '127.0.0.1:0',
        WASM_BINDGEN_KEEP_TEST_BUILD: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let out = '';
    let settled = false;
    const exited = new Promise((r) => child.once('close', r));
    const stop = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return exited;
    };
    const finish = (fn) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stop().then(fn);
    };
    const timer = setTimeout(
      () => finish(() => rejectPrep(new Error(`no test page from the runner in ${RUNNER_START_MS / 1000} s\n${out}`))),
      RUNNER_START_MS,
    );
    const onData = (chunk) => {
      out += chunk;
      if (settled) return;
      const dir = out.match(/Retaining temporary build output folder: (.+)/)?.[1]?.trim();
      const served = out.match(/available at (http:\/\/127\.0\.0\.1:\d+)/)?.[1];
      if (dir && served) {
        settled = true;
        clearTimeout(timer);
        fetchIndex(served).then(
          (index) => stop().then(() => resolvePrep({ dir, index })),
          (err) =>
            stop().then(() => {
              rmSync(dir, { recursive: true, force: true });
              rejectPrep(new Error(`the runner's test page: ${err.message}\n${out}`));
            }),
        );
      }
    };
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, signal) => {
      children.delete(child);
      const dir = out.match(/Retaining temporary build output folder: (.+)/)?.[1]?.trim();
      if (dir && !settled) rmSync(dir, { recursive: true, force: true });
      if (code === 0 && /no tests to run!|skipping/.test(out)) finish(() => resolvePrep({ skipped: out }));
      else {
        const why = `wasm-bindgen-test-runner exited (${signal || code}) before serving the test page`;
        finish(() => rejectPrep(new Error(`${why}\n${out}`)));
      }
    });
  });
}

/** The runner's page, in one request: its server is what stalls when the browser loads the page (see serve). */
async function fetchIndex(base) {
  let last;
  for (let i = 0; i < 5; i++) {
    try {
      const res = await fetch(`${base}/`, { signal: AbortSignal.timeout(10_000) });
      if (res.ok) return await res.text();
      last = new Error(`HTTP ${res.status}`);
    } catch (err) {
      last = err;
    }
  }
  throw last;
}

const TYPES = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.html': 'text/html',
  '.json': 'application/json',
  '.map': 'application/json',
  '.css': 'text/css',
};

/**
 * Serves a prepared test file as the runner would (its page at /, then the bindgen output, then the repository
 * for relative JS imports; extension-less imports get .js; origin-isolated) but from node. The runner's own
 * server (rouille on tiny_http) leaves one of the page's five parallel module requests unanswered now and then
 * (7 page loads in 12 here), so the page never loads: that, not ChromeDriver, is the "renderer" stall. The same
 * five requests from curl, each on a new connection, were all answered (50 of 50): Chromium's reuse of a
 * kept-alive connection is the likely trigger; not pinned further.
 */
function serve(dir, index) {
  const server = createServer((req, res) => {
    const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      path = '';
    }
    if (path === '/favicon.ico') {
      res.writeHead(204, headers);
      res.end();
      return;
    }
    if (path === '/') {
      res.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8' });
      res.end(index);
      return;
    }
    for (const base of [dir, root]) {
      for (const p of [path, /\.[^/]*$/.test(path) ? null : `${path}.js`]) {
        if (!p) continue;
        const file = resolve(base, `.${p}`);
        if (!file.startsWith(`${base}/`)) continue;
        let body;
        try {
          body = readFileSync(file);
        } catch {
          continue;
        }
        res.writeHead(200, { ...headers, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
        res.end(body);
        return;
      }
    }
    res.writeHead(404, headers);
    res.end('not found');
  });
  return new Promise((r) =>
    server.listen(0, '127.0.0.1', () =>
      r({
        url: `http://127.0.0.1:${server.address().port}`,
        stop: () => {
          server.closeAllConnections?.();
          return new Promise((done) => server.close(() => done()));
        },
      }),
    ),
  );
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Whether the page printed its first line of test output: the tests started, so a stall is not the browser's. */
const ran = (output) => /^running \d+ tests?$/m.test(output);

/**
 * Opens the test page and follows its output. Resolves to { verdict, output, problems } where verdict is
 * 'ok', 'failed' or 'never-ran' (no line of test output and nothing the page itself complained about).
 */
async function runPage(context, url) {
  const page = await context.newPage();
  const problems = [];
  const consoleLines = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.stack || err.message}`));
  page.on('crash', () => problems.push('the page crashed'));
  page.on('console', (msg) => consoleLines.push(`[console.${msg.type()}] ${msg.text()}`));
  let output = '';
  let printed = 0;
  const print = () => {
    // Each line as it appears, as the headless runner streams it (the page rewrites the whole element).
    if (output.length > printed && output.startsWith(output.slice(0, printed))) {
      process.stdout.write(output.slice(printed));
      printed = output.length;
    }
  };
  const started = Date.now();
  let verdict = null;
  try {
    await page.goto(url, { timeout: FIRST_OUTPUT_MS, waitUntil: 'load' });
    for (;;) {
      output = (await page.textContent('#output', { timeout: FIRST_OUTPUT_MS })) ?? '';
      const testing = ran(output);
      if (testing) print();
      if (output.includes('test result: ')) {
        await sleep(100); // an error thrown by the last test's leftovers (a timer, a rejection) lands here
        verdict = /test result: ok\./.test(output) && problems.length === 0 ? 'ok' : 'failed';
        break;
      }
      const elapsed = Date.now() - started;
      if (!testing && elapsed > FIRST_OUTPUT_MS) break;
      if (elapsed > FILE_TIMEOUT_MS) {
        problems.push(`no "test result:" line within ${FILE_TIMEOUT_MS / 1000} s (a test that never finishes?)`);
        verdict = 'failed';
        break;
      }
      await sleep(100);
    }
  } catch (err) {
    problems.push(`browser: ${err.message.split('\n')[0]}`);
    output = (await page.textContent('#output', { timeout: 2000 }).catch(() => null)) ?? output;
  }
  if (verdict === null) {
    verdict = ran(output) || problems.some((p) => p.startsWith('page error')) ? 'failed' : 'never-ran';
  }
  if (ran(output)) print();
  await page.close().catch(() => {});
  return { verdict, output, problems, consoleLines };
}

async function runFile(state, { name, wasm }, extraArgs) {
  console.log(`\n=== wasm tests: ${name} (Chromium via playwright-core)`);
  for (let attempt = 0; ; attempt++) {
    let prepared;
    try {
      prepared = await prepare(wasm, extraArgs);
    } catch (err) {
      console.log(err.message);
      console.log(`=== wasm tests: ${name}: FAILED (wasm-bindgen-test-runner failed)`);
      return false;
    }
    if (prepared.skipped) {
      process.stdout.write(prepared.skipped.replace(/^Retaining temporary build output folder: .*\n/m, ""));
      return true;
    }
    const server = await serve(prepared.dir, prepared.index);
    let result;
    try {
      if (!state.context) state.context = await launchBrowser();
      result = await runPage(state.context, `${server.url}/`);
    } catch (err) {
      result = { verdict: 'never-ran', output: '', problems: [`browser: ${err.message}`], consoleLines: [] };
    }
    await server.stop();
    rmSync(prepared.dir, { recursive: true, force: true });
    if (result.verdict === 'ok') {
      console.log(`=== wasm tests: ${name}: ok`);
      return true;
    }
    if (result.verdict === 'never-ran' && attempt < MAX_RETRIES) {
      console.log(
        `\n!!! wasm tests: ${name}: THE BROWSER NEVER RAN THE TESTS (no line of test output; ` +
          `page shows ${JSON.stringify(result.output.slice(0, 80))}` +
          `${result.problems.length ? `; ${result.problems.join('; ')}` : ''}). ` +
          `No test failed; running it again with a fresh browser (${attempt + 1} of ${MAX_RETRIES}).\n`,
      );
      // A stalled renderer may be the browser's state: start the next try from a new one.
      await state.context?.close().catch(() => {});
      state.context = null;
      continue;
    }
    if (!ran(result.output)) console.log(result.output);
    for (const p of result.problems) console.log(`!!! ${p}`);
    // When the page printed its result, each failed test's console output is already in it.
    if (result.consoleLines.length && !result.output.includes('test result: ')) {
      console.log('console output:');
      for (const l of result.consoleLines) console.log(`    ${l}`);
    }
    const why =
      result.verdict === 'never-ran' ? `the browser never ran the tests in ${MAX_RETRIES + 1} tries` : 'see above';
    console.log(`=== wasm tests: ${name}: FAILED (${why})`);
    return false;
  }
}

async function main() {
  const args = process.argv.slice(2);
  const state = { context: null };
  let ok;
  try {
    if (args[0]?.endsWith('.wasm')) {
      // cargo runner mode: cargo has compiled the file and passes its path, then the test binary's arguments.
      const wasm = resolve(args[0]);
      const name = wasm.replace(/^.*\//, '').replace(/-[0-9a-f]+\.wasm$/, '');
      ok = await runFile(state, { name, wasm }, args.slice(1));
    } else {
      const names = args.length
        ? args
        : readdirSync(join(root, 'tests'))
            .filter((f) => f.startsWith('web_') && f.endsWith('.rs'))
            .map((f) => f.replace(/\.rs$/, ''))
            .sort();
      const files = await compile(names);
      if (!files) {
        console.log('=== wasm tests: the test files did not compile');
        return 1;
      }
      const results = [];
      for (const file of files) results.push([file.name, await runFile(state, file, [])]);
      const failedFiles = results.filter(([, r]) => !r).map(([n]) => n);
      console.log(
        `\n=== wasm tests: ${results.length - failedFiles.length} of ${results.length} files ok` +
          (failedFiles.length ? `; FAILED: ${failedFiles.join(', ')}` : ''),
      );
      ok = failedFiles.length === 0;
    }
  } finally {
    await state.context?.close().catch(() => {});
  }
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
