// npm run size: the gzip bytes of what a page downloads (the wasm and the JS), and, with --check, a failure when
// they pass the budget kept in size-budget.json. Size is deterministic, so this one is a test.
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function sizes() {
  const measure = (f) => {
    const bytes = readFileSync(join(root, 'dist', f));
    return { file: `dist/${f}`, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  };
  return [measure('cxbridge_bg.wasm'), measure('cxbridge.js'), measure('cxbridge.mjs')];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = sizes();
  for (const r of rows) console.log(`${r.file.padEnd(24)} ${String(r.raw).padStart(8)} B raw ${String(r.gzip).padStart(8)} B gzip`);
  const shipped = rows[0].gzip + rows[1].gzip;
  console.log(`${'script tag total'.padEnd(24)} ${' '.repeat(15)} ${String(shipped).padStart(8)} B gzip`);
  if (process.argv.includes('--check')) {
    const budget = JSON.parse(readFileSync(join(root, 'size-budget.json'), 'utf8'));
    if (shipped > budget.scriptTagGzipBytes) {
      console.error(`size budget exceeded: ${shipped} B gzip > ${budget.scriptTagGzipBytes} B (size-budget.json)`);
      process.exit(1);
    }
    console.log(`within the budget of ${budget.scriptTagGzipBytes} B gzip`);
  }
}
