// The page's Genesys Widgets configuration, exactly as a site would write it, pointed at the local emulator.
window._genesys = window._genesys || {};
window._genesys.widgets = window._genesys.widgets || {};
// The two transports the demo's start form offers: Guest Chat, and Web Messaging, which only the messaging build
// carries (`npm start -- --messaging`; dist/ refuses the type). The choice is kept for the tab, so a reload restores
// the chat over the transport it was started on.
window.cxbridgeDemoTransports = {
  'guest-chat': {
    type: 'purecloud-v2-sockets',
    dataURL: window.location.origin,
    deploymentKey: 'demo-deployment',
    orgGuid: 'demo-org',
    interactionData: { routing: { targetType: 'QUEUE', targetAddress: 'Support', priority: 2 } },
  },
  messaging: {
    type: 'genesys-web-messaging',
    dataURL: window.location.origin,
    deploymentId: 'demo-deployment',
  },
};
window.cxbridgeDemoTransport = (function () {
  try {
    return window.sessionStorage.getItem('cxbridge-demo.transport') === 'messaging' ? 'messaging' : 'guest-chat';
  } catch (_) {
    return 'guest-chat';
  }
})();
window._genesys.widgets.webchat = {
  transport: window.cxbridgeDemoTransports[window.cxbridgeDemoTransport],
  userData: { customerId: '59606' },
};
