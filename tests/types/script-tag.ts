/// <reference path="../../dist/cxbridge-global.d.ts" />
// Compiled by `tsc -p tests/types` in npm test: a page that loads dist/cxbridge.js with a <script> tag and uses the
// globals, as a Genesys Widgets page does (this file is a script, not a module: it imports nothing).
// Lines marked @ts-expect-error must stay errors.

window._genesys = {
  widgets: {
    main: { debug: false },
    webchat: {
      transport: {
        type: 'purecloud-v2-sockets',
        dataURL: 'https://api.mypurecloud.com',
        deploymentKey: 'YOUR_DEPLOYMENT_KEY',
        orgGuid: 'YOUR_ORG_GUID',
        interactionData: { routing: { targetType: 'QUEUE', targetAddress: 'Sales', priority: 2 } },
      },
    },
    extensions: {
      MyExtension: function ($, CXBus, Common) {
        const plugin = CXBus.registerPlugin('MyExtension');
        if (plugin) {
          plugin.registerCommand('hello', (e) => Common.resolve(e, Common.sanitizeHTML(String(e.data))));
          plugin.republish('ready');
          plugin.ready();
        }
        Common.log('MyExtension ready', 'debug');
        const path: unknown = Common.checkPath({ a: { b: 1 } }, 'a.b');
        void [$, path];
      },
      Remote: 'https://example.com/extension.js',
    },
    onReady: (bus) => {
      bus.command('WebChatService.startChat', { nickname: 'Jo' }).done((response: undefined) => void response);
    },
  },
};

CXBus.configure({ debug: false, pluginsPath: 'https://apps.mypurecloud.com/widgets/9.0/plugins/' });
CXBus.loadFile('widgets.config.js').done(() => {
  CXBus.loadPlugin('widgets-core').done(() => void 0).fail((err) => console.error(err));
});

CXBus.subscribe('WebChatService.messageReceived', (e) => {
  const restoring: boolean = e.data.restoring;
  const texts: string[] = e.data.messages.map((m) => m.text);
  void [restoring, texts];
});
CXBus.command('WebChatService.sendMessage', { message: 'hi' }).done((r: undefined) => void r);
CXBus.command('WebChatService.getTranscript').done((t) => void t.messages.length);
CXBus.command('WebChat.open').fail((err: Error) => console.warn(err.message));

ac('init', 'YOUR_ORG_ID', { region: 'use1' });
ac('on', 'webchat:offered', (evt) => void evt.actionId);

cxbridge.ready.then((api) => {
  const version: string = api.version;
  api.analytics.installCifShim();
  const logged: Promise<string> | undefined = window.Microsoft?.CIFramework.logAnalyticsEvent(
    { conversationId: 'c', providerSessionId: 'p' },
    'KPI',
  );
  void [version, logged];
});

const bus = window._genesys.widgets?.bus;
if (bus) bus.publish('ready');

// @ts-expect-error: sendMessage's options are { message: string }
CXBus.command('WebChatService.sendMessage', { text: 'hi' });
CXBus.subscribe('WebChatService.agentTypingStarted', (e) => {
  // @ts-expect-error: a typing event carries `from`, not `messages`
  void e.data.messages;
});
// @ts-expect-error: loadPlugin takes a plugin name
CXBus.loadPlugin(42);
// @ts-expect-error: an extension is a function or a URL
window._genesys.widgets = { extensions: { Bad: 42 } };
