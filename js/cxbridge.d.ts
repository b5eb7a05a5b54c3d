// Types of the public surface (README.md and docs/). The script-tag bundle declares the same shapes as globals.

/**
 * A Genesys Widgets deferred: vendor `done`/`fail`/`always`/`state` (callbacks attached after settlement run at
 * once), and a Promise/A+ `then`, so `.then().then()` chains and `await` works.
 */
export interface Deferred<T = unknown> extends PromiseLike<T> {
  done(...callbacks: Array<((value: T) => void) | Array<(value: T) => void>>): this;
  fail(...callbacks: Array<((reason: any) => void) | Array<(reason: any) => void>>): this;
  always(...callbacks: Array<((valueOrReason: any) => void) | Array<(valueOrReason: any) => void>>): this;
  state(): 'pending' | 'resolved' | 'rejected';
  then<A = T, B = never>(
    onResolved?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: any) => B | PromiseLike<B>) | null,
  ): Promise<A | B>;
  catch<B = never>(onRejected?: ((reason: any) => B | PromiseLike<B>) | null): Promise<T | B>;
  promise(): Deferred<T>;
}

/** The deferred a command handler settles (`e.deferred`); the first settlement wins. */
export interface SettleableDeferred<T = unknown> extends Deferred<T> {
  resolve(value?: T): this;
  reject(reason?: any): this;
}

/**
 * What a bus subscriber receives, asynchronously (in a microtask after the publish), in subscription order. One
 * object per publish, shared by its subscribers.
 */
export interface BusEvent<D = any> {
  /** `Date.now()` when it was published (for a sticky event delivered late: when it was republished). */
  time: number;
  /** The publishing plugin's namespace. */
  publisher: string;
  /** The full event name, `Namespace.event`. */
  event: string;
  data: D;
}

/** What a registered command handler receives. */
export interface CommandEvent<D = any> {
  /** `Date.now()` when the command was sent (before any buffering). */
  time: number;
  /** The namespace of the plugin that sent it (`CXBus` for `CXBus.command`). */
  commander: string;
  /** The full command name, `Namespace.command`. */
  command: string;
  deferred: SettleableDeferred;
  /** The options, after any before-hooks. */
  data: D;
}

/**
 * A CXBus plugin handle, as `CXBus.registerPlugin(name)` returns it. Calls the bus refuses (a malformed name, another
 * plugin's namespace, a callback that is not a function) return `false` and log a console warning.
 */
export interface Plugin {
  /** Publishes `<Namespace>.<event>`; only in the plugin's own namespace. */
  publish(event: string, data?: unknown): boolean;
  /** Like `publish`, and later subscribers get the last data at once (sticky). */
  republish(event: string, data?: unknown): boolean;
  /**
   * Exact name `'Other.event'`, no wildcards; returns the name. A `WebChatService.<event>` gets its payload type
   * from {@link WebChatServiceEvents}.
   */
  subscribe<D = any, E extends string = string>(event: E, callback: (e: BusEvent<EventData<E, D>>) => void): string | false;
  /** Without `callback`: every callback of this plugin for the event. Returns whether any was removed. */
  unsubscribe(event: string, callback?: (e: BusEvent) => void): boolean;
  /**
   * `'Other.cmd'`, or `'cmd'` for the plugin's own. Rejects with "Command does not exist" for an unknown plugin or
   * command; waits while the target plugin is registered but has not called `ready()`. A `WebChatService.<command>`
   * takes its options and resolves with its result as {@link WebChatServiceCommands} says; a command of a Genesys
   * UI plugin nobody registered (`WebChat.open`) rejects saying cxbridge is headless.
   */
  command<R = any, C extends string = string>(command: C, data?: CommandOptions<C>): Deferred<CommandResult<C, R>>;
  /** A handler that throws rejects the command with its error. */
  registerCommand(name: string, handler: (e: CommandEvent) => void): boolean;
  registerEvents(names: string[]): boolean;
  /**
   * Runs before `command` (in registration order); returns the options to use, or a non-object to cancel (rejected
   * with "Command was cancelled by a 'before' function.").
   */
  before(command: string, hook: (data: any) => any): boolean;
  /** `data('Namespace.key')` reads; `data('key', value)` sets the plugin's own datum and publishes `<Namespace>.data.<key>`. */
  data(key: string, value?: unknown): unknown;
  /** Runs the commands buffered meanwhile; publishes nothing (announce with `republish('ready')`, as the vendor does). */
  ready(): void;
  namespace(): string;
  registerPlugin(name: string): Plugin | false;
}

/** `CXBus.configure(options)`: the vendor's options; those with no effect in cxbridge are accepted. */
export interface CXBusOptions {
  /** Logs every publish and command (with how long it took to settle) to the console. */
  debug?: boolean;
  /** Where `loadPlugin` finds a page's own plugin files (`<pluginsPath><name>.min.js`). */
  pluginsPath?: string;
  /** The plugin file name, `plugin` standing for the name (default `'plugin.min.js'`). */
  pluginFilenameFormat?: string;
  async?: boolean;
  log?: boolean;
  logStore?: boolean;
  loadPlugins?: boolean;
  pluginMap?: Record<string, string | false>;
  unlocked?: boolean;
}

/** The global `CXBus`: the built-in `CXBus` plugin plus `registerPlugin`, `configure` and the loader. */
export interface CXBus extends Plugin {
  configure(options: CXBusOptions): void;
  /**
   * Done for what cxbridge provides (`'widgets-core'`, which starts the extensions and `onReady`; `'cxbus'`;
   * `'webchatservice'`, once WebChatService is registered); failed, naming the plugin and what cxbridge provides,
   * for a Genesys plugin it does not (the UI: `'webchat'`, …); any other name is loaded from `pluginsPath`.
   */
  loadPlugin(name: string): Deferred<unknown>;
  /** Runs the script at `url` once: done when it has run, failed with "Could not load file: <url>". */
  loadFile(url: string): Deferred<unknown>;
}

// ---- Genesys Widgets configuration and lifecycle (the script-tag globals: cxbridge-global.d.ts) -------------

/** `Common`, as extensions receive it: the vendor's non-UI helpers. Its UI builders throw (cxbridge is headless). */
export interface WidgetsCommon {
  /** Logged only in debug mode (`main.debug`, `config({debug: true})`). */
  log(message: unknown, type?: 'log' | 'debug' | 'info' | 'warn' | 'error'): void;
  debug(message: unknown): void;
  error(message: unknown): void;
  config(options: { debug?: boolean }): { debug: boolean };
  /** The value at the dotted path; the first missing or falsy step's value; false for bad arguments. */
  checkPath(object: object, path: string): any;
  /** Sets the value at the dotted path, creating objects on the way. */
  createPath(object: object, path: string, value: unknown): boolean;
  /** `<` and `>` as entities (nothing else, as the vendor's). */
  sanitizeHTML(html: string): string;
  guid(): string;
  /** `e.deferred.resolve(value)` for a command event. */
  resolve(e: CommandEvent, value?: unknown): void;
  reject(e: CommandEvent, reason?: unknown): void;
  injectScript(url: string): void;
  isMobileDevice(): boolean;
  /** The vendor's UI builders: each throws, saying cxbridge is headless. */
  Generate: Record<'Container' | 'Buttons' | 'Icon' | 'Input' | 'Form' | 'Options' | 'Countdown', (...args: any[]) => never>;
}

/** An extension: called once, before `onReady`, with the page's jQuery (when it has one), `CXBus` and `Common`. */
export type WidgetsExtension = ($: any, CXBus: CXBus, Common: WidgetsCommon) => void;

/** `window._genesys.widgets`. */
export interface GenesysWidgets {
  main?: { debug?: boolean; [option: string]: unknown };
  webchat?: WebChatConfig;
  /** Functions, or URLs of scripts loaded after `onReady`. */
  extensions?: Record<string, WidgetsExtension | string>;
  /** Called once when widgets-core has started, with `_genesys.widgets.bus`. */
  onReady?: (bus: Plugin) => void;
  /** Put there by cxbridge: a ready-made plugin handle. */
  bus?: Plugin;
  [option: string]: unknown;
}

export interface GenesysGlobal {
  widgets?: GenesysWidgets;
  [key: string]: unknown;
}

/** `window.cxbridge`, as the script-tag bundle defines it. */
export interface CxBridgeScript {
  /** Resolves once the wasm is ready; rejects, naming the URL and the cause, when it cannot be loaded. */
  ready: Promise<CxBridgeScript>;
  version: string;
  embedded: EmbeddedApi;
  analytics: AnalyticsApi;
}

/** `Microsoft.CIFramework`, as `cxbridge.analytics.installCifShim()` defines it. */
export interface CifShim {
  logAnalyticsEvent(data: CifAnalyticsData | string, eventName: string, correlationId?: string): Promise<string>;
}

/**
 * Journey SDK web actions (Genesys Predictive Engagement's Journey SDK documents its fields; docs/ac.md). The media-type × state table is `MEDIA` in src/core/journey.rs; these types
 * mirror it: a web chat goes on to a chat (started, engaged, completed) and can time out; a content offer ends
 * when it is accepted and does not time out.
 */
export type ActionMediaType = 'webchat' | 'content-offer';
export type WebchatState =
  | 'qualified' | 'offered' | 'accepted' | 'rejected' | 'ignored' | 'timedout' | 'errored' | 'started'
  | 'engaged' | 'completed';
export type ContentOfferState = 'qualified' | 'offered' | 'accepted' | 'rejected' | 'ignored' | 'errored';
export type ActionState = WebchatState | ContentOfferState;
/** `'<mediaType>:<state>'` or `'<mediaType>:all'`. */
export type WebActionEventName =
  | `webchat:${WebchatState | 'all'}`
  | `content-offer:${ContentOfferState | 'all'}`;

/** The payload of a web action event (Genesys Predictive Engagement's Journey SDK documents its fields; docs/ac.md). One object per event, shared by its listeners. */
export interface WebActionEvent<M extends ActionMediaType = ActionMediaType> {
  /** UUID v4 (or the id the page gave `ac('offer')`). */
  actionId: string;
  actionState: M extends 'webchat' ? WebchatState : ContentOfferState;
  actionMediaType: M;
  actionMapId: string;
  actionMapVersion: number;
  /** UUID v4 kept in the first-party cookie `_cxbridge_cid` (two years). */
  customerId: string;
  customerIdType: 'cookie';
  /** UUID v4 kept in `sessionStorage` for the browsing session. */
  sessionId: string;
  /** `errored` only. */
  errorCode?: number;
  /** `errored` only. */
  errorMessage?: string;
  [extra: string]: unknown;
}

/** The media type an event name is about. */
export type MediaOf<N extends WebActionEventName> = N extends `content-offer:${string}` ? 'content-offer' : 'webchat';

/**
 * `ac('offer', …)`: cxbridge's own addition (the vendor raises actions from its servers), so a page, a test or a
 * demo can raise a web action. An offer not answered within `timeoutMs` becomes `timedout` (web chats only).
 */
export interface WebActionOffer {
  mediaType: ActionMediaType;
  actionMapId: string;
  /** A positive integer. */
  actionMapVersion: number;
  /** Defaults to a fresh UUID v4. Must not be in use on the page. */
  actionId?: string;
  /** Web chats only; defaults to 30000. */
  timeoutMs?: number;
}

/** `detail` of the `cxbridge:error` event dispatched on `window` when a page listener throws. */
export interface CxbridgeErrorDetail {
  /** Which API was delivering: `'ac'`. */
  source: string;
  /** The event being delivered, e.g. `'webchat:offered'`. */
  event: string;
  /** What the listener threw. */
  error: unknown;
}

declare global {
  interface WindowEventMap {
    'cxbridge:error': CustomEvent<CxbridgeErrorDetail>;
  }
}

/** One entry of an autotrack module's configuration: its trigger field, the event it records, and attributes. */
export type AutotrackEvent<Trigger> = Trigger & { eventName: string; customAttributes?: Record<string, unknown> };

/** `ac('forms:track', selector, options)`. */
export interface FormsTrackOptions {
  formName?: string;
  /** Default `true`. */
  captureFormDataOnSubmit?: boolean;
  /** Default `false`. */
  captureFormDataOnAbandon?: boolean;
  customAttributes?: Record<string, unknown>;
  traitsMapper?: Array<{ fieldName: string; traitName: string }>;
}

/**
 * `ac(method, ...args)`. A call with a bad method, name or argument logs a `console.error` naming the problem and
 * changes nothing. Calls made before the wasm is ready are queued (the stub returns `undefined`).
 */
export interface Ac {
  <N extends WebActionEventName>(
    method: 'on' | 'once' | 'off',
    event: N,
    callback: (event: WebActionEvent<MediaOf<N>>) => void,
  ): void;
  (method: 'init', organizationId: string, options?: { region?: string; [k: string]: unknown }): void;
  (method: 'pageview', attributes?: Record<string, unknown>): void;
  (method: 'record', eventName: string, attributes?: Record<string, unknown>): void;
  /** Applies to the next `pageview` or `record`, which carries it as `identity`. */
  (method: 'identify', loginId: string, traits?: Record<string, unknown>): void;
  /** A tracking module (docs/ac.md); `callback` runs from a task: no argument once loaded, an `Error` if refused. */
  (method: 'load', module: 'autotrackClick', config: { clickEvents: AutotrackEvent<{ selector: string }>[] }, callback?: (error?: Error) => void): void;
  (method: 'load', module: 'autotrackIdle', config: { idleEvents: AutotrackEvent<{ idleAfter: number }>[] }, callback?: (error?: Error) => void): void;
  (method: 'load', module: 'autotrackInViewport', config: { inViewportEvents: AutotrackEvent<{ selector: string }>[] }, callback?: (error?: Error) => void): void;
  (method: 'load', module: 'autotrackScrollDepth', config: { scrollDepthEvents: AutotrackEvent<{ percentage: number }>[] }, callback?: (error?: Error) => void): void;
  (method: 'load', module: 'autotrackUrlChange', config?: Record<string, unknown>, callback?: (error?: Error) => void): void;
  /** Records `<formName>:submitted`, or `<formName>:abandoned` for a changed form left unsubmitted (docs/ac.md). */
  (method: 'forms:track', selector: string, options?: FormsTrackOptions): void;
  /** Returns the action id, or `undefined` if the offer was refused (see the console) or the wasm is not ready. */
  (method: 'offer', offer: WebActionOffer): string | undefined;
  /** Whether the action moved to that state (`false`: unknown action or illegal transition; see the console). */
  (method: 'accept' | 'reject' | 'ignore', actionId: string): boolean;
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

/**
 * The payloads of the Engage Digital embedded UI events as the vendor documents them ("Event List"), keys verbatim.
 * A payload that differs (a key missing, a null, another type) is still delivered, as it came, with a console
 * warning per difference: check what your code relies on.
 */
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

export type AnalyticsSource = 'ac' | 'CXBus' | 'EngageDigitalEmbeddedUI' | 'CIF';

/**
 * `cxbridge.analytics.configure(options)`. Calls merge: a later `configure({ consent: true })` keeps the rest.
 * Unknown options and bad values throw an Error naming the option. See docs/analytics.md.
 */
export interface AnalyticsConfig {
  /** The collector: a JSON array of envelopes (or Segment's /v1/batch body) is POSTed here as text/plain. */
  endpoint?: string | null;
  /** Push `{event: 'cxbridge.<source>.<name>', id, source, name, timestamp, data}` onto `window.dataLayer`
   * (or onto `window[name]` when a string is given). */
  dataLayer?: boolean | string;
  /** Envelopes per request (1–1000, default 10). */
  batchSize?: number;
  /** How long the oldest envelope waits for its batch to fill (0–3600000 ms, default 5000). */
  flushIntervalMs?: number;
  /** Sources to deliver (default all four). */
  sources?: AnalyticsSource[] | null;
  /** Bus events to deliver, by exact name (default all). */
  busEvents?: string[] | null;
  /** 'envelope' (default) or 'segment' (Segment / RudderStack / Jitsu `track` calls in the /v1/batch shape). */
  format?: 'envelope' | 'segment';
  /** false holds every event (queued and persisted, not sent, not pushed) until `configure({consent: true})`. */
  consent?: boolean;
  /** Segment write key, sent in the batch body. */
  writeKey?: string | null;
  /** Segment anonymousId; default: a UUID kept in localStorage. */
  anonymousId?: string | null;
  /** Queue bound (1–10000, default 1000): beyond it the oldest envelopes are dropped and counted. */
  maxQueue?: number;
  /** First retry delay (default 1000 ms); doubles per failure up to `retryMaxMs` (default 60000), with jitter. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Largest envelope accepted (256–60000 bytes, default 32000). */
  maxEventBytes?: number;
}

/** What a collector receives: one element of the POSTed JSON array. */
export interface AnalyticsEnvelope {
  /** UUID v4: the collector's de-duplication key. */
  id: string;
  source: AnalyticsSource;
  /** `catalogMismatch`: how an embedded event's payload differs from the vendor's catalog
   * (`'data.taskID: expected string, got null'`), when it does. */
  event: { name: string; data: unknown; correlationId?: string; catalogMismatch?: string[] };
  /** ISO-8601. */
  timestamp: string;
}

export interface AnalyticsStats {
  queued: number;
  delivered: number;
  /** Dropped after a 4xx other than 408/429. */
  rejected: number;
  /** Dropped because a queue was full (oldest first). */
  dropped: number;
  retries: number;
  /** In the delivery queue now. */
  pending: number;
  /** Waiting for configure() or for consent before their dataLayer push. */
  held: number;
}

/**
 * CIF's `data` parameter. Microsoft asks for `conversationId` and `providerSessionId`; an event without them (as
 * Microsoft's own sample logs) is recorded with a console warning naming them.
 */
export interface CifAnalyticsData {
  conversationId?: string;
  providerSessionId?: string;
  clientSessionId?: string;
  participantId?: string;
  events?: Array<{
    kpiEventName?: string;
    kpiEventReason?: string;
    eventTimestamp?: string | number;
    additionalData?: string | Record<string, unknown>;
    notificationResponseAction?: string;
    externalCorrelationId?: string;
    customData?: Array<{ attribute: string; value: string | number | boolean | null }>;
  }>;
  [extra: string]: unknown;
}

export interface AnalyticsApi {
  configure(config: AnalyticsConfig): void;
  /** Resolves to the envelope id once the event is recorded (durably queued; before `configure`, held for it);
   * rejects naming a missing argument or a mistyped field. */
  logAnalyticsEvent(data: CifAnalyticsData, eventName: string, correlationId?: string): Promise<string>;
  /** Defines `Microsoft.CIFramework.logAnalyticsEvent` unless Microsoft's CIF library is present (the classic
   * script does this by itself when it loads); true when `Microsoft.CIFramework.logAnalyticsEvent` is cxbridge's. */
  installCifShim(): boolean;
  /** Delivery counters (undefined before `cxbridge.ready`). */
  stats(): AnalyticsStats | undefined;
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

/**
 * Loads the wasm once (every call gives the same promise). When it cannot be fetched, compiled or instantiated,
 * the promise rejects naming the URL and the cause, and the next call tries again.
 */
export function load(options?: LoadOptions): Promise<CxBridge>;
export const version: string;
export default load;

// ---- WebChatService (Genesys Widgets, purecloud-v2-sockets transport) ----------------------------------------

/** `_genesys.widgets.webchat`. Fields marked "project" are additions of cxbridge, not of the vendor. */
export interface WebChatConfig {
  transport: {
    type: 'purecloud-v2-sockets';
    dataURL: string;
    deploymentKey: string;
    orgGuid?: string;
    organizationId?: string;
    /** Restore in pages of `maxMessagePageSize` (default true). */
    pagination?: boolean;
    /** 1–100, default 100. */
    maxMessagePageSize?: number;
    /** project: poll `GET messages?after=` instead of the WebSocket (default false). */
    polling?: boolean;
    /** project: ms between polls (default 2000). */
    pollInterval?: number;
    /** project: ms of stream silence before `disconnected` (default 14000). */
    heartbeatTimeout?: number;
    /** project: first reconnect/retry delay in ms, doubled per failure, with jitter (default 2000). */
    reconnectInterval?: number;
    /** project: ms before an unanswered request counts as failed (default 15000). */
    requestTimeout?: number;
    interactionData?: {
      routing?: { targetType?: 'QUEUE'; targetAddress: string; priority?: number; skills?: string[]; language?: string };
      journey?: {
        customerId?: string; customerIdType?: string; sessionId?: string; actionId?: string; actionMapId?: string;
        actionMapVersion?: number;
      };
    };
  };
  userData?: Record<string, unknown>;
  /** Consecutive failures before `chatServerWentOffline` (default 5). */
  pollExceptionLimit?: number;
  /** ms after leaving the page within which a reload restores the chat (default 60000). */
  restoreTimeout?: number;
}

/**
 * A message as `messageReceived.messages` and `getTranscript` give it. `index` and `timestamp` are both the
 * message's time in ms (as the vendor's; `index` is not a sequence number).
 */
export interface WebChatMessage {
  type: 'Message' | 'Notice' | 'ParticipantJoined' | 'ParticipantLeft';
  text: string;
  /** `id` is the sender's member id. */
  from: { id: string; name: string; type: 'Agent' | 'Client' | 'Bot' | 'External' };
  /** Only when the sender has an avatar. */
  avatar?: string;
  restoring: boolean;
  index: number;
  /** ms since the epoch. */
  timestamp: number;
}

/** A Guest Chat v2 message as the server sent it (`originalMessages`): the event stream's `eventBody`. */
export interface GuestChatMessage {
  id: string;
  sender: { id: string };
  body: string;
  bodyType: 'standard' | 'notice' | 'member-join' | 'member-leave';
  timestamp: string;
  conversation: { id: string };
}

/**
 * `getSessionData` (and `started`'s `data`, with its first four keys): the vendor's session object. Before a chat
 * every key is present and `undefined` (`displayName` and `nextMsgURL` `""`); after a restore `displayName` and
 * `nextMsgURL` are `""`; after the chat ended it is `{}`. The JWT is there as the vendor gives it; cxbridge never
 * writes it to the console, localStorage, cookies or analytics.
 */
export interface WebChatSessionData {
  jwt?: string;
  conversationId?: string;
  memberId?: string;
  WebSocketUrl?: string;
  lastMessageId?: string;
  displayName?: string;
  nextMsgURL?: string;
}

/** A `getAgents` entry. `disconnectedTime` is `false` while connected. */
export interface WebChatAgent {
  name: string;
  connected: boolean;
  supervisor: boolean;
  connectedTime: number | undefined;
  disconnectedTime: number | false;
}

/** `getAgents`' map: by the agent's member id. */
export type WebChatAgents = Record<string, WebChatAgent>;

/** The widget's "AJAX Response Object" (failed requests, `error` events). */
export interface WebChatAjaxResponse {
  status: number;
  statusText: string;
  responseJSON?: any;
  responseText?: string;
}

/** What `endChat` resolves with: the jqXHR of the leave request. */
export interface WebChatXhr {
  readyState: 4;
  status: number;
  statusText: string;
  responseText: string;
  getResponseHeader(name: string): string | null;
  getAllResponseHeaders(): string;
}

export interface WebChatMessageReceived {
  originalMessages: GuestChatMessage[];
  messages: WebChatMessage[];
  restoring: boolean;
  /** Always `undefined` (present), as the vendor's. */
  sessionData: undefined;
  /** `undefined` live, `false` when restoring. */
  oldMessages: boolean | undefined;
}

/** The member as the server describes it. */
export interface WebChatMember {
  id: string;
  displayName: string;
  role: 'AGENT' | 'SUPERVISOR' | 'CUSTOMER';
  customFields: Record<string, string>;
  state: 'CONNECTED' | 'DISCONNECTED';
  avatarImageUrl: string;
  lastEvent: 'CONNECTED' | 'DISCONNECTED';
}

export interface WebChatPresence {
  message: WebChatMember;
  agents: WebChatAgents;
  /** The documented count (the shipped widget leaves it out). */
  numAgentsConnected: number;
}

export interface WebChatError {
  errors: Array<{ code: number; response: WebChatAjaxResponse }>;
}

export interface WebChatTyping {
  from: { name: string; id: string; avatar: string };
}

export interface WebChatCapabilities {
  async: false;
  asyncClose: 'hideChat';
  pagination: boolean;
  fileUpload: false;
}

/** `WebChatService.<event>` payloads. Events not listed carry `{}`. */
export interface WebChatServiceEvents {
  ready: {};
  capabilitiesChanged: WebChatCapabilities;
  started: { data: WebChatSessionData };
  ajaxResponse: {};
  ended: {};
  restored: {};
  restoreTimeout: {};
  restoreFailed: {};
  restoredOffline: {};
  messageReceived: WebChatMessageReceived;
  error: WebChatError;
  agentTypingStarted: WebChatTyping;
  agentTypingStopped: WebChatTyping;
  agentTypingTimeout: {};
  clientTypingStarted: {};
  clientTypingStopped: {};
  pollingStarted: {};
  pollingStopped: {};
  clientConnected: WebChatPresence;
  clientDisconnected: {};
  agentConnected: WebChatPresence;
  agentDisconnected: WebChatPresence;
  supervisorConnected: WebChatPresence;
  supervisorDisconnected: WebChatPresence;
  disconnected: {};
  reconnected: {};
  chatServerWentOffline: {};
  chatServerBackOnline: {};
  connectionPending: {};
  connectionRestored: {};
}

/**
 * `WebChatService.<command>` options and resolutions. Vendor rejections are the vendor's strings, exactly (e.g.
 * sendMessage's `'There is no active chat session.'`, endChat's `'There is no active chat session'`); failed
 * requests reject with a {@link WebChatAjaxResponse}. Before `configure`, every command rejects with a string
 * naming the missing `_genesys.widgets.webchat.transport`.
 */
export interface WebChatServiceCommands {
  configure: { options: WebChatConfig; result: undefined };
  startChat: {
    /**
     * The entry form as the shipped widget reads it (`form`), or flat as documented; `form` wins.
     * `interactionData`, `deploymentKey`, `orgGuid`/`organizationId` override the configured transport's for this chat.
     */
    options: { form?: { nickname?: string; firstname?: string; lastname?: string; email?: string; subject?: string;
      [field: string]: unknown };
      nickname?: string; firstname?: string; lastname?: string; email?: string; subject?: string;
      userData?: Record<string, unknown>;
      interactionData?: WebChatConfig['transport']['interactionData'];
      deploymentKey?: string; orgGuid?: string; organizationId?: string };
    result: undefined;
  };
  endChat: { options: void; result: WebChatXhr };
  sendMessage: { options: { message: string }; result: undefined };
  sendCustomNotice: { options: { message?: string }; result: never };
  sendTyping: { options: void; result: WebChatAjaxResponse | undefined };
  sendFilteredMessage: { options: { message: string; regex: RegExp }; result: undefined };
  addPrefilter: { options: { filters: RegExp | RegExp[] }; result: RegExp[] };
  updateUserData: { options: Record<string, unknown>; result: Record<string, unknown> };
  poll: { options: void; result: undefined };
  startPoll: { options: void; result: undefined };
  stopPoll: { options: void; result: undefined };
  resetPollExceptions: { options: void; result: undefined };
  restore: { options: { sessionData?: string }; result: never };
  getTranscript: { options: void; result: { messages: WebChatMessage[]; originalMessages: GuestChatMessage[] } };
  getAgents: { options: void; result: { agents: WebChatAgents } };
  getStats: {
    options: void;
    /** The first and last transcript messages' times; `false` without messages. */
    result: { agents: WebChatAgents; startTime: number | false; endTime: number | false; duration: number | false };
  };
  sendFile: { options: { files: unknown }; result: never };
  downloadFile: { options: { fileId: string; fileName?: string }; result: never };
  getSessionData: { options: void; result: WebChatSessionData };
  fetchHistory: { options: void; result: never };
  registerTypingPreviewInput: { options: { input: HTMLInputElement | HTMLTextAreaElement | ArrayLike<Element> };
    result: undefined };
  registerPreProcessor: { options: { preprocessor: (message: WebChatMessage) => WebChatMessage | void };
    result: (message: WebChatMessage) => WebChatMessage | void };
  verifySession: { options: void; result: { sessionActive: boolean } };
}

/** The `WebChatService.<name>` commands and events cxbridge types. */
export type WebChatServiceCommandName = `WebChatService.${keyof WebChatServiceCommands}`;
export type WebChatServiceEventName = `WebChatService.${keyof WebChatServiceEvents}`;

/** The WebChatService command a name is, or `never`. */
export type WebChatServiceCommandOf<C> = C extends `WebChatService.${infer K}`
  ? K extends keyof WebChatServiceCommands ? K : never
  : never;
/** A command's options: WebChatService's typed, any other's `unknown`. */
export type CommandOptions<C extends string> = [WebChatServiceCommandOf<C>] extends [never]
  ? unknown
  : WebChatServiceCommands[WebChatServiceCommandOf<C>]['options'];
/** What a command resolves with: WebChatService's typed, any other's `R`. */
export type CommandResult<C extends string, R> = [WebChatServiceCommandOf<C>] extends [never]
  ? R
  : WebChatServiceCommands[WebChatServiceCommandOf<C>]['result'];
/** An event's payload: WebChatService's typed, any other's `D`. */
export type EventData<E extends string, D> = E extends `WebChatService.${infer K}`
  ? K extends keyof WebChatServiceEvents ? WebChatServiceEvents[K] : D
  : D;
