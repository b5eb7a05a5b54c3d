// ESLint for the JS that ships (js/) and the JS helpers' unit tests (tests/js/); `npm test` runs it.
import js from '@eslint/js';
import globals from 'globals';

export default [
  js.configs.recommended,
  {
    files: ['js/**/*.js', 'js/**/*.mjs', 'tests/js/**/*.mjs'],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.browser },
    },
    rules: {
      // `catch (_) {}` is how a helper says "a page's throw is answered by the fallback below".
      'no-empty': ['error', { allowEmptyCatch: true }],
      'no-unused-vars': ['error', { args: 'after-used', argsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // esbuild's defines (scripts/build.mjs): CXBRIDGE_BENCH is true only in the bench build; CXBRIDGE_VERSION is
    // package.json's version.
    files: ['js/script.js', 'js/loader.js'],
    languageOptions: { globals: { CXBRIDGE_BENCH: 'readonly', CXBRIDGE_VERSION: 'readonly' } },
  },
  {
    files: ['tests/js/**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
  },
];
