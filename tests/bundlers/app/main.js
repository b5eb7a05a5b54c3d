// An application that installed cxbridge from npm and bundles it (Vite or webpack): it loads the package, runs a
// chat against the chat API named in the page's query (?api=<origin>), and reports what it saw on window.result.
// The bundler must resolve the package's wasm files and lazily loaded parts itself: nothing here names a URL.
import { load, version } from 'cxbridge';

const api = new URLSearchParams(location.search).get('api');

async function chat() {
  const cx = await load();
  const received = [];
  cx.CXBus.subscribe('WebChatService.messageReceived', (e) => {
    for (const m of e.data.messages) received.push(`${m.from.type}:${m.text}`);
  });
  const done = (d) => new Promise((resolve, reject) => d.done(resolve).fail(reject));
  await done(cx.CXBus.command('WebChatService.configure', {
    transport: {
      type: 'purecloud-v2-sockets', dataURL: api, deploymentKey: 'KEY', orgGuid: 'ORG',
      interactionData: { routing: { targetType: 'QUEUE', targetAddress: 'Sales', priority: 2 } },
    },
  }));
  await done(cx.CXBus.command('WebChatService.startChat', { nickname: 'Bundled' }));
  await until(() => received.some((m) => m.startsWith('Agent:')));
  await done(cx.CXBus.command('WebChatService.sendMessage', { message: 'from a bundle' }));
  await until(() => received.some((m) => m.startsWith('Agent:') && m.includes('from a bundle')));
  await done(cx.CXBus.command('WebChatService.endChat'));
  return { version, received };
}

function until(ok, ms = 10000) {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (ok()) return resolve();
      if (Date.now() - start > ms) return reject(new Error('timed out'));
      setTimeout(poll, 20);
    };
    poll();
  });
}

window.result = chat().then(
  (r) => ({ ok: true, ...r }),
  (err) => ({ ok: false, error: String(err && err.message ? err.message : err) }),
);
