//! CXBus routing: plugins, commands, before-hooks, buffering until `ready()`, sticky events.
