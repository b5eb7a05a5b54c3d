// Microsoft CIF as CIF pages use it (docs/analytics.md "CIF pages"): a page without Microsoft's library finds
// `Microsoft.CIFramework.logAnalyticsEvent` and gets `CIFInitDone`, and Microsoft's library wins wherever it is.
// This is JS because it must exist when the script tag has run, before the wasm does; the calls it takes go to
// `cxbridge.analytics.logAnalyticsEvent` (queued by the loader until the wasm is ready).
//
// How the real library wins: msdyn_ciLibrary.js declares `var Microsoft` and fills its namespaces with
// `Microsoft.CIFramework || (Microsoft.CIFramework = {})`, assigning its functions onto that object. So when it is
// there first, nothing is installed; when it comes later, it either fills the object installed here (plain,
// writable properties: its `logAnalyticsEvent` replaces cxbridge's) or replaces `Microsoft.CIFramework` outright.
// A page that kept cxbridge's function from before still has a working function: it keeps recording.

let shim = null;
let send = null;
let announced = false;

// The rest of Microsoft.CIFramework as the shipped library exports it. Outside Dynamics 365 there is nothing for
// them to talk to, but a CIF page calls some of them right after CIFInitDone (Microsoft's sample widget calls
// addHandler and setClickToAct): each answers as its kind of method can without a TypeError that would stop the
// page. The Promise-returning ones reject, naming the method; addHandler and removeHandler (which return nothing)
// warn that the handler will never be called.
const OTHERS = ('setClickToAct getClickToAct setMode getMode setWidth getWidth getEnvironment searchAndOpenRecords '
  + 'createRecord retrieveRecord updateRecord deleteRecord openForm refreshForm getEntityMetadata renderSearchPage '
  + 'openKBSearchControl insertNotes notifyEvent isConsoleApp raiseEvent setAgentPresence '
  + 'initializeAgentPresenceList getAllSessions getFocusedSession getSession canCreateSession createSession '
  + 'requestFocusSession notifyKpiBreach notifyNewActivity getFocusedTab getTabs createTab focusTab refreshTab '
  + 'setSessionTitle setTabTitle updateConversation updateContext initLogAnalytics').split(' ');
const HANDLERS = ['addHandler', 'removeHandler'];
const needs = (name) =>
  `Microsoft.CIFramework.${name}: cxbridge provides only logAnalyticsEvent; ${name} needs Microsoft's CIF library in Dynamics 365`;

/** The object installed as `Microsoft.CIFramework`: plain, writable properties, so the real library can fill it. */
function namespace(log) {
  const ns = { logAnalyticsEvent: log };
  for (const name of OTHERS) ns[name] = () => Promise.reject(new Error(needs(name)));
  for (const name of HANDLERS) {
    ns[name] = (eventName) => {
      try {
        console.warn(`${needs(name)}; the '${String(eventName)}' handler is never called without it`);
      } catch (_) {}
    };
  }
  return ns;
}

/** The `logAnalyticsEvent` installed on `Microsoft.CIFramework`; calls go to the latest `send`. */
function shimFor(fn) {
  send = fn;
  if (!shim) shim = (data, eventName, correlationId) => send(data, eventName, correlationId);
  return shim;
}

/** Whether `Microsoft.CIFramework.logAnalyticsEvent` is cxbridge's now. Reading page globals may throw. */
function installed() {
  try {
    const ms = window.Microsoft;
    return shim !== null && ms != null && ms.CIFramework != null && ms.CIFramework.logAnalyticsEvent === shim;
  } catch (_) {
    return false;
  }
}

/**
 * `CIFInitDone`, once, as Microsoft's library raises it (a `CustomEvent` on `window`, its `detail` the list of
 * Dynamics 365 origins the widget talks to: none here). Not at once: after the document is parsed and one more
 * task, so a page that adds its listener in a later script, or on `DOMContentLoaded`, still gets it; and only if
 * cxbridge's function is still the one installed then (a CIF library that came meanwhile raises its own).
 */
function announce() {
  if (announced) return;
  announced = true;
  const fire = () =>
    setTimeout(() => {
      if (installed()) dispatchEvent(new CustomEvent('CIFInitDone', { detail: [] }));
    }, 0);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', fire, { once: true });
  else fire();
}

/**
 * Installs `Microsoft.CIFramework.logAnalyticsEvent`, calling `log(data, eventName, correlationId)`, unless the
 * page has a `Microsoft.CIFramework` already (Microsoft's library: left untouched). An existing `window.Microsoft`
 * is kept and extended. Returns true when `Microsoft.CIFramework.logAnalyticsEvent` is cxbridge's; the first
 * install announces `CIFInitDone`.
 */
export function installCif(log) {
  const f = shimFor(log);
  let ok = false;
  try {
    let ms = window.Microsoft;
    if (ms == null) ms = window.Microsoft = {};
    if (typeof ms === 'object' || typeof ms === 'function') {
      if (ms.CIFramework == null) ms.CIFramework = namespace(f);
      ok = ms.CIFramework.logAnalyticsEvent === f;
    }
  } catch (_) {
    // A page global that throws when read or written: the page keeps what it has.
  }
  if (ok) announce();
  return ok;
}
