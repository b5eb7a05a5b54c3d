// npm start: installs what is missing, builds, and serves the demo with the Guest Chat v2 emulator at
// http://127.0.0.1:8080/ (PORT changes it). Ctrl-C stops it cleanly.
// `npm start -- --messaging`: the demo runs on the build that also carries Web Messaging (scripts/build.mjs
// `build({ messaging: true })`, not shipped in dist/), so its start form can pick either transport. The emulator
// serves it at /dist/ from a root of links (build/demo-root: www/, tests/pages/, and build/messaging/ as dist/).
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const messaging = process.argv.includes('--messaging');
execFileSync('bash', ['scripts/setup.sh'], { cwd: root, stdio: 'inherit' });
const { build } = await import('./build.mjs');
await build();
let served = root;
if (messaging) {
  await build({ messaging: true });
  served = join(root, 'build/demo-root');
  rmSync(served, { recursive: true, force: true });
  mkdirSync(join(served, 'tests'), { recursive: true });
  symlinkSync(join(root, 'www'), join(served, 'www'));
  symlinkSync(join(root, 'build/messaging'), join(served, 'dist'));
  symlinkSync(join(root, 'tests/pages'), join(served, 'tests/pages'));
}
execFileSync('cargo', ['build', '--quiet', '--release', '-p', 'cxbridge-emulator'], { cwd: root, stdio: 'inherit' });
const port = process.env.PORT || '8080';
const child = spawn(resolve(root, 'target/release/cxbridge-emulator'), ['--port', port, '--root', served], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, CXBRIDGE_FAULTS: process.env.CXBRIDGE_FAULTS ?? '1' },
});
const stop = () => child.kill('SIGINT');
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
child.on('exit', (code) => process.exit(code ?? 0));
