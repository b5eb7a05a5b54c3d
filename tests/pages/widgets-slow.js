// Served late by tests/e2e/widgets.spec.mjs (through page.route) to hold the parser of
// widgets-onready-late-script.html back while the wasm gets ready.
window.slowScriptRan = true;
