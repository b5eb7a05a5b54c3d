// The globals the script-tag bundle (dist/cxbridge.js) defines, for a page's TypeScript or a checked JS file:
//   /// <reference path="node_modules/cxbridge/dist/cxbridge-global.d.ts" />
// The shapes are those of cxbridge.d.ts (the npm package's module types).

/** Genesys Widgets' bus: plugins, commands, events, data, and the loader (`loadPlugin`, `loadFile`, `configure`). */
declare var CXBus: import('./cxbridge').CXBus;
/** The Genesys Journey SDK's `ac(method, ...)` (under the name `_genesysJourneySdk` gives, `ac` by default). */
declare var ac: import('./cxbridge').Ac;
/** The Journey tracking snippet's choice of name for `ac`. */
declare var _genesysJourneySdk: string | undefined;
/** `ready`, `version`, and the Engage Digital and analytics APIs. */
declare var cxbridge: import('./cxbridge').CxBridgeScript;
/** Genesys Widgets' configuration (`_genesys.widgets`), which cxbridge reads and completes with `bus`. */
declare var _genesys: import('./cxbridge').GenesysGlobal;
/** Defined by `cxbridge.analytics.installCifShim()` (or the real CIF library). */
declare var Microsoft: { CIFramework: import('./cxbridge').CifShim } | undefined;
