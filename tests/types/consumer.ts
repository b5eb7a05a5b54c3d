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
}

void main;
