// npm test: installs what a fresh machine lacks, then runs every layer in order and ends with one summary line.
//   1 cargo fmt --check, eslint over all of the repository's own JS (`eslint .`; eslint.config.js says which globals
//     each part has and what is generated)   2 clippy (native + wasm32; unwrap/expect/panic/indexing denied in library code)
//   3 native cargo test, and the JS helpers' node --test units   4 wasm-bindgen-test in headless Chromium (scripts/wasm-test.mjs)
//   5 build dist/ and check its size budget
//   5b the .d.ts compiled by tsc against a consumer file
//   6 end-to-end specs (tests/e2e/*.spec.mjs) in Chromium against the emulator serving dist/
// `npm test -- --only=native,wasm,e2e` runs a subset (setup always runs). Exits non-zero on any failure.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const started = Date.now();
const onlyArg = process.argv.find((a) => a.startsWith('--only='));
const only = onlyArg ? new Set(onlyArg.slice(7).split(',')) : null;
// `--e2e=ac --e2e=bus` or `--e2e=ac,bus`: specs whose file name contains any of the names.
const e2eFilters = process.argv.filter((a) => a.startsWith('--e2e=')).flatMap((a) => a.slice(6).split(',')).filter(Boolean);

let passed = 0;
let failed = 0;
const failures = [];

function run(cmd, args, env = {}) {
  return new Promise((resolveRun) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const tee = (stream) => (chunk) => {
      out += chunk;
      stream.write(chunk);
    };
    child.stdout.on('data', tee(process.stdout));
    child.stderr.on('data', tee(process.stderr));
    child.on('close', (code) => resolveRun({ code, out }));
  });
}

// Counts what the runners themselves report, so the summary is a count of tests, not of steps.
function count(out) {
  let p = 0;
  let f = 0;
  for (const m of out.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
    p += Number(m[1]);
    f += Number(m[2]);
  }
  for (const m of out.matchAll(/^# pass (\d+)$/gm)) p += Number(m[1]);
  for (const m of out.matchAll(/^# fail (\d+)$/gm)) f += Number(m[1]);
  return { p, f };
}

async function step(name, cmd, args, env) {
  console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`);
  const t = Date.now();
  const { code, out } = await run(cmd, args, env);
  const { p, f } = count(out);
  passed += p;
  failed += f;
  const ok = code === 0;
  if (!ok) {
    failures.push(name);
    if (f === 0) failed += 1; // a step that failed without a test to blame (fmt, clippy, a build) counts once
  } else if (p === 0 && f === 0) {
    passed += 1; // a check with no test count of its own (fmt, clippy, size) counts as one
  }
  console.log(`=== ${name}: ${ok ? 'ok' : `FAILED (exit ${code})`} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  return ok;
}

const want = (layer) => !only || only.has(layer);

async function main() {
  if (!(await step('setup', 'bash', ['scripts/setup.sh', '--browser']))) return;
  if (want('lint')) {
    await step('fmt', 'cargo', ['fmt', '--all', '--check']);
    await step('eslint (all JS)', 'node', ['node_modules/eslint/bin/eslint.js', '.']);
    await step('clippy (native)', 'cargo', ['clippy', '--workspace', '--all-targets', '--quiet', '--', '-D', 'warnings']);
    await step('clippy (wasm32)', 'cargo', [
      'clippy', '-p', 'cxbridge', '--lib', '--target', 'wasm32-unknown-unknown', '--quiet', '--', '-D', 'warnings',
    ]);
    // As dist/ is built: without the default `webmessaging` feature, whose shell code is cfg-gated.
    await step('clippy (wasm32, shipped features)', 'cargo', [
      'clippy', '-p', 'cxbridge', '--lib', '--target', 'wasm32-unknown-unknown', '--no-default-features', '--quiet',
      '--', '-D', 'warnings',
    ]);
    await step('clippy (wasm32 tests)', 'cargo', [
      'clippy', '-p', 'cxbridge', '--tests', '--target', 'wasm32-unknown-unknown', '--quiet', '--', '-D', 'warnings',
    ]);
  }
  if (want('native')) {
    await step('native tests', 'cargo', ['test', '--workspace']);
    // The JS helpers' own unit tests (tests/js/*.test.mjs), in node.
    await step('JS unit tests (node --test)', 'node', ['--test', 'tests/js/']);
  }
  if (want('wasm')) {
    // cargo compiles the test files (its errors shown as usual); each runs in Chromium through playwright-core,
    // one browser for the layer and a page per file (scripts/wasm-test.mjs says why not ChromeDriver).
    await step('wasm tests (Chromium via playwright-core)', 'node', ['scripts/wasm-test.mjs']);
  }
  if (want('e2e') || want('size')) {
    if (!(await step('build dist/', 'node', ['scripts/build.mjs']))) return;
    await step('size budget', 'node', ['scripts/size.mjs', '--check']);
    // The npm package's .d.ts, compiled as a TypeScript user's code would be (tests/types/consumer.ts).
    await step('types (tsc)', 'node', ['node_modules/typescript/bin/tsc', '-p', 'tests/types']);
  }
  if (want('e2e')) {
    if (!(await step('build emulator', 'cargo', ['build', '--quiet', '-p', 'cxbridge-emulator']))) return;
    const specs = readdirSync(join(root, 'tests/e2e'))
      .filter((f) => f.endsWith('.spec.mjs') && (!e2eFilters.length || e2eFilters.some((n) => f.includes(n))))
      .sort()
      .map((f) => join('tests/e2e', f));
    await step('end-to-end (Chromium + emulator)', 'node', ['--test', '--test-concurrency=1', ...specs]);
  }
}

main()
  .catch((err) => {
    failed += 1;
    failures.push(String(err && err.stack ? err.stack : err));
  })
  .finally(() => {
    const secs = ((Date.now() - started) / 1000).toFixed(0);
    if (failures.length) console.log(`\nfailed steps: ${failures.join(', ')}`);
    console.log(`\n(npm test took ${secs} s)`);
    console.log(`summary: ${passed} passed, ${failed} failed`);
    process.exit(failed || failures.length ? 1 : 0);
  });
