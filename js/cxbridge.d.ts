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
