// Compiled by `tsc -p tests/types` in npm test: the npm package's types, as a TypeScript user meets them.
// Lines marked @ts-expect-error must stay errors: they prove the types reject what the runtime rejects.
import load, { type CxBridge, type WebActionEvent, type Deferred } from 'cxbridge';

async function main(): Promise<void> {
  const cx: CxBridge = await load({ globals: false });
  const version: string = cx.version;

  cx.ac('on', 'webchat:all', (evt) => {
    const media: 'webchat' = evt.actionMediaType;
    const id: string = evt.actionId;
    const version: number = evt.actionMapVersion;
    void [media, id, version];
  });
  cx.ac('once', 'content-offer:accepted', (evt: WebActionEvent<'content-offer'>) => void evt.sessionId);
  const actionId = cx.ac('offer', { mediaType: 'webchat', actionMapId: 'm', actionMapVersion: 1 });
  if (typeof actionId === 'string') cx.ac('accept', actionId);
  cx.ac('load', 'autotrackClick', { clickEvents: [{ selector: '.buy', eventName: 'buy_clicked', customAttributes: { v: 1 } }] }, (err?: Error) => void err?.message);
  cx.ac('load', 'autotrackScrollDepth', { scrollDepthEvents: [{ percentage: 50, eventName: 'half' }] });
  cx.ac('load', 'autotrackUrlChange');
  cx.ac('forms:track', '#quote', { formName: 'quote', captureFormDataOnAbandon: true, traitsMapper: [{ fieldName: 'email', traitName: 'email' }] });

  const plugin = cx.CXBus.registerPlugin('MyPlugin');
  if (plugin) {
    const d: Deferred<{ conversationId?: string }> = plugin.command('WebChatService.getSessionData');
    d.done((data) => void data.conversationId).fail((err) => void err);
    const chained: string = await d.then((data) => data.conversationId ?? 'none').then((s) => s.toUpperCase());
    plugin.subscribe('WebChatService.messageReceived', (e) => void e.data);
    void chained;
  }

  // WebChatService's commands and events are typed by name; other plugins' are what the caller says.
  // startChat resolves with nothing, as the shipped service does.
  const started: undefined = await cx.CXBus.command('WebChatService.startChat', { nickname: 'Jo', email: 'jo@example.com' });
  const transcript = await cx.CXBus.command('WebChatService.getTranscript');
  const firstText: string | undefined = transcript.messages[0]?.text;
  cx.CXBus.subscribe('WebChatService.agentConnected', (e) => void e.data.numAgentsConnected);
  cx.CXBus.subscribe('MyPlugin.changed', (e: { data: { count: number } }) => void e.data.count);
  const mine: Deferred<number> = cx.CXBus.command<number>('MyPlugin.count', { any: 'thing' });
  await cx.CXBus.loadPlugin('widgets-core');
  void [started, firstText, mine];

  const handle = cx.embedded.listen({ allowedOrigins: ['https://acme.digital.ringcentral.com'] });
  cx.embedded.on('smcc:task:ring', (data) => {
    const taskId: string = data.Id;
    const author: string = data.author;
    void [taskId, author];
  });
  handle.stop();

  cx.analytics.configure({ endpoint: '/collector', dataLayer: true, batchSize: 10, sources: ['ac', 'CIF'] });
  const envelopeId: string = await cx.analytics.logAnalyticsEvent(
    { conversationId: 'c', providerSessionId: 'p', events: [] },
    'KPI',
    'correlation',
  );
  void [version, envelopeId];

  cx.ac('on', 'webchat:all', (evt) => {
    // @ts-expect-error: actionState is a state name, not a number
    const n: number = evt.actionState;
    void n;
  });
  // @ts-expect-error: analytics sources are the four named ones
  cx.analytics.configure({ sources: ['somewhere'] });
  // @ts-expect-error: listen needs allowedOrigins
  cx.embedded.listen({});
  // @ts-expect-error: sendMessage's options are { message: string }
  cx.CXBus.command('WebChatService.sendMessage', { msg: 'hi' });
  // @ts-expect-error: getAgents resolves with agents, not a string
  const agents: string = await cx.CXBus.command('WebChatService.getAgents');
  void agents;
}

void main;

// WebChatService's typed maps: the shipped service's shapes.
import type { WebChatServiceCommands, WebChatServiceEvents } from 'cxbridge';
function webchatShapes(
  agents: WebChatServiceCommands['getAgents']['result'],
  session: WebChatServiceCommands['getSessionData']['result'],
  received: WebChatServiceEvents['messageReceived'],
  started: WebChatServiceEvents['started'],
  ended: WebChatServiceCommands['endChat']['result'],
): void {
  for (const id of Object.keys(agents.agents)) {
    const left: number | false = agents.agents[id].disconnectedTime;
    void left;
  }
  const jwt: string | undefined = session.jwt ?? started.data.jwt;
  const name: string = received.messages[0].from.name;
  const sender: string = received.originalMessages[0].sender.id;
  const status: number = ended.status;
  const start: WebChatServiceCommands['startChat']['options'] = { form: { nickname: 'Jo', email: 'jo@x.io' } };
  // @ts-expect-error: getAgents resolves {agents: map}, not an array
  void agents[0];
  void [jwt, name, sender, status, start];
}
void webchatShapes;
