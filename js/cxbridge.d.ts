// Types of the public surface (API.md). The script-tag bundle declares the same shapes as globals.

/** A Genesys Widgets deferred: vendor `done`/`fail`/`always`/`state`, and a Promise/A+ `then`. */
export interface Deferred<T = unknown> extends PromiseLike<T> {
  done(...callbacks: Array<(value: T) => void>): this;
  fail(...callbacks: Array<(reason: any) => void>): this;
  always(...callbacks: Array<(valueOrReason: any) => void>): this;
  state(): 'pending' | 'resolved' | 'rejected';
  then<A = T, B = never>(
    onResolved?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: any) => B | PromiseLike<B>) | null,
  ): Promise<A | B>;
  catch<B = never>(onRejected?: ((reason: any) => B | PromiseLike<B>) | null): Promise<T | B>;
}

/** What a bus subscriber receives. */
export interface BusEvent<D = any> {
  time: number;
  publisher: string;
  event: string;
  data: D;
}

/** What a registered command handler receives. */
export interface CommandEvent<D = any> {
  time: number;
  commander: string;
  command: string;
  deferred: Deferred;
  data: D;
}

/** A CXBus plugin handle, as `CXBus.registerPlugin(name)` returns it. */
export interface Plugin {
  publish(event: string, data?: unknown): boolean;
  republish(event: string, data?: unknown): boolean;
  subscribe<D = any>(event: string, callback: (e: BusEvent<D>) => void): string | false;
  unsubscribe(event: string, callback?: (e: BusEvent) => void): boolean;
  command<R = any>(command: string, data?: unknown): Deferred<R>;
  registerCommand(name: string, handler: (e: CommandEvent) => void): boolean;
  registerEvents(names: string[]): boolean;
  before(command: string, hook: (data: any) => any): boolean;
  data(key: string, value?: unknown): unknown;
  ready(): void;
  namespace(): string;
  registerPlugin(name: string): Plugin | false;
}

/** The global `CXBus`: the built-in `CXBus` plugin plus `registerPlugin` and `configure`. */
export interface CXBus extends Plugin {
  configure(options: { debug?: boolean }): void;
}

/** Journey SDK web action media types and lifecycle states. */
export type ActionMediaType = 'webchat' | 'content-offer';
export type ActionState =
  | 'qualified' | 'offered' | 'accepted' | 'rejected' | 'ignored' | 'timedout' | 'errored' | 'started'
  | 'engaged' | 'completed';
export type WebActionEventName = `${ActionMediaType}:${ActionState | 'all'}`;

/** The payload of a web action event (seed 000). */
export interface WebActionEvent {
  actionId: string;
  actionState: ActionState;
  actionMediaType: ActionMediaType;
  actionMapId: string;
  actionMapVersion: number;
  customerId: string;
  customerIdType: 'cookie';
  sessionId: string;
  errorCode?: number;
  errorMessage?: string;
  [extra: string]: unknown;
}

export interface Ac {
  (method: 'on' | 'once' | 'off', event: WebActionEventName, callback: (event: WebActionEvent) => void): void;
  (method: 'init', organizationId: string, options?: { region?: string; [k: string]: unknown }): void;
  (method: 'pageview', attributes?: Record<string, unknown>): void;
  (method: 'record', eventName: string, attributes?: Record<string, unknown>): void;
  (method: 'identify', loginId: string, traits?: Record<string, unknown>): void;
  (method: string, ...args: unknown[]): unknown;
}

export interface EmbeddedListenOptions {
  /** Exact origins as `event.origin` spells them, e.g. 'https://acme.digital.ringcentral.com'. An empty list,
   * '*' or 'null' is refused (a thrown Error) unless `allowAnyOrigin` is true; 'null' is refused always. */
  allowedOrigins: string[];
  /** The iframe element (or its window) whose messages are accepted; others are refused. */
  frame?: HTMLIFrameElement | Window;
  /** Log every accepted message (console.debug) and every rejected one with its reason (console.warn). */
  debug?: boolean;
  /** Opt-in: accept every origin except "null" (then an empty list or '*' is allowed). Name a `frame` too. */
  allowAnyOrigin?: boolean;
}

/** A running listener; `stop()` removes its window `message` listener. */
export interface EmbeddedListener {
  stop(): void;
}

/** The payloads of the Engage Digital embedded UI events (seed 004), keys verbatim. */
export interface EmbeddedEventMap {
  'smcc:content:reply': {
    inReplyToId: string; inReplyToAuthorId: string; threadId: string; interventionId: string;
    firstIdentityId: string; sourceId: string; lastUpdatedContentAt: number;
  };
  'smcc:content:initiate_discussion': { body: string; sourceId: string };
  'smcc:content:intervention_opened': EmbeddedIntervention;
  'smcc:content:intervention_closed': EmbeddedIntervention;
  'smcc:content_thread:selected': { id: string; lastContentId: string; firstIdentityId: string };
  'smcc:identity:show': { id: string; threadId: string; interventionId: string; taskID: string };
  'smcc:task:selected': EmbeddedTask;
  'smcc:task:ring': EmbeddedTask & { body: string; author: string };
  'smcc:task:missed': EmbeddedTask;
  'smcc:task:updated': {
    Id: string; channelId: string; contentId: string | null; contentThreadId: string; identityId: string;
    interventionId: string | null; sourceId: string; queue: string; segmentIndex: number;
    lastIdentityContentBody: string; lastIdentityContentCreatedAt: string | null; waitingForUser: boolean;
    identitySignature: string | null; identityAvatarUrl: string | null;
  };
  'smcc:user:disconnected': Record<string, unknown>;
}

export interface EmbeddedIntervention {
  id: string; authorId: string; threadId: string; inReplyToAuthorId: string; inReplyToId: string;
  interventionId: string; updatedAt: number; sourceId: string;
}

export interface EmbeddedTask {
  Id: string; contentId: string; identityId: string; interventionId: string; sourceId: string; queue: string;
}

export type EmbeddedEventName = keyof EmbeddedEventMap;

export interface EmbeddedApi {
  listen(options: EmbeddedListenOptions): EmbeddedListener;
  on<K extends EmbeddedEventName>(name: K, callback: (data: EmbeddedEventMap[K], name: K) => void): void;
  /** '*' for every event; an smcc:* name the catalog does not know arrives untyped. */
  on(name: '*' | `smcc:${string}`, callback: (data: Record<string, unknown>, name: string) => void): void;
  /** Without `callback`, removes every callback of that name. */
  off(name: '*' | `smcc:${string}`, callback?: (data: any, name: any) => void): void;
  stats(): { accepted: number; rejected: number };
}

export interface AnalyticsConfig {
  endpoint?: string;
  dataLayer?: boolean;
  batchSize?: number;
  flushIntervalMs?: number;
  sources?: Array<'ac' | 'CXBus' | 'EngageDigitalEmbeddedUI' | 'CIF'>;
  [extra: string]: unknown;
}

export interface AnalyticsApi {
  configure(config: AnalyticsConfig): void;
  logAnalyticsEvent(data: Record<string, any>, eventName: string, correlationId?: string): Promise<string>;
  installCifShim(): void;
}

export interface CxBridge {
  ready: Promise<CxBridge>;
  version: string;
  ac: Ac;
  CXBus: CXBus;
  bus: Plugin;
  embedded: EmbeddedApi;
  analytics: AnalyticsApi;
}

export interface LoadOptions {
  /** Also define window.ac, window.CXBus, window._genesys.widgets.bus and window.cxbridge. */
  globals?: boolean;
  /** Where the .wasm is; defaults to the file beside this module. */
  wasmUrl?: string | URL;
}

export function load(options?: LoadOptions): Promise<CxBridge>;
export const version: string;
export default load;
