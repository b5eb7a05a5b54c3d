// Types of the public surface (API.md). The script-tag bundle declares the same shapes as globals.

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
  /** Exact name `'Other.event'`, no wildcards; returns the name. */
  subscribe<D = any>(event: string, callback: (e: BusEvent<D>) => void): string | false;
  /** Without `callback`: every callback of this plugin for the event. Returns whether any was removed. */
  unsubscribe(event: string, callback?: (e: BusEvent) => void): boolean;
  /**
   * `'Other.cmd'`, or `'cmd'` for the plugin's own. Rejects with "Command does not exist" for an unknown plugin or
   * command; waits while the target plugin is registered but has not called `ready()`.
   */
  command<R = any>(command: string, data?: unknown): Deferred<R>;
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

/** The global `CXBus`: the built-in `CXBus` plugin plus `registerPlugin` and `configure`. */
export interface CXBus extends Plugin {
  /** `debug: true` logs every publish and command (with how long it took to settle) to the console. */
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
  /** Exact origins, e.g. 'https://acme.digital.ringcentral.com'. */
  allowedOrigins: string[];
  /** The iframe element (or its window) whose messages are accepted. */
  frame?: HTMLIFrameElement | Window;
}

export interface EmbeddedApi {
  listen(options: EmbeddedListenOptions): { stop(): void };
  on(name: string, callback: (data: any, name: string) => void): void;
  off(name: string, callback?: (data: any, name: string) => void): void;
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
