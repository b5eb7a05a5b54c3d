// npm run build: the wasm (cargo → wasm-bindgen → wasm-opt -Oz), then the two JS entries bundled by esbuild,
// and the .d.ts types, into dist/. Skips the cargo and wasm-bindgen steps' work when nothing changed (cargo and
// the mtime check below), so a second run costs a second or two.
// `build({ bench: true })` (npm run bench) builds a copy into build/bench/ instead, with the `bench` cargo feature
// and benches/hook.js's `cxbridge.__bench`: the bench's diagnostics never ship in dist/. Its own target and output
// directories, so the two builds never invalidate each other.
// `build({ messaging: true })` builds a copy into build/messaging/ with the `webmessaging` cargo feature (WebChatService
// over Web Messaging, docs/webchat.md), which the shipped wasm has no room for yet: the end-to-end specs that need it
// load it in place of dist/ (tests/e2e/harness.mjs `useBuild`), and `npm start -- --messaging` serves it. Its own
// target and output directories too.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
const log = (msg) => console.error(`[build] ${msg}`);

export async function build({ quiet = false, bench = false, messaging = false } = {}) {
  const stdio = quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit';
  // The build's name: its output directory under build/, its target dir, its glue's directory.
  const copy = bench ? 'bench' : messaging ? 'messaging' : null;
  const out = copy ? `build/${copy}` : 'dist';
  const targetDir = copy ? `target/${copy}` : 'target/dist';
  const features = [...(bench ? ['bench'] : []), ...(messaging ? ['webmessaging'] : [])];
  mkdirSync(join(root, out), { recursive: true });

  // The shipped wasm is built with a standard library compiled for size, as nightly's flags allow (unlocked on this
  // stable toolchain by RUSTC_BOOTSTRAP, as fuzz/ does; needs the rust-src component, which scripts/setup.sh adds):
  // - panic=immediate-abort: a panic is the same `RuntimeError: unreachable` trap as with the std handler under
  //   `panic = "abort"` (which printed nowhere on wasm32-unknown-unknown), minus the handler and all of core::fmt;
  // - optimize_for_size: std's size-over-speed code paths; location-detail=none and fmt-debug=none: no file
  //   names for panic locations and no Debug text, neither of which could ever be shown;
  // - legacy symbol mangling: under RUSTC_BOOTSTRAP rustc takes the v0 scheme, whose longer closure names
  //   wasm-bindgen turns into export names (before they are shortened below);
  // - -inline-threshold=0: LLVM inlines less (calls whose inlining costs nothing, and a function's last call site,
  //   still are): fewer copies of the same code, which compresses better (0.3 KB gzip less).
  // Its own target dir, so these flags never invalidate the ordinary builds that clippy and the tests use.
  log(`cargo build --target wasm32-unknown-unknown --release (-Z build-std, size-optimised std)${features.length ? ` --features ${features}` : ''}`);
  run('cargo', [
    'build', '--quiet', '-p', 'cxbridge', '--lib', '--target', 'wasm32-unknown-unknown', '--release',
    // Without the default `webmessaging` feature unless asked (the messaging build): dist/ has no room for it.
    '--no-default-features', ...(features.length ? ['--features', features.join(',')] : []),
    '--target-dir', targetDir, '-Z', 'build-std=std,panic_abort', '-Z', 'build-std-features=optimize_for_size',
  ], {
    stdio,
    env: {
      ...process.env,
      RUSTC_BOOTSTRAP: '1',
      RUSTFLAGS: '-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none -Csymbol-mangling-version=legacy -Cllvm-args=-inline-threshold=0',
    },
  });
  const raw = join(root, targetDir, 'wasm32-unknown-unknown/release/cxbridge.wasm');
  const pkg = join(root, copy ? `build/${copy}-pkg` : 'build/pkg');
  const bindgenOut = join(pkg, 'cxbridge_bg.wasm');
  // dist's wasm is written last (after the glue's names are shortened): if it is older than cargo's output, any
  // step may have failed half-way, so all of them run again.
  const shipped = join(root, out, 'cxbridge_bg.wasm');
  const optimized = join(pkg, 'cxbridge_opt.wasm');
  if (!existsSync(shipped) || !existsSync(join(pkg, 'cxbridge.js')) || statSync(raw).mtimeMs > statSync(shipped).mtimeMs) {
    log('wasm-bindgen --target web');
    // No default wasm URL in the glue: js/script.js and js/index.mjs always say where the wasm is. --encode-into
    // always: every browser the bundle supports has TextEncoder#encodeInto, so the glue carries no fallback.
    run('wasm-bindgen', ['--target', 'web', '--omit-default-module-path', '--encode-into', 'always', '--out-dir', pkg, raw], { stdio });
    log('wasm-opt -Oz');
    run(join(root, 'node_modules/.bin/wasm-opt'), [
      // --low-memory-unused: Rust puts the stack first (1 MB) and never uses addresses below 1 KB, so binaryen may
      // fold constant offsets into loads and stores (about 1 KB gzip). --converge: repeat until nothing shrinks.
      // --one-caller-inline-max-function-size: -Oz inlines every function with one caller, however large, which
      // makes fewer but bigger bodies (the exports' shims swallowed whole call trees) that gzip compresses worse:
      // limiting that to small functions is 3.2 KB gzip less (any limit from 15 to 30 measures within 100 B).
      // --always-inline-max-function-size=4 (2 by default): a call costs about as much as a body that small, and
      // inlining it everywhere is 0.1 KB gzip less.
      // --ignore-implicit-traps: binaryen may drop or move a load, store or division whose only effect would be a
      // trap. Safe Rust never makes one trap (bounds and divisors are checked before, and a failed check is an
      // explicit `unreachable`, which stays): 0.1 KB gzip less.
      // --flatten --rereloop between -Oz runs: the control flow flattened and rebuilt by binaryen's relooper, which
      // -Oz then shrinks further (twice: 0.4 KB gzip less in all).
      '-Oz', '--flatten', '--rereloop', '-Oz', '--flatten', '--rereloop', '-Oz',
      '--one-caller-inline-max-function-size=20', '--always-inline-max-function-size=4',
      '--ignore-implicit-traps', '--low-memory-unused', '--converge',
      '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext',
      '--enable-mutable-globals', '--enable-reference-types', '--enable-multivalue',
      // Functions in the order of their (mangled) names, before the names are stripped: a module's functions and a
      // generic's instances end up side by side, where gzip's window finds what they share (0.2 KB gzip less).
      '--reorder-functions-by-name',
      // --strip-target-features: the features list is a custom section no browser reads. CXBRIDGE_WASM_NAMES=1
      // keeps the bench build's function names, for a profile (benches/README.md).
      ...(bench && process.env.CXBRIDGE_WASM_NAMES ? ['-g'] : ['--strip-debug']), '--strip-producers', '--strip-target-features',
      // Into build/, not dist/: dist's wasm must only appear once every step has succeeded (the check above).
      bindgenOut, '-o', optimized,
    ], { stdio });
    log('short import and export names (wasm and glue)');
    const glue = join(pkg, 'cxbridge.js');
    const min = minifyNames(readFileSync(optimized), readFileSync(glue, 'utf8'));
    writeFileSync(glue, min.glue);
    writeFileSync(shipped, min.wasm);
  }

  const esbuild = await import('esbuild');
  // Rust imports JS helpers from js/ (`#[wasm_bindgen(module = "/js/…")]`); wasm-bindgen copies them under
  // snippets/. Resolve those copies back to js/ so the loader and the wasm share one copy of each class.
  const snippets = {
    name: 'snippets',
    setup(b) {
      // js/script.js imports build/pkg's glue; the bench (messaging) build's is in build/bench-pkg (messaging-pkg).
      if (copy) b.onResolve({ filter: /build\/pkg\/cxbridge\.js$/ }, () => ({ path: join(pkg, 'cxbridge.js') }));
      b.onResolve({ filter: /snippets\/[^/]+\/js\// }, (args) => ({
        path: join(root, 'js', args.path.replace(/^.*snippets\/[^/]+\/js\//, '')),
      }));
    },
  };
  // wasm-bindgen's glue imports a snippet once per extern block and lists each in the import object under the same
// key; the duplicates name the same module, so esbuild's warning about them is noise.
  const common = {
    bundle: true, minify: true, target: 'es2020', logLevel: 'warning', plugins: [snippets], absWorkingDir: root,
    // wasm-bindgen's own property names on the classes it wraps (the Rust pointer; nothing outside the glue reads
    // them): mangled like local names.
    mangleProps: /^(__wbg_ptr|__destroy_into_raw|__wrap)$/,
    logOverride: { 'duplicate-object-key': 'silent' },
    define: { CXBRIDGE_BENCH: String(bench), CXBRIDGE_VERSION: JSON.stringify(version()) },
  };
  log(`esbuild + terser ${out}/cxbridge.js (classic script)${copy ? '' : ' and dist/cxbridge.mjs (ESM)'}`);
  await esbuild.build({ ...common, entryPoints: ['js/script.js'], outfile: `${out}/cxbridge.js`, format: 'iife',
    define: { ...common.define, 'import.meta.url': 'undefined' } });
  await terse(join(root, out, 'cxbridge.js'), false);
  if (copy) {
    log(`${out}/ ready (the ${copy} build)`);
    return;
  }
  await esbuild.build({ ...common, entryPoints: ['js/index.mjs'], outfile: 'dist/cxbridge.mjs', format: 'esm' });
  await terse(join(root, 'dist/cxbridge.mjs'), true);
  for (const f of readdirSync(join(root, 'js')).filter((f) => f.endsWith('.d.ts'))) {
    copyFileSync(join(root, 'js', f), join(root, 'dist', f));
  }
  log('dist/ ready');
}

/**
 * terser over esbuild's output, in place. esbuild bundles and minifies; terser's names (chosen by how often each is
 * used) and its second compression pass leave text that gzip compresses about 0.5 KB smaller (docs/performance.md).
 * Only its safe transforms: no `unsafe*` or `pure_getters`, which assume that reading a property runs no page code.
 */
async function terse(file, module) {
  const { minify } = await import('terser');
  const { code } = await minify(readFileSync(file, 'utf8'), {
    ecma: 2020, module,
    // hoist_funs, sequences: false: text that gzip compresses ~60 B better (docs/performance.md).
    compress: { passes: 2, hoist_funs: true, sequences: false },
  });
  writeFileSync(file, code);
}

/**
 * The version the loader reports (`cxbridge.version`): package.json's. Cargo.toml names the same package, so the
 * build fails when the two disagree rather than ship a bundle whose wasm and loader claim different versions.
 */
function version() {
  const npm = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
  const cargo = /^version\s*=\s*"([^"]+)"/m.exec(readFileSync(join(root, 'Cargo.toml'), 'utf8'));
  if (!cargo || cargo[1] !== npm) throw new Error(`package.json's version ${npm} is not Cargo.toml's ${cargo && cargo[1]}`);
  return npm;
}

/**
 * wasm-bindgen names every import `__wbg_<name>_<16 hex digits>` and every closure shim
 * `wasm_bindgen__convert__closures_____invoke__h<16 hex digits>`; each name is written twice, in the wasm's import or
 * export section and in the glue, and the hashes do not compress: about 8 KB of names, 3.3 KB of gzip in the wasm
 * alone. This renames them to `a`, `b`, … in both, and the import modules to `0`, `1`, …: the wasm-bindgen
 * import object's keys (`"./cxbridge_bg.js"`, the snippet paths) and the glue's `wasm.<export>` reads. Snippet
 * modules keep their field names (they are the snippets' own exports), and `memory` keeps its name (js/script.js
 * reads it). Every name renamed must have been found in the glue, and none may be left: otherwise the build fails
 * rather than ship a module whose imports do not resolve.
 */
export function minifyNames(wasm, glue) {
  const td = new TextDecoder();
  const te = new TextEncoder();
  const leb = (b, i) => {
    let r = 0;
    let shift = 0;
    let c;
    do {
      c = b[i++];
      r |= (c & 0x7f) << shift;
      shift += 7;
    } while (c & 0x80);
    return [r >>> 0, i];
  };
  const uleb = (n) => {
    const o = [];
    do {
      let c = n & 0x7f;
      n >>>= 7;
      if (n) c |= 0x80;
      o.push(c);
    } while (n);
    return o;
  };
  const readName = (b, i) => {
    const [n, j] = leb(b, i);
    return [td.decode(b.subarray(j, j + n)), j + n];
  };
  const writeName = (s) => {
    const u = te.encode(s);
    return [...uleb(u.length), ...u];
  };
  // The end of an import's description (after its kind byte at `i`): func type, table, memory, global, tag.
  const skipImportDesc = (b, i) => {
    const kind = b[i];
    let j = i + 1;
    const limits = (k) => {
      const flags = b[k];
      let [, m] = leb(b, k + 1);
      if (flags & 1) [, m] = leb(b, m);
      return m;
    };
    if (kind === 0) [, j] = leb(b, j);
    else if (kind === 1) j = limits(j + 1);
    else if (kind === 2) j = limits(j);
    else if (kind === 3) j += 2;
    else if (kind === 4) [, j] = leb(b, j + 1);
    else throw new Error(`minifyNames: unknown import kind ${kind}`);
    return j;
  };
  const alpha = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const short = (i) => (i < 52 ? alpha[i] : alpha[Math.floor(i / 52) - 1] + alpha[i % 52]);
  const modules = new Map();
  const imports = new Map();
  const exports = new Map();
  const keep = new Set(['memory']);

  const parts = [wasm.subarray(0, 8)];
  let p = 8;
  while (p < wasm.length) {
    const id = wasm[p];
    const [size, start] = leb(wasm, p + 1);
    const end = start + size;
    if (id !== 2 && id !== 7) {
      parts.push(wasm.subarray(p, end));
      p = end;
      continue;
    }
    const body = wasm.subarray(start, end);
    let [count, i] = leb(body, 0);
    const out = [...uleb(count)];
    for (let k = 0; k < count; k++) {
      let field;
      if (id === 2) {
        let mod;
        [mod, i] = readName(body, i);
        [field, i] = readName(body, i);
        if (!modules.has(mod)) modules.set(mod, String(modules.size));
        if (mod === './cxbridge_bg.js' && !imports.has(field)) imports.set(field, short(imports.size));
        out.push(...writeName(modules.get(mod)), ...writeName(mod === './cxbridge_bg.js' ? imports.get(field) : field));
        const j = skipImportDesc(body, i);
        out.push(...body.subarray(i, j));
        i = j;
      } else {
        [field, i] = readName(body, i);
        if (!keep.has(field)) exports.set(field, short(exports.size));
        out.push(...writeName(exports.get(field) ?? field));
        const [, j] = leb(body, i + 1);
        out.push(...body.subarray(i, j));
        i = j;
      }
    }
    if (i !== body.length) throw new Error(`minifyNames: section ${id} not read to its end`);
    parts.push(Uint8Array.from([id, ...uleb(out.length), ...out]));
    p = end;
  }

  const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const replace = (re, to, what) => {
    if (!re.test(glue)) throw new Error(`minifyNames: the glue does not name ${what}`);
    glue = glue.replace(re, to);
  };
  for (const [from, to] of modules) replace(new RegExp(`^(\\s*)"${esc(from)}":`, 'gm'), `$1"${to}":`, `module ${from}`);
  for (const [from, to] of imports) replace(new RegExp(`^(\\s*)${esc(from)}:`, 'gm'), `$1${to}:`, `import ${from}`);
  // An export the glue never reads (wasm-bindgen's `__abort_handler`, `__instance_terminated`) is renamed all the same.
  for (const [from, to] of exports) glue = glue.replace(new RegExp(`\\bwasm\\.${esc(from)}\\b`, 'g'), `wasm.${to}`);
  for (const from of imports.keys()) if (glue.includes(from)) throw new Error(`minifyNames: the glue still names ${from}`);
  if (/\bwasm\[/.test(glue)) throw new Error('minifyNames: the glue reads an export by a computed name');

  const bytes = new Uint8Array(parts.reduce((n, b) => n + b.length, 0));
  let o = 0;
  for (const b of parts) {
    bytes.set(b, o);
    o += b.length;
  }
  new WebAssembly.Module(bytes); // throws if the rewrite broke the module
  return { wasm: bytes, glue };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  build({ bench: process.argv.includes('--bench'), messaging: process.argv.includes('--messaging') }).catch((err) => {
    console.error(err.message || err);
    process.exit(1);
  });
}
