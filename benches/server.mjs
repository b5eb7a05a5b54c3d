// The static server of the bench page and its peers (from node_modules), shared by benches/run.mjs and
// benches/frame.mjs; chat traffic goes to the emulator, a real server on another port.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { root } from '../tests/e2e/harness.mjs';

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
// bench.js imports the dispatch peers too.
const allowed = ['/benches/', '/build/bench/', '/node_modules/mitt/', '/node_modules/eventemitter3/', '/node_modules/nanoevents/'];

/** Starts the server on a free port of 127.0.0.1: `{server, pageUrl(emu)}` (the bench page, told the emulator's URL). */
export async function serveBench() {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (!allowed.some((p) => path.startsWith(p))) return res.writeHead(404).end();
    try {
      const body = await readFile(join(root, path));
      // Cross-origin isolated, so performance.now() has 5 µs resolution instead of 100 µs.
      res.writeHead(200, {
        'content-type': TYPES[extname(path)] || 'application/octet-stream',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
      }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { server, pageUrl: (emu) => `${origin}/benches/bench.html?emu=${encodeURIComponent(emu)}` };
}
