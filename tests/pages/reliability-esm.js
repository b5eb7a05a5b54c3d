// The npm entry (dist/cxbridge.mjs) from a module script: load() compiles the wasm, which the strict CSP allows
// only through 'wasm-unsafe-eval'. Exposes the result for tests/e2e/reliability-csp.spec.mjs.
import { load } from '/dist/cxbridge.mjs';

window.esm = load().then(async (api) => {
  const plugin = api.CXBus.registerPlugin('EsmUnderCsp');
  plugin.registerCommand('echo', (e) => e.deferred.resolve(e.data));
  plugin.ready();
  const echoed = await api.CXBus.command('EsmUnderCsp.echo', 'esm ok');
  return { version: api.version, echoed, globals: typeof window.CXBus };
});
