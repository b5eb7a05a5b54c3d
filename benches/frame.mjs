// node benches/frame.mjs: where the chat case's "frame arrival → callback (processing only)" goes, in the bench's
// own page (docs/performance.md, "Frame processing: cold work, not waiting"). Uses the bench build that
// `npm run bench` made (build/bench/) and the release emulator. Prints:
// - in situ, over FRAME_MESSAGES agent messages: arrival → cxbridge's socket handler, the handler itself, handler
//   end → the `messageReceived` subscriber (a wrapper around the handler times it: waiting would show outside it);
// - the last frame replayed through the same handler (ids changed, so none is a duplicate), beside the raw
//   handler (`JSON.parse` and a split) and the plain-JS peer (bench.js `replay` and `plainService`: the least a
//   WebChatService does with the frame): back to back (hot), one at a time after a sleep (as the bench's round
//   trips leave the page), and after a busy wait of the same length.
import { startEmulator, launchBrowser } from '../tests/e2e/harness.mjs';
import { serveBench } from './server.mjs';

const MESSAGES = Number(process.env.FRAME_MESSAGES || 300);
const REPLAYS = Number(process.env.FRAME_REPLAYS || 300);
const GAP_MS = 2;

const { server, pageUrl: benchPage } = await serveBench();
const emu = await startEmulator({ release: true });
const browser = await launchBrowser();
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(benchPage(emu.url));
  await page.waitForFunction(() => window.__benchLoaded === true);
  await page.evaluate(() => window.bench.ready());
  await page.evaluate(() => window.bench.chatStart());
  await page.evaluate(() => {
    const rec = window.__sockets[window.__sockets.length - 1];
    const handler = rec.ws.onmessage;
    const runs = (window.__runs = []);
    const calls = (window.__calls = []);
    window.__frame = { handler, ws: rec.ws };
    rec.ws.onmessage = function (e) {
      const start = performance.now();
      handler.call(this, e);
      runs.push([rec.lastArrival, start, performance.now()]);
    };
    CXBus.subscribe('WebChatService.messageReceived', () => calls.push(performance.now()));
  });
  await page.evaluate(() => window.bench.wireToCallback(100)); // warm
  await page.evaluate(() => ((window.__runs.length = 0), (window.__calls.length = 0)));
  await page.evaluate((n) => window.bench.wireToCallback(n), MESSAGES);
  const split = await page.evaluate(() => {
    const p50 = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] * 1000;
    const before = [], run = [], after = [];
    for (const [arrival, start, end] of window.__runs) {
      const call = window.__calls.find((t) => t >= end);
      if (call === undefined) continue;
      before.push(start - arrival);
      run.push(end - start);
      after.push(call - end);
    }
    return { before: p50(before), run: p50(run), after: p50(after), n: run.length };
  });
  console.log(`in situ, p50 over ${split.n} messages: arrival → handler ${split.before.toFixed(0)} µs, ` +
    `handler ${split.run.toFixed(0)} µs, handler end → subscriber ${split.after.toFixed(0)} µs`);

  // The replays run cxbridge's own handler, not the timing wrapper.
  await page.evaluate(() => (window.__frame.ws.onmessage = window.__frame.handler));
  for (const [gap, busy, what] of [[0, false, 'back to back, mean'], [GAP_MS, false, `after a ${GAP_MS} ms sleep, p50`],
    [GAP_MS, true, `after a ${GAP_MS} ms busy wait, p50`]]) {
    const r = await page.evaluate(([n, gap, busy]) => window.bench.replay(n, gap, busy), [gap ? REPLAYS : 2000, gap, busy]);
    const x = (peer) => (r[peer] > 0 ? `${(r.cxbridge / r[peer]).toFixed(1)}×` : 'below the clock');
    console.log(`replayed ${what}: cxbridge ${r.cxbridge.toFixed(1)} µs, raw ${r.raw.toFixed(1)} µs (${x('raw')}), ` +
      `plain JS service ${r.plain.toFixed(1)} µs (${x('plain')})`);
  }
} finally {
  await browser.close();
  await emu.stop();
  server.close();
}
