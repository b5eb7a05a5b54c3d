// npm start: installs what is missing, builds, and serves the demo with the Guest Chat v2 emulator at
// http://127.0.0.1:8080/ (PORT changes it). Ctrl-C stops it cleanly.
import { spawn, execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
execFileSync('bash', ['scripts/setup.sh'], { cwd: root, stdio: 'inherit' });
const { build } = await import('./build.mjs');
await build();
execFileSync('cargo', ['build', '--quiet', '--release', '-p', 'cxbridge-emulator'], { cwd: root, stdio: 'inherit' });
const port = process.env.PORT || '8080';
const child = spawn(resolve(root, 'target/release/cxbridge-emulator'), ['--port', port, '--root', root], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, CXBRIDGE_FAULTS: process.env.CXBRIDGE_FAULTS ?? '1' },
});
const stop = () => child.kill('SIGINT');
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
child.on('exit', (code) => process.exit(code ?? 0));
