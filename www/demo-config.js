// The page's Genesys Widgets configuration, exactly as a site would write it, pointed at the local emulator.
window._genesys = window._genesys || {};
window._genesys.widgets = window._genesys.widgets || {};
window._genesys.widgets.webchat = {
  transport: {
    type: 'purecloud-v2-sockets',
    dataURL: window.location.origin,
    deploymentKey: 'demo-deployment',
    orgGuid: 'demo-org',
    interactionData: { routing: { targetType: 'QUEUE', targetAddress: 'Support', priority: 2 } },
  },
  userData: { customerId: '59606' },
};
