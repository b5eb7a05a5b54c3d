// npm run build: the wasm (cargo → wasm-bindgen → wasm-opt -Oz), then the two JS entries bundled by esbuild,
// and the .d.ts types, into dist/. Skips the cargo and wasm-bindgen steps' work when nothing changed (cargo and
// the mtime check below), so a second run costs a second or two.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
const log = (msg) => console.error(`[build] ${msg}`);

export async function build({ quiet = false } = {}) {
  const stdio = quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit';
  mkdirSync(join(root, 'dist'), { recursive: true });

  // The shipped wasm is built with a standard library compiled for size, as nightly's flags allow (unlocked on this
  // stable toolchain by RUSTC_BOOTSTRAP, as fuzz/ does; needs the rust-src component, which scripts/setup.sh adds):
  // - panic=immediate-abort: a panic is the same `RuntimeError: unreachable` trap as with the std handler under
  //   `panic = "abort"` (which printed nowhere on wasm32-unknown-unknown), minus the handler and all of core::fmt;
  // - optimize_for_size: std's size-over-speed code paths; location-detail=none and fmt-debug=none: no file
  //   names for panic locations and no Debug text, neither of which could ever be shown.
  // Its own target dir, so these flags never invalidate the ordinary builds that clippy and the tests use.
  log('cargo build --target wasm32-unknown-unknown --release (-Z build-std, size-optimised std)');
  run('cargo', [
    'build', '--quiet', '-p', 'cxbridge', '--lib', '--target', 'wasm32-unknown-unknown', '--release',
    '--target-dir', 'target/dist', '-Z', 'build-std=std,panic_abort', '-Z', 'build-std-features=optimize_for_size',
  ], {
    stdio,
    env: {
      ...process.env,
      RUSTC_BOOTSTRAP: '1',
      RUSTFLAGS: '-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none -Csymbol-mangling-version=legacy',
    },
  });
  const raw = join(root, 'target/dist/wasm32-unknown-unknown/release/cxbridge.wasm');
  const pkg = join(root, 'build/pkg');
  const bindgenOut = join(pkg, 'cxbridge_bg.wasm');
  if (!existsSync(bindgenOut) || statSync(raw).mtimeMs > statSync(bindgenOut).mtimeMs) {
    log('wasm-bindgen --target web');
    run('wasm-bindgen', ['--target', 'web', '--out-dir', pkg, raw], { stdio });
    log('wasm-opt -Oz');
    run(join(root, 'node_modules/.bin/wasm-opt'), [
      // --low-memory-unused: Rust puts the stack first (1 MB) and never uses addresses below 1 KB, so binaryen may
      // fold constant offsets into loads and stores (about 1 KB gzip). --converge: repeat until nothing shrinks.
      '-Oz', '--low-memory-unused', '--converge', '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext',
      '--enable-mutable-globals', '--enable-reference-types', '--enable-multivalue',
      '--strip-debug', '--strip-producers', bindgenOut, '-o', join(root, 'dist/cxbridge_bg.wasm'),
    ], { stdio });
  }

  const esbuild = await import('esbuild');
  // Rust imports JS helpers from js/ (`#[wasm_bindgen(module = "/js/…")]`); wasm-bindgen copies them under
  // snippets/. Resolve those copies back to js/ so the loader and the wasm share one copy of each class.
  const snippets = {
    name: 'snippets',
    setup(b) {
      b.onResolve({ filter: /snippets\/[^/]+\/js\// }, (args) => ({
        path: join(root, 'js', args.path.replace(/^.*snippets\/[^/]+\/js\//, '')),
      }));
    },
  };
  // wasm-bindgen's glue imports a snippet once per extern block and lists each in the import object under the same
// key; the duplicates name the same module, so esbuild's warning about them is noise.
  const common = {
    bundle: true, minify: true, target: 'es2020', logLevel: 'warning', plugins: [snippets], absWorkingDir: root,
    logOverride: { 'duplicate-object-key': 'silent' },
  };
  log('esbuild dist/cxbridge.js (classic script) and dist/cxbridge.mjs (ESM)');
  await esbuild.build({ ...common, entryPoints: ['js/script.js'], outfile: 'dist/cxbridge.js', format: 'iife',
    define: { 'import.meta.url': 'undefined' } });
  await esbuild.build({ ...common, entryPoints: ['js/index.mjs'], outfile: 'dist/cxbridge.mjs', format: 'esm' });
  for (const f of readdirSync(join(root, 'js')).filter((f) => f.endsWith('.d.ts'))) {
    copyFileSync(join(root, 'js', f), join(root, 'dist', f));
  }
  log('dist/ ready');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  build().catch((err) => {
    console.error(err.message || err);
    process.exit(1);
  });
}
