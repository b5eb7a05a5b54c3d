// WebChatService configuration for tests/pages/reliability.html, as a page sets it before the bundle loads: the
// emulator that serves the page is the Guest Chat API. `?secretProbe=1` records every console message so the
// secrets test can search them for the JWT.
window._genesys = {
  widgets: {
    webchat: {
      transport: {
        type: 'purecloud-v2-sockets',
        dataURL: location.origin,
        deploymentKey: 'KEY',
        orgGuid: 'ORG',
        interactionData: { routing: { targetType: 'QUEUE', targetAddress: 'Support' } },
      },
    },
  },
};
