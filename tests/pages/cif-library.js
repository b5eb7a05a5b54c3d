// A stand-in for Microsoft's CIF client library (msdyn_ciLibrary.js) with the shape the shipped one has, in our own
// words: a TypeScript namespace that declares `var Microsoft`, fills `Microsoft.CIFramework || (Microsoft.CIFramework
// = {})` with its functions, and raises CIFInitDone on window as a CustomEvent (detail: the Dynamics 365 origins it
// talks to, from the script tag's data-crmurl) one timeout after it ran. Its logAnalyticsEvent only notes the call.
var Microsoft;
(function (Microsoft) {
  var CIFramework;
  (function (CIFramework) {
    CIFramework.libraryCalls = [];
    function logAnalyticsEvent(data, eventName, _correlationId) {
      CIFramework.libraryCalls.push(eventName);
      return Promise.resolve('logged by the CIF library');
    }
    CIFramework.logAnalyticsEvent = logAnalyticsEvent;
    function setClickToAct(_value) {
      return Promise.resolve();
    }
    CIFramework.setClickToAct = setClickToAct;
    var tag = document.querySelector('script[data-cifid="CIFMainLibrary"]');
    var crm = tag && tag.getAttribute('data-crmurl');
    var domains = [crm ? new URL(crm).origin : location.origin];
    window.setTimeout(function () {
      window.dispatchEvent(new CustomEvent('CIFInitDone', { detail: domains }));
    }, 0);
  // TypeScript's namespace emit, kept as the real library has it: the outer `CIFramework` is only ever assigned, and
  // `Microsoft = {}` fills the global that later scripts (and cxbridge) read.
  // eslint-disable-next-line no-unused-vars
  })(CIFramework = Microsoft.CIFramework || (Microsoft.CIFramework = {}));
  // eslint-disable-next-line no-useless-assignment
})(Microsoft || (Microsoft = {}));
