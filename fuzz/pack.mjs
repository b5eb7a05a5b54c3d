// Packs each target's minimized corpus (fuzz/corpus/<target>/, after `cargo fuzz cmin`) into one file,
// fuzz/seeds/<target>.bin, that tests/fuzz_corpus.rs replays in npm test: records of [u32 LE length][bytes], in
// file-name order. One file per target instead of thousands keeps the repository small and reviewable.
//   node fuzz/pack.mjs [target...]
import { readdirSync, readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const targets = process.argv.slice(2).length
  ? process.argv.slice(2)
  : readdirSync(join(here, 'corpus')).filter((t) => existsSync(join(here, 'corpus', t)));
mkdirSync(join(here, 'seeds'), { recursive: true });
for (const t of targets) {
  const dir = join(here, 'corpus', t);
  const files = readdirSync(dir).sort();
  const parts = [];
  for (const f of files) {
    const data = readFileSync(join(dir, f));
    const len = Buffer.alloc(4);
    len.writeUInt32LE(data.length);
    parts.push(len, data);
  }
  const out = Buffer.concat(parts);
  writeFileSync(join(here, 'seeds', `${t}.bin`), out);
  console.log(`${t}: ${files.length} inputs, ${out.length} bytes -> fuzz/seeds/${t}.bin`);
}
