// ESLint for all of the repository's own JS; `npm test` runs `eslint .` with it. Each group below is one place the
// code runs, with that place's globals: the shipped loader (js/), pages in a browser, Node tools, and the Playwright
// drivers that are Node but hand callbacks to `page.evaluate`, which run in the page.
import js from '@eslint/js';
import globals from 'globals';

const readonly = (...names) => Object.fromEntries(names.map((n) => [n, 'readonly']));
const writable = (...names) => Object.fromEntries(names.map((n) => [n, 'writable']));

// What dist/cxbridge.js (the classic script) puts on a page: `ac` under the snippet's default name, `CXBus` and
// `_genesys.widgets.bus`, `Microsoft.CIFramework` where CIF's library is absent, and `cxbridge` itself. Pages and
// page.evaluate callbacks name them bare, as the vendors' own examples do.
const bundle = readonly('ac', 'CXBus', '_genesys', 'Microsoft', 'cxbridge');

// Generated, vendored or copied output: none of it is written here.
const generated = ['dist/', 'build/', 'target/', '**/pkg/', 'test-results/', 'fuzz/target/', 'fuzz/corpus/',
  'fuzz/artifacts/', 'fuzz/coverage/'];

export default [
  { ignores: generated },
  js.configs.recommended,
  {
    // A disable comment that no longer silences anything is removed, not left to mislead.
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      // `catch (_) {}` is how a helper says "a page's throw is answered by the fallback below".
      'no-empty': ['error', { allowEmptyCatch: true }],
      'no-unused-vars': ['error', { args: 'after-used', argsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },

  // ---- In a browser ----
  {
    // Modules: the shipped loader, the bench page's harness, the bundler test's app, the ESM test page's script.
    files: ['js/**/*.js', 'js/**/*.mjs', 'benches/bench.js', 'benches/hook.js', 'tests/bundlers/app/main.js',
      'tests/pages/reliability-esm.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // esbuild's defines (scripts/build.mjs): CXBRIDGE_BENCH is true only in the bench build; CXBRIDGE_VERSION is
    // package.json's version.
    files: ['js/script.js', 'js/loader.js'],
    languageOptions: { globals: readonly('CXBRIDGE_BENCH', 'CXBRIDGE_VERSION') },
  },
  {
    // The bench page loads the classic bundle beside its peers and drives its globals.
    files: ['benches/bench.js'],
    languageOptions: { globals: bundle },
  },
  {
    // Classic scripts (<script src>, no type=module) that pages load beside or after the bundle: the test pages'
    // helpers and fixtures (tests/pages/plugins/*.min.js is our own plugin under the vendor's file-name convention,
    // not minified output), the emulator's consoles, the demo.
    files: ['tests/pages/**/*.js', 'emulator/console/*.js', 'www/*.js'],
    ignores: ['tests/pages/reliability-esm.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser, ...bundle } },
  },
  {
    // The stand-in for CIF's library declares `var Microsoft` itself, as the real one does.
    files: ['tests/pages/cif-library.js'],
    languageOptions: { globals: { Microsoft: 'off' } },
  },

  // ---- In Node ----
  {
    files: ['eslint.config.js', 'scripts/**/*.mjs', 'benches/*.mjs', 'fuzz/*.mjs', 'tests/js/**/*.mjs',
      'tests/e2e/**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // Playwright drivers: Node, but the callbacks they pass to page.evaluate / waitForFunction run in the page and
    // name the browser's and the bundle's globals there.
    files: ['tests/e2e/**/*.mjs', 'benches/run.mjs', 'benches/frame.mjs', 'scripts/soak.mjs'],
    languageOptions: { globals: { ...globals.browser, ...bundle } },
  },
  {
    // Every page and browser of a spec comes from the harness (newPage(context), launchBrowser(),
    // emulatorAndBrowser()): it records each page's errors and traps, and fails the spec file on a page no test
    // checked with assertNoTraps.
    files: ['tests/e2e/**/*.spec.mjs'],
    rules: {
      'no-restricted-syntax': ['error', {
        selector: 'CallExpression[callee.property.name=/^(newPage|newContext|launch)$/], ' +
          'CallExpression[callee.name=/^(newContext|launch)$/]',
        message: 'open pages and browsers through tests/e2e/harness.mjs: newPage(context), launchBrowser()',
      }],
    },
  },
  // The globals each spec's page.evaluate callbacks name bare: defined by the page the spec opens (named beside
  // each) or put on `window` by an earlier callback of the same spec. Given per spec, so that a misspelt name in
  // any other callback is still an error.
  {
    // ac-snippet*.html: log; ac-chat.html: acceptAndChat; ac-visitor.html: raise, events, observed.
    files: ['tests/e2e/ac.spec.mjs'],
    languageOptions: { globals: readonly('log', 'acceptAndChat', 'raise', 'events', 'observed') },
  },
  {
    // analytics.html: emit, seedExample, cifData; analytics-early.html: configureLater.
    files: ['tests/e2e/analytics.spec.mjs'],
    languageOptions: { globals: readonly('emit', 'seedExample', 'cifData', 'configureLater') },
  },
  {
    // bus.html: seed, calls, readyCalls.
    files: ['tests/e2e/bus.spec.mjs'],
    languageOptions: { globals: readonly('seed', 'calls', 'readyCalls') },
  },
  {
    // cif-*.html: initDone, later (cif-widget.html), heldBefore (cif-library-after.html), held and loadLibrary
    // (cif-library-later.html); dataLayer: the analytics data layer cxbridge fills when configured to.
    files: ['tests/e2e/cif.spec.mjs'],
    languageOptions: { globals: readonly('initDone', 'later', 'heldBefore', 'held', 'loadLibrary', 'dataLayer') },
  },
  {
    // embedded.html with tests/pages/embedded.js: addFrame, settled, frameById, record, received, escaped,
    // liveMessageListeners; embedded-seed.html: viaCxbridge; www/embedded-sim.js (the simulator frame): sim; the
    // spec's own callbacks: handle, rings, h, calls, deliveries, onBus, hostileBatch (in the simulator frame);
    // dataLayer: the analytics data layer cxbridge fills when configured to.
    files: ['tests/e2e/embedded.spec.mjs'],
    languageOptions: {
      globals: {
        ...readonly('addFrame', 'settled', 'frameById', 'record', 'received', 'escaped', 'liveMessageListeners',
          'viaCxbridge', 'sim', 'handle', 'rings', 'h', 'onBus', 'hostileBatch', 'dataLayer'),
        ...writable('calls', 'deliveries'),
      },
    },
  },
  {
    // zone.js, run first on the spec's pages.
    files: ['tests/e2e/zone.spec.mjs'],
    languageOptions: { globals: readonly('Zone') },
  },
  {
    // webchat.html: run, start, events, oMyPlugin; the specs' own callbacks: acEvents.
    files: ['tests/e2e/webchat.spec.mjs', 'tests/e2e/webchat-faults.spec.mjs'],
    languageOptions: { globals: readonly('run', 'start', 'events', 'oMyPlugin', 'acEvents') },
  },
];
