// The demo uses only the public API (API.md). No inline script, so it runs under a strict CSP.
(function () {
  const status = document.getElementById('status');
  cxbridge.ready.then(
    (api) => {
      status.textContent = `cxbridge ${api.version} is ready.`;
      status.dataset.cxbridgeStatus = 'ready';
    },
    (err) => {
      status.textContent = `cxbridge failed to load: ${err.message}`;
      status.dataset.cxbridgeStatus = 'failed';
    },
  );
})();
