// The configuration file of tests/pages/widgets-lazy.html, run by CXBus.loadFile: it replaces window._genesys (as
// configuration files do), after the bundle put _genesys.widgets.bus on the object it found.
window.order.push('config file ran');
window._genesys = {
  widgets: {
    main: { debug: false },
    webchat: {
      transport: {
        type: 'purecloud-v2-sockets',
        dataURL: location.origin,
        deploymentKey: 'lazy-deployment',
        orgGuid: 'lazy-org',
        interactionData: { routing: { targetType: 'QUEUE', targetAddress: 'Lazy Queue' } },
      },
    },
    extensions: {
      LazyExtension: function (_$, _CXBus, _Common) {
        window.order.push('extension');
      },
    },
    onReady: function (bus) {
      window.order.push('onReady:' + (bus === window._genesys.widgets.bus));
    },
  },
};
