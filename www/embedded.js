// The embedded-UI demo: the simulator on the other loopback origin, listened to with the public API only.
(function () {
  const here = location.origin;
  const other = here.includes('//localhost') ? here.replace('//localhost', '//127.0.0.1') : here.replace(/\/\/[^:/]+/, '//localhost');
  const frame = document.getElementById('embedded-ui');
  frame.src = `${other}/embedded-sim.html?parent=${encodeURIComponent(here)}`;

  const status = document.getElementById('status');
  const stats = document.getElementById('stats');
  const list = document.getElementById('events');
  const showStats = () => {
    const s = cxbridge.embedded.stats();
    stats.textContent = `accepted ${s.accepted}, rejected ${s.rejected}`;
  };

  cxbridge.embedded.listen({ allowedOrigins: [other], frame, debug: true });
  cxbridge.embedded.on('*', (data, name) => {
    const li = document.createElement('li');
    li.textContent = `${name} ${JSON.stringify(data)}`;
    list.prepend(li);
    showStats();
  });
  cxbridge.ready.then(
    () => {
      status.textContent = `Listening to ${other} (open the console for debug logs).`;
      showStats();
    },
    (err) => {
      status.textContent = `cxbridge failed to load: ${err.message}`;
    },
  );
})();
