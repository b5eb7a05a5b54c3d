// Helpers the embedded specs call through page.evaluate: frames on other origins, and a record of deliveries.
window.received = [];
window.record = (data, name) => window.received.push({ name, data });

/** Adds an iframe and resolves once it has loaded (and its simulator script ran). */
window.addFrame = (id, src, sandbox) =>
  new Promise((resolve, reject) => {
    const f = document.createElement('iframe');
    f.id = id;
    if (sandbox !== undefined) f.setAttribute('sandbox', sandbox);
    f.addEventListener('load', () => resolve(id));
    f.addEventListener('error', () => reject(new Error(`${src} did not load`)));
    f.src = src;
    document.body.appendChild(f);
  });

window.frameById = (id) => document.getElementById(id);

/** Resolves once the counters reach `total` messages (accepted + rejected) in all. */
window.settled = (total) =>
  new Promise((resolve) => {
    const check = () => {
      const s = cxbridge.embedded.stats();
      if (s.accepted + s.rejected >= total) resolve(s);
      else setTimeout(check, 5);
    };
    check();
  });
