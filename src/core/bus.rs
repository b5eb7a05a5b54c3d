//! CXBus routing: plugins, commands, before-hooks, buffering until `ready()`, sticky events, shared data.
//!
//! Sans-IO: the bus never calls anything. The host (the web shell, or a test) hands it opaque values — payloads,
//! deferreds, callbacks, handlers — through the [`Host`] types, and gets back what to do with them: a [`Route`]
//! for a command (run this handler after these hooks, or reject this deferred with this vendor message, or
//! nothing yet because the target is not ready) and a [`Publication`] for an event (deliver to these callbacks).
//! The host performs those outputs after it has let go of the bus, so a callback may call the bus again.
//!
//! Naming, as Genesys Widgets' CXBus documents it: a plugin is a namespace without a dot; events and commands are `Namespace.name`. A
//! command or event name given without a dot takes the caller's namespace. Event names may contain further dots
//! (`MyPlugin.data.key`); command names may not.
//!
//! Decisions where the vendor is silent or worse:
//! - a command to a plugin that was never registered rejects at once with "Command does not exist" (the vendor's
//!   hangs forever); a command to a registered plugin that has not called `ready()` is buffered, and once it is
//!   ready it runs, or rejects with the same message if the plugin never registered that command;
//! - before-hooks run when the command is dispatched (after any buffering), in registration order, so a hook
//!   registered while a command waits for its plugin still applies;
//! - a publish reaches the callbacks subscribed at the moment of publishing, except those unsubscribed before the
//!   asynchronous delivery (the host cancels them with what [`Bus::unsubscribe`] returns): a callback added
//!   after a publish does not get it, a callback removed never runs again.

use std::rc::Rc;

use super::text::{concat, shown, Readable};

/// A small map from names to values, searched linearly. A page has tens of plugins, topics and keys, where a scan
/// costs about what hashing does, and a fraction of a hash map's code in the wasm.
struct Table<V> {
    entries: Vec<(String, V)>,
}

impl<V> Table<V> {
    const fn new() -> Self {
        Table { entries: Vec::new() }
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.entries.iter().position(|(k, _)| k == key)
    }

    fn get(&self, key: &str) -> Option<&V> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        self.entries.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    fn contains(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// Sets `key` to `value`, replacing any previous value.
    fn insert(&mut self, key: &str, value: V) {
        match self.get_mut(key) {
            Some(v) => *v = value,
            None => self.entries.push((key.to_owned(), value)),
        }
    }

    fn remove(&mut self, key: &str) {
        if let Some(i) = self.position(key) {
            self.entries.swap_remove(i);
        }
    }
}

struct Hook<C> {
    namespace: String,
    command: String,
    callback: C,
}

/// The vendor's rejection for an unknown plugin or command (improve: the vendor leaves it pending forever).
pub const COMMAND_DOES_NOT_EXIST: &str = "Command does not exist";
/// The vendor's rejection when a before-hook returns something that is not an object.
pub const COMMAND_CANCELLED: &str = "Command was cancelled by a 'before' function.";
/// cxbridge's rejection of `command(name)` when `name` is not a string.
pub const COMMAND_NOT_A_STRING: &str = "cxbridge: a command name must be a string";
/// The vendor's rejection of a private WebChatService command (`poll`, `restore`) sent by another plugin.
pub const PRIVATE_COMMAND: &str =
    "Access Denied to private command. Only WebChatService is allowed to invoke this command.";

/// The opaque things the host hands to the bus. The web shell uses JS values; native tests use plain Rust ones.
pub trait Host {
    /// A payload (command options, event data, shared data). Cloned only when the bus must keep a copy.
    type Value: Clone;
    /// A command's deferred; moved to whoever settles it.
    type Deferred;
    /// A subscriber or before-hook; compared to find the one `unsubscribe(event, cb)` names.
    type Callback: Clone + PartialEq;
    /// What runs a registered command.
    type Handler: Clone;
    /// An event name as the host keeps it (the web shell: the JS string the page subscribed with), so a publish
    /// need not make it again for every delivery.
    type Name: Clone;
    /// A topic's subscribers as one value the host delivers to (the web shell: a JS array of the records), made
    /// by [`Host::snapshot`] when the subscribers change and kept until they change again, so a publish hands the
    /// host one value instead of a callback per subscriber. Never changed once made: a delivery still queued
    /// reaches the subscribers of the moment of its publish.
    type Subscribers: Clone;
    /// The host's one conversion: `callbacks`, in order, as [`Host::Subscribers`]. It must not run page code.
    fn snapshot<'a>(callbacks: impl Iterator<Item = &'a Self::Callback>) -> Self::Subscribers
    where
        Self::Callback: 'a;
}

/// A registered plugin, as the host refers to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PluginId(u32);

/// Why the bus refused a call. The host turns it into `false` plus a console warning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BusError {
    /// `registerPlugin` with a name that another plugin already has.
    PluginTaken,
    /// A plugin name that is empty or contains a dot.
    BadPluginName,
    /// An event name that is not `Namespace.event` (or a plain `event` where the caller's namespace applies).
    BadEventName,
    /// A plugin tried to publish, register or set data in another plugin's namespace.
    ForeignNamespace,
    /// A command name that is empty or not `Namespace.command`.
    BadCommandName,
    /// `registerCommand` twice with one name.
    CommandTaken,
    /// A plugin id the bus never gave out.
    UnknownPlugin,
}

impl BusError {
    /// A sentence for the console warning, and the end of a refused registration's message.
    pub fn why(self) -> &'static str {
        match self {
            BusError::PluginTaken => "a plugin with this name is already registered",
            BusError::BadPluginName => "a plugin name must be a non-empty string without a dot",
            BusError::BadEventName => {
                "an event name must be 'Namespace.event' (or 'event' in the caller's own namespace)"
            }
            BusError::ForeignNamespace => {
                "a plugin may only publish, register or set data in its own namespace"
            }
            BusError::BadCommandName => {
                "a command name must be 'Namespace.command' (or 'command' in the caller's own namespace)"
            }
            BusError::CommandTaken => "this plugin already registered a command with this name",
            BusError::UnknownPlugin => "this plugin handle is not registered on the bus",
        }
    }
}

impl Readable for BusError {
    fn message(self) -> String {
        self.why().to_owned()
    }
}

/// A registration the bus refused, as the thrown `Error` says it: what was registered (`plugin`, `command`),
/// under which name, and why.
pub struct Unregistered<'a> {
    pub what: &'static str,
    pub name: &'a str,
    pub why: BusError,
}

impl Readable for Unregistered<'_> {
    fn message(self) -> String {
        concat(&[
            "cxbridge: cannot register ",
            self.what,
            " '",
            &shown(self.name),
            "': ",
            self.why.why(),
        ])
    }
}

/// Why a command's deferred is rejected: the vendor's exact text ([`COMMAND_DOES_NOT_EXIST`], …), or
/// [`COMMAND_NOT_A_STRING`] for a call the vendor cannot answer either.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommandRejection(pub &'static str);

impl Readable for CommandRejection {
    fn message(self) -> String {
        self.0.to_owned()
    }
}

/// What the host must do with a command.
pub enum Route<H: Host> {
    /// Run the before-hooks, then the handler.
    Run(Dispatch<H>),
    /// The target plugin is not ready: the bus kept the command and returns it from [`Bus::ready`].
    Buffered,
    /// Reject the deferred with this vendor message.
    Reject {
        deferred: H::Deferred,
        message: CommandRejection,
    },
    /// Reject the deferred with this message: the command names a Genesys plugin that cxbridge does not provide
    /// (`WebChat.open`: cxbridge is headless), which no page plugin registered either.
    Unavailable {
        deferred: H::Deferred,
        message: super::widgets::WidgetsError,
    },
}

/// A command ready to run.
pub struct Dispatch<H: Host> {
    pub handler: H::Handler,
    /// Before-hooks in registration order: each gets the previous one's result; a non-object cancels.
    pub hooks: Vec<H::Callback>,
    /// The namespace of the plugin that sent the command.
    pub commander: Rc<str>,
    pub data: H::Value,
    pub deferred: H::Deferred,
    /// When the command was sent (ms), as the host said at the time.
    pub time: f64,
}

/// An event to deliver.
pub struct Publication<H: Host> {
    /// The full event name, `Namespace.event`.
    pub topic: String,
    pub publisher: Rc<str>,
    /// The topic's name as the host gave it when subscribing; `None` when nobody ever subscribed.
    pub label: Option<H::Name>,
    /// In subscription order; `None` when there are none.
    pub subscribers: Option<H::Subscribers>,
    /// How many subscribers there are.
    pub count: usize,
}

/// The last data of a sticky (`republish`ed) event, delivered at once to later subscribers.
pub struct Sticky<H: Host> {
    pub publisher: Rc<str>,
    pub time: f64,
    pub data: H::Value,
}

struct Buffered<H: Host> {
    commander: Rc<str>,
    command: String,
    data: H::Value,
    deferred: H::Deferred,
    time: f64,
}

struct PluginEntry<H: Host> {
    name: Rc<str>,
    ready: bool,
    commands: Table<H::Handler>,
    events: Vec<String>,
    buffered: Vec<Buffered<H>>,
    /// A built-in plugin that gives its name to a page plugin registering under it (an unconfigured
    /// WebChatService); `gone` once it did.
    yields: bool,
    gone: bool,
}

struct Subscription<H: Host> {
    owner: PluginId,
    callback: H::Callback,
}

struct Topic<H: Host> {
    label: H::Name,
    subscriptions: Vec<Subscription<H>>,
    /// The subscribers as the host delivers to them; made on the first publish after they changed.
    snapshot: Option<H::Subscribers>,
}

/// The bus: every plugin, command, hook, subscription, sticky event and shared datum of a page.
pub struct Bus<H: Host> {
    plugins: Vec<PluginEntry<H>>,
    by_name: Table<PluginId>,
    /// In registration order; a hook may name a plugin that registers later.
    hooks: Vec<Hook<H::Callback>>,
    subscriptions: Table<Topic<H>>,
    sticky: Table<Sticky<H>>,
    data: Table<H::Value>,
    epoch: u32,
}

impl<H: Host> Default for Bus<H> {
    fn default() -> Self {
        Self::new()
    }
}

/// Splits `Namespace.rest` at the first dot; `None` when there is no dot. A byte scan: names are short, and
/// `str`'s char-pattern search brings its own word-at-a-time `memchr` into the wasm.
fn split(name: &str) -> Option<(&str, &str)> {
    let dot = name.bytes().position(|b| b == b'.')?;
    Some((name.get(..dot)?, name.get(dot + 1..)?))
}

/// Whether `name` has a dot (see [`split`]).
pub(crate) fn has_dot(name: &str) -> bool {
    name.bytes().any(|b| b == b'.')
}

impl<H: Host> Bus<H> {
    pub const fn new() -> Self {
        Bus {
            plugins: Vec::new(),
            by_name: Table::new(),
            hooks: Vec::new(),
            subscriptions: Table::new(),
            sticky: Table::new(),
            data: Table::new(),
            epoch: 0,
        }
    }

    fn entry(&self, id: PluginId) -> Result<&PluginEntry<H>, BusError> {
        self.plugins.get(id.0 as usize).ok_or(BusError::UnknownPlugin)
    }

    fn entry_mut(&mut self, id: PluginId) -> Result<&mut PluginEntry<H>, BusError> {
        self.plugins.get_mut(id.0 as usize).ok_or(BusError::UnknownPlugin)
    }

    /// `CXBus.registerPlugin(name)`.
    pub fn register_plugin(&mut self, name: &str) -> Result<PluginId, BusError> {
        if name.is_empty() || has_dot(name) {
            return Err(BusError::BadPluginName);
        }
        if let Some(&old) = self.by_name.get(name) {
            let holder = self.entry_mut(old)?;
            if !holder.yields {
                return Err(BusError::PluginTaken);
            }
            // The built-in steps aside: the page's own plugin of that name gets the name and the commands.
            holder.yields = false;
            holder.gone = true;
            holder.commands = Table::new();
            self.by_name.remove(name);
        }
        let id = PluginId(self.plugins.len() as u32);
        let name: Rc<str> = Rc::from(name);
        self.plugins.push(PluginEntry {
            name: name.clone(),
            ready: false,
            commands: Table::new(),
            events: Vec::new(),
            buffered: Vec::new(),
            yields: false,
            gone: false,
        });
        self.by_name.insert(&name, id);
        self.epoch = self.epoch.wrapping_add(1);
        Ok(id)
    }

    /// Whether the plugin registered under `name` gives it up to a page plugin registering under it later.
    pub fn set_yields(&mut self, name: &str, yields: bool) {
        if let Some(&id) = self.by_name.get(name) {
            if let Ok(p) = self.entry_mut(id) {
                p.yields = yields;
            }
        }
    }

    /// Whether a built-in plugin named `name` gave its name up to a page plugin.
    pub fn yielded(&self, name: &str) -> bool {
        self.plugins.iter().any(|p| p.gone && &*p.name == name)
    }

    /// The plugin's namespace.
    pub fn name(&self, id: PluginId) -> Option<&Rc<str>> {
        self.entry(id).ok().map(|p| &p.name)
    }

    /// The plugin registered under `name`.
    pub fn plugin(&self, name: &str) -> Option<PluginId> {
        self.by_name.get(name).copied()
    }

    pub fn is_ready(&self, id: PluginId) -> bool {
        self.entry(id).map(|p| p.ready).unwrap_or(false)
    }

    /// `plugin.registerCommand(name, fn)`: `name` is plain, or qualified with the plugin's own namespace.
    pub fn register_command(
        &mut self,
        id: PluginId,
        name: &str,
        handler: H::Handler,
    ) -> Result<(), BusError> {
        let plugin = self.entry_mut(id)?;
        let command = match split(name) {
            None => name,
            Some((ns, rest)) if ns == &*plugin.name => rest,
            Some(_) => return Err(BusError::ForeignNamespace),
        };
        if command.is_empty() || has_dot(command) {
            return Err(BusError::BadCommandName);
        }
        if plugin.commands.contains(command) {
            return Err(BusError::CommandTaken);
        }
        plugin.commands.insert(command, handler);
        self.epoch = self.epoch.wrapping_add(1);
        Ok(())
    }

    /// `plugin.registerEvents([names])`: recorded for debugging; publishing an undeclared event is allowed, as
    /// the vendor allows it.
    pub fn register_events<'a>(
        &mut self,
        id: PluginId,
        names: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), BusError> {
        let plugin = self.entry_mut(id)?;
        for name in names {
            let event = match split(name) {
                Some((ns, rest)) if ns == &*plugin.name => rest,
                Some(_) => return Err(BusError::ForeignNamespace),
                None => name,
            };
            if event.is_empty() {
                return Err(BusError::BadEventName);
            }
            if !plugin.events.iter().any(|e| e == event) {
                plugin.events.push(event.to_owned());
            }
        }
        Ok(())
    }

    /// The events a plugin declared.
    pub fn events(&self, id: PluginId) -> &[String] {
        self.entry(id).map(|p| p.events.as_slice()).unwrap_or(&[])
    }

    /// `plugin.ready()`: returns whether this was the first call, and the buffered commands to perform, in the
    /// order they were sent.
    pub fn ready(&mut self, id: PluginId) -> (bool, Vec<Route<H>>) {
        let Ok(plugin) = self.entry_mut(id) else {
            return (false, Vec::new());
        };
        if plugin.ready {
            return (false, Vec::new());
        }
        plugin.ready = true;
        let buffered = std::mem::take(&mut plugin.buffered);
        let namespace = plugin.name.clone();
        self.epoch = self.epoch.wrapping_add(1);
        let mut routes = Vec::with_capacity(buffered.len());
        for b in buffered {
            routes.push(self.resolve(
                id,
                &namespace,
                &b.command,
                b.commander,
                b.data,
                b.deferred,
                b.time,
            ));
        }
        (true, routes)
    }

    /// `plugin.command(name, data)` sent by `commander` at `now`.
    pub fn command(
        &mut self,
        commander: PluginId,
        name: &str,
        data: H::Value,
        deferred: H::Deferred,
        now: f64,
    ) -> Route<H> {
        let Ok(from) = self.entry(commander) else {
            return Route::Reject {
                deferred,
                message: CommandRejection(COMMAND_DOES_NOT_EXIST),
            };
        };
        let from = from.name.clone();
        let (namespace, command) = match split(name) {
            Some((ns, cmd)) => (ns, cmd),
            None => (&*from, name),
        };
        if namespace.is_empty() || command.is_empty() || has_dot(command) {
            return Route::Reject {
                deferred,
                message: CommandRejection(COMMAND_DOES_NOT_EXIST),
            };
        }
        let Some(target) = self.by_name.get(namespace).copied() else {
            // A Genesys plugin cxbridge does not provide (the UI above all) says so, rather than "does not exist".
            if let Some(message) = super::widgets::unprovided_command(namespace, command) {
                return Route::Unavailable { deferred, message };
            }
            return Route::Reject {
                deferred,
                message: CommandRejection(COMMAND_DOES_NOT_EXIST),
            };
        };
        let Ok(plugin) = self.entry_mut(target) else {
            return Route::Reject {
                deferred,
                message: CommandRejection(COMMAND_DOES_NOT_EXIST),
            };
        };
        if !plugin.ready {
            plugin.buffered.push(Buffered {
                commander: from,
                command: command.to_owned(),
                data,
                deferred,
                time: now,
            });
            return Route::Buffered;
        }
        let namespace = plugin.name.clone();
        self.resolve(target, &namespace, command, from, data, deferred, now)
    }

    /// Changes whenever what a command runs may change: a plugin, a command or a before-hook registered, a plugin
    /// ready (subscriptions, events and data leave it). A host that keeps what a command ran, to run it again
    /// itself (the loader's command cache, docs/architecture.md), forgets it when this moves.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    #[allow(clippy::too_many_arguments)]
    fn resolve(
        &self,
        target: PluginId,
        namespace: &str,
        command: &str,
        commander: Rc<str>,
        data: H::Value,
        deferred: H::Deferred,
        time: f64,
    ) -> Route<H> {
        let handler = self.entry(target).ok().and_then(|p| p.commands.get(command));
        let Some(handler) = handler else {
            return Route::Reject {
                deferred,
                message: CommandRejection(COMMAND_DOES_NOT_EXIST),
            };
        };
        let mut hooks = Vec::new();
        for h in &self.hooks {
            if h.namespace == namespace && h.command == command {
                hooks.push(h.callback.clone());
            }
        }
        Route::Run(Dispatch {
            handler: handler.clone(),
            hooks,
            commander,
            data,
            deferred,
            time,
        })
    }

    /// `plugin.before(command, fn)`: `command` without a dot is the caller's own.
    pub fn before(&mut self, owner: PluginId, command: &str, hook: H::Callback) -> Result<(), BusError> {
        let own = self.entry(owner)?.name.clone();
        let (namespace, command) = match split(command) {
            Some((ns, cmd)) => (ns, cmd),
            None => (&*own, command),
        };
        if namespace.is_empty() || command.is_empty() || has_dot(command) {
            return Err(BusError::BadCommandName);
        }
        self.hooks.push(Hook {
            namespace: namespace.to_owned(),
            command: command.to_owned(),
            callback: hook,
        });
        self.epoch = self.epoch.wrapping_add(1);
        Ok(())
    }

    /// `plugin.subscribe('Other.event', cb)`: returns the last sticky value of the event, if any, which the new
    /// subscriber must receive at once.
    pub fn subscribe(
        &mut self,
        owner: PluginId,
        event: &str,
        label: H::Name,
        callback: H::Callback,
    ) -> Result<Option<&Sticky<H>>, BusError> {
        self.entry(owner)?;
        match split(event) {
            Some((ns, rest)) if !ns.is_empty() && !rest.is_empty() => {}
            _ => return Err(BusError::BadEventName),
        }
        let subscription = Subscription { owner, callback };
        match self.subscriptions.get_mut(event) {
            Some(topic) => {
                topic.subscriptions.push(subscription);
                topic.snapshot = None;
            }
            None => self.subscriptions.insert(
                event,
                Topic {
                    label,
                    subscriptions: vec![subscription],
                    snapshot: None,
                },
            ),
        }
        Ok(self.sticky.get(event))
    }

    /// `plugin.unsubscribe(event)` removes every callback of this plugin for the event; `(event, cb)` only that
    /// callback (improve). Returns the removed callbacks, so the host can cancel deliveries already queued for
    /// them: an unsubscribed callback is never called again.
    pub fn unsubscribe(
        &mut self,
        owner: PluginId,
        event: &str,
        callback: Option<&H::Callback>,
    ) -> Result<Vec<H::Callback>, BusError> {
        self.entry(owner)?;
        match split(event) {
            Some((ns, rest)) if !ns.is_empty() && !rest.is_empty() => {}
            _ => return Err(BusError::BadEventName),
        }
        let Some(topic) = self.subscriptions.get_mut(event) else {
            return Ok(Vec::new());
        };
        let list = &mut topic.subscriptions;
        let mut removed = Vec::new();
        list.retain(|s| {
            let keep = s.owner != owner || callback.is_some_and(|cb| *cb != s.callback);
            if !keep {
                removed.push(s.callback.clone());
            }
            keep
        });
        if list.is_empty() {
            self.subscriptions.remove(event);
        } else if !removed.is_empty() {
            topic.snapshot = None;
        }
        Ok(removed)
    }

    /// The full name of `event` published by `namespace`: `event` is plain or already in `namespace`.
    fn topic(namespace: &str, event: &str) -> Result<String, BusError> {
        if event.is_empty() {
            return Err(BusError::BadEventName);
        }
        if let Some(rest) = event.strip_prefix(namespace).and_then(|r| r.strip_prefix('.')) {
            if rest.is_empty() {
                return Err(BusError::BadEventName);
            }
            return Ok(event.to_owned());
        }
        if has_dot(event) {
            return Err(BusError::ForeignNamespace);
        }
        let mut topic = String::with_capacity(namespace.len() + 1 + event.len());
        topic.push_str(namespace);
        topic.push('.');
        topic.push_str(event);
        Ok(topic)
    }

    /// `plugin.publish(event, data)` (or `republish` when `sticky`), at `now`.
    pub fn publish(
        &mut self,
        publisher: PluginId,
        event: &str,
        data: &H::Value,
        sticky: bool,
        now: f64,
    ) -> Result<Publication<H>, BusError> {
        let name = self.entry(publisher)?.name.clone();
        let topic = Self::topic(&name, event)?;
        Ok(self.emit(topic, name, data, sticky, now))
    }

    /// Publishes as `namespace` whether or not a plugin of that name is registered: the built-in plugins
    /// implemented in Rust (WebChatService, EngageDigital) publish through this.
    pub fn publish_in(
        &mut self,
        namespace: &str,
        event: &str,
        data: &H::Value,
        sticky: bool,
        now: f64,
    ) -> Result<Publication<H>, BusError> {
        if namespace.is_empty() || has_dot(namespace) {
            return Err(BusError::BadPluginName);
        }
        let topic = Self::topic(namespace, event)?;
        let name = match self.by_name.get(namespace).and_then(|id| self.name(*id)) {
            Some(name) => name.clone(),
            None => Rc::from(namespace),
        };
        Ok(self.emit(topic, name, data, sticky, now))
    }

    fn emit(
        &mut self,
        topic: String,
        publisher: Rc<str>,
        data: &H::Value,
        sticky: bool,
        now: f64,
    ) -> Publication<H> {
        let (label, subscribers, count) = match self.subscriptions.get_mut(&topic) {
            Some(t) => {
                let snapshot = t
                    .snapshot
                    .get_or_insert_with(|| H::snapshot(t.subscriptions.iter().map(|s| &s.callback)));
                (
                    Some(t.label.clone()),
                    Some(snapshot.clone()),
                    t.subscriptions.len(),
                )
            }
            None => (None, None, 0),
        };
        if sticky {
            self.sticky.insert(
                &topic,
                Sticky {
                    publisher: publisher.clone(),
                    time: now,
                    data: data.clone(),
                },
            );
        }
        Publication {
            topic,
            publisher,
            label,
            subscribers,
            count,
        }
    }

    /// The last sticky value of `topic`.
    pub fn sticky(&self, topic: &str) -> Option<&Sticky<H>> {
        self.sticky.get(topic)
    }

    /// The full key of `key` as seen by `reader`: `Namespace.key`, or `key` in the reader's own namespace.
    fn data_key(&self, reader: PluginId, key: &str) -> Result<String, BusError> {
        let own = &self.entry(reader)?.name;
        match split(key) {
            Some((ns, rest)) if !ns.is_empty() && !rest.is_empty() => Ok(key.to_owned()),
            Some(_) => Err(BusError::BadEventName),
            None if key.is_empty() => Err(BusError::BadEventName),
            None => {
                let mut full = String::with_capacity(own.len() + 1 + key.len());
                full.push_str(own);
                full.push('.');
                full.push_str(key);
                Ok(full)
            }
        }
    }

    /// `plugin.data(key)`: `key` is `Namespace.key`, or plain for the reader's own data.
    pub fn data(&self, reader: PluginId, key: &str) -> Result<Option<&H::Value>, BusError> {
        let key = self.data_key(reader, key)?;
        Ok(self.data.get(&key))
    }

    /// `plugin.data(key, value)`: sets the plugin's own datum and publishes `<Namespace>.data.<key>`.
    pub fn set_data(
        &mut self,
        writer: PluginId,
        key: &str,
        value: H::Value,
        now: f64,
    ) -> Result<Publication<H>, BusError> {
        let name = self.entry(writer)?.name.clone();
        let plain = match split(key) {
            Some((ns, rest)) if ns == &*name => rest,
            Some(_) => return Err(BusError::ForeignNamespace),
            None => key,
        };
        if plain.is_empty() {
            return Err(BusError::BadEventName);
        }
        let mut topic = String::with_capacity(name.len() + 6 + plain.len());
        topic.push_str(&name);
        topic.push_str(".data.");
        topic.push_str(plain);
        let publication = self.emit(topic, name.clone(), &value, false, now);
        let mut full = String::with_capacity(name.len() + 1 + plain.len());
        full.push_str(&name);
        full.push('.');
        full.push_str(plain);
        self.data.insert(&full, value);
        Ok(publication)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Payloads are strings, deferreds are numbers, callbacks and handlers are names.
    struct T;
    impl Host for T {
        type Value = &'static str;
        type Deferred = u32;
        type Callback = &'static str;
        type Handler = &'static str;
        type Name = &'static str;
        type Subscribers = Vec<&'static str>;
        fn snapshot<'a>(callbacks: impl Iterator<Item = &'a &'static str>) -> Vec<&'static str> {
            SNAPSHOTS.with(|n| n.set(n.get() + 1));
            callbacks.copied().collect()
        }
    }

    thread_local! {
        /// How many snapshots [`T::snapshot`] made.
        static SNAPSHOTS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    }

    fn snapshots() -> u32 {
        SNAPSHOTS.with(|n| n.get())
    }

    fn bus() -> Bus<T> {
        Bus::new()
    }

    fn run(route: Route<T>) -> Dispatch<T> {
        match route {
            Route::Run(d) => d,
            Route::Buffered => panic!("buffered"),
            Route::Reject { message, .. } => panic!("rejected: {}", message.0),
            Route::Unavailable { message, .. } => panic!("unavailable: {}", message.0),
        }
    }

    fn rejected(route: Route<T>) -> (u32, &'static str) {
        match route {
            Route::Reject { deferred, message } => (deferred, message.0),
            _ => panic!("not rejected"),
        }
    }

    fn ready_plugin(b: &mut Bus<T>, name: &str) -> PluginId {
        let id = b.register_plugin(name).unwrap();
        b.ready(id);
        id
    }

    #[test]
    fn plugin_names_are_unique_non_empty_and_dotless() {
        let mut b = bus();
        assert!(b.register_plugin("MyPlugin").is_ok());
        assert_eq!(b.register_plugin("MyPlugin"), Err(BusError::PluginTaken));
        assert_eq!(b.register_plugin(""), Err(BusError::BadPluginName));
        assert_eq!(b.register_plugin("My.Plugin"), Err(BusError::BadPluginName));
        let id = b.plugin("MyPlugin").unwrap();
        assert_eq!(&**b.name(id).unwrap(), "MyPlugin");
    }

    #[test]
    fn a_yielding_built_in_gives_its_name_to_a_page_plugin() {
        let mut b = bus();
        let builtin = ready_plugin(&mut b, "WebChatService");
        b.register_command(builtin, "getAgents", "builtin").unwrap();
        b.set_yields("WebChatService", true);
        assert!(!b.yielded("WebChatService"));
        // The page's own stand-in takes the name, and commands go to it.
        let page = ready_plugin(&mut b, "WebChatService");
        assert_ne!(page, builtin);
        assert!(b.yielded("WebChatService"));
        b.register_command(page, "getAgents", "stand-in").unwrap();
        let caller = ready_plugin(&mut b, "Caller");
        let d = run(b.command(caller, "WebChatService.getAgents", "opts", 1, 0.0));
        assert_eq!(d.handler, "stand-in");
        // The stand-in does not yield: a third registration is refused.
        assert_eq!(b.register_plugin("WebChatService"), Err(BusError::PluginTaken));
        // A built-in that stopped yielding (configured) keeps its name.
        let mut b = bus();
        ready_plugin(&mut b, "WebChatService");
        b.set_yields("WebChatService", true);
        b.set_yields("WebChatService", false);
        assert_eq!(b.register_plugin("WebChatService"), Err(BusError::PluginTaken));
        assert!(!b.yielded("WebChatService"));
    }

    #[test]
    fn a_command_routes_to_the_named_plugin_with_its_commander() {
        let mut b = bus();
        let target = ready_plugin(&mut b, "Target");
        let caller = ready_plugin(&mut b, "Caller");
        b.register_command(target, "open", "open-handler").unwrap();
        let d = run(b.command(caller, "Target.open", "opts", 7, 42.0));
        assert_eq!(d.handler, "open-handler");
        assert_eq!(&*d.commander, "Caller");
        assert_eq!((d.data, d.deferred, d.time), ("opts", 7, 42.0));
        assert!(d.hooks.is_empty());
    }

    #[test]
    fn a_command_without_a_dot_takes_the_callers_namespace() {
        let mut b = bus();
        let me = ready_plugin(&mut b, "Me");
        let other = ready_plugin(&mut b, "Other");
        b.register_command(me, "mine", "me-mine").unwrap();
        b.register_command(other, "mine", "other-mine").unwrap();
        assert_eq!(run(b.command(me, "mine", "", 1, 0.0)).handler, "me-mine");
        assert_eq!(
            rejected(b.command(other, "theirs", "", 2, 0.0)).1,
            COMMAND_DOES_NOT_EXIST
        );
    }

    #[test]
    fn registering_a_qualified_command_in_the_own_namespace_is_the_plain_name() {
        let mut b = bus();
        let me = ready_plugin(&mut b, "Me");
        b.register_command(me, "Me.go", "go").unwrap();
        assert_eq!(b.register_command(me, "go", "again"), Err(BusError::CommandTaken));
        assert_eq!(
            b.register_command(me, "Other.go", "x"),
            Err(BusError::ForeignNamespace)
        );
        assert_eq!(b.register_command(me, "", "x"), Err(BusError::BadCommandName));
        assert_eq!(run(b.command(me, "Me.go", "", 1, 0.0)).handler, "go");
    }

    #[test]
    fn unknown_plugins_commands_and_malformed_names_reject_at_once() {
        let mut b = bus();
        let me = ready_plugin(&mut b, "Me");
        for name in ["Nobody.cmd", "Me.nothing", "Me.", ".cmd", "", "Me.a.b"] {
            assert_eq!(
                rejected(b.command(me, name, "", 9, 0.0)),
                (9, COMMAND_DOES_NOT_EXIST),
                "{name}"
            );
        }
    }

    #[test]
    fn a_command_to_a_vendor_ui_plugin_nobody_registered_says_cxbridge_is_headless() {
        let mut b = bus();
        let me = ready_plugin(&mut b, "Me");
        match b.command(me, "WebChat.open", "", 3, 0.0) {
            Route::Unavailable { deferred, message } => {
                let message = message.0;
                assert_eq!(deferred, 3);
                assert!(
                    message.contains("WebChat.open") && message.contains("headless"),
                    "{message}"
                );
            }
            _ => panic!("not unavailable"),
        }
        // A page that registers its own WebChat plugin gets the ordinary routing.
        let own = ready_plugin(&mut b, "WebChat");
        b.register_command(own, "open", "own-open").unwrap();
        assert_eq!(run(b.command(me, "WebChat.open", "", 4, 0.0)).handler, "own-open");
        assert_eq!(
            rejected(b.command(me, "WebChat.close", "", 5, 0.0)),
            (5, COMMAND_DOES_NOT_EXIST)
        );
    }

    #[test]
    fn commands_to_a_plugin_that_is_not_ready_wait_for_ready_in_order() {
        let mut b = bus();
        let caller = ready_plugin(&mut b, "Caller");
        let slow = b.register_plugin("Slow").unwrap();
        assert!(matches!(
            b.command(caller, "Slow.a", "1", 1, 10.0),
            Route::Buffered
        ));
        assert!(matches!(
            b.command(caller, "Slow.missing", "2", 2, 11.0),
            Route::Buffered
        ));
        b.register_command(slow, "a", "a-handler").unwrap();
        assert!(matches!(
            b.command(caller, "Slow.a", "3", 3, 12.0),
            Route::Buffered
        ));
        let (first, routes) = b.ready(slow);
        assert!(first);
        let mut routes = routes.into_iter();
        let one = run(routes.next().unwrap());
        assert_eq!(
            (one.data, one.deferred, one.time, &*one.commander),
            ("1", 1, 10.0, "Caller")
        );
        assert_eq!(rejected(routes.next().unwrap()), (2, COMMAND_DOES_NOT_EXIST));
        assert_eq!(run(routes.next().unwrap()).deferred, 3);
        assert!(routes.next().is_none());
        // Ready twice is a no-op; commands now run at once.
        assert!(!b.ready(slow).0);
        assert_eq!(run(b.command(caller, "Slow.a", "4", 4, 13.0)).deferred, 4);
    }

    #[test]
    fn before_hooks_apply_in_registration_order_to_their_command_only() {
        let mut b = bus();
        let me = ready_plugin(&mut b, "Me");
        // A hook may name a plugin that registers later.
        b.before(me, "Late.open", "h1").unwrap();
        b.before(me, "open", "own-hook").unwrap();
        let late = b.register_plugin("Late").unwrap();
        b.register_command(late, "open", "open").unwrap();
        b.register_command(late, "close", "close").unwrap();
        b.before(me, "Late.open", "h2").unwrap();
        assert!(matches!(b.command(me, "Late.open", "", 1, 0.0), Route::Buffered));
        // A hook added while the command waits still applies: hooks are taken at dispatch.
        b.before(me, "Late.open", "h3").unwrap();
        let (_, mut routes) = b.ready(late);
        assert_eq!(run(routes.remove(0)).hooks, vec!["h1", "h2", "h3"]);
        assert!(run(b.command(me, "Late.close", "", 2, 0.0)).hooks.is_empty());
        assert_eq!(b.before(me, "Late.", "x"), Err(BusError::BadCommandName));
    }

    #[test]
    fn subscribers_get_events_in_subscription_order_only_for_their_exact_name() {
        let mut b = bus();
        let publisher = ready_plugin(&mut b, "Pub");
        let sub = ready_plugin(&mut b, "Sub");
        b.subscribe(sub, "Pub.ping", "Pub.ping", "first").unwrap();
        b.subscribe(publisher, "Pub.ping", "Pub.ping", "second").unwrap();
        b.subscribe(sub, "Pub.pong", "Pub.pong", "other").unwrap();
        let p = b.publish(publisher, "ping", &"data", false, 5.0).unwrap();
        assert_eq!(p.topic, "Pub.ping");
        assert_eq!(&*p.publisher, "Pub");
        assert_eq!(p.subscribers, Some(vec!["first", "second"]));
        assert_eq!(
            p.label,
            Some("Pub.ping"),
            "the name as the first subscriber gave it"
        );
        // The own namespace may be spelled out.
        assert_eq!(
            b.publish(publisher, "Pub.ping", &"", false, 0.0).unwrap().count,
            2
        );
        let nobody = b.publish(publisher, "Pub.*", &"", false, 0.0).unwrap();
        assert!(nobody.subscribers.is_none() && nobody.count == 0 && nobody.label.is_none());
    }

    #[test]
    fn the_epoch_moves_whenever_what_a_command_runs_may_change() {
        let mut b = bus();
        let me = ready_plugin(&mut b, "Me");
        let mut epoch = b.epoch();
        let mut moved = |b: &Bus<T>, what: &str| {
            assert_ne!(b.epoch(), epoch, "{what} moves it");
            epoch = b.epoch();
        };
        let late = b.register_plugin("Late").unwrap();
        moved(&b, "a plugin registered");
        b.register_command(late, "go", "go-handler").unwrap();
        moved(&b, "a command registered");
        b.ready(late);
        moved(&b, "ready");
        b.before(me, "Late.go", "hook").unwrap();
        moved(&b, "a hook registered");
        let steady = b.epoch();
        b.ready(late);
        b.subscribe(me, "Late.e", "Late.e", "cb").unwrap();
        b.publish(late, "e", &"", true, 0.0).unwrap();
        b.set_data(late, "k", "v", 0.0).unwrap();
        b.unsubscribe(me, "Late.e", None).unwrap();
        assert!(matches!(b.command(me, "Late.go", "", 1, 0.0), Route::Run(_)));
        assert!(b.register_command(late, "go", "again").is_err());
        assert!(b.register_plugin("Late").is_err());
        assert_eq!(
            b.epoch(),
            steady,
            "a second ready, events, data, commands and refusals leave it"
        );
    }

    #[test]
    fn a_publish_reuses_the_subscribers_snapshot_until_they_change() {
        let mut b = bus();
        let p = ready_plugin(&mut b, "P");
        b.subscribe(p, "P.e", "P.e", "one").unwrap();
        let before = snapshots();
        let first = b.publish(p, "e", &"", false, 0.0).unwrap().subscribers;
        b.publish(p, "e", &"", false, 0.0).unwrap();
        assert_eq!(snapshots(), before + 1, "made once for two publishes");
        b.subscribe(p, "P.e", "P.e", "two").unwrap();
        let second = b.publish(p, "e", &"", false, 0.0).unwrap().subscribers;
        assert_eq!(snapshots(), before + 2, "made again after a subscribe");
        assert_eq!(first, Some(vec!["one"]), "an earlier snapshot is never changed");
        assert_eq!(second, Some(vec!["one", "two"]));
        assert!(b.unsubscribe(p, "P.e", Some(&"nobody")).unwrap().is_empty());
        b.publish(p, "e", &"", false, 0.0).unwrap();
        assert_eq!(
            snapshots(),
            before + 2,
            "an unsubscribe that removed nothing keeps it"
        );
        b.unsubscribe(p, "P.e", Some(&"one")).unwrap();
        let third = b.publish(p, "e", &"", false, 0.0).unwrap();
        assert_eq!((third.subscribers, third.count), (Some(vec!["two"]), 1));
        assert_eq!(snapshots(), before + 3, "made again after an unsubscribe");
    }

    #[test]
    fn a_plugin_publishes_only_in_its_own_namespace() {
        let mut b = bus();
        let me = ready_plugin(&mut b, "Me");
        assert_eq!(
            b.publish(me, "Other.x", &"", false, 0.0).err(),
            Some(BusError::ForeignNamespace)
        );
        assert_eq!(
            b.publish(me, "", &"", false, 0.0).err(),
            Some(BusError::BadEventName)
        );
        assert_eq!(
            b.publish(me, "Me.", &"", false, 0.0).err(),
            Some(BusError::BadEventName)
        );
        assert_eq!(b.publish(me, "Me.a.b", &"", false, 0.0).unwrap().topic, "Me.a.b");
    }

    #[test]
    fn malformed_subscriptions_are_refused() {
        let mut b = bus();
        let me = ready_plugin(&mut b, "Me");
        for name in ["", "noDot", ".x", "X."] {
            assert_eq!(
                b.subscribe(me, name, "label", "cb").err(),
                Some(BusError::BadEventName),
                "{name}"
            );
        }
    }

    #[test]
    fn republish_is_sticky_for_later_subscribers_and_publish_is_not() {
        let mut b = bus();
        let p = ready_plugin(&mut b, "P");
        b.publish(p, "plain", &"lost", false, 1.0).unwrap();
        assert!(b.subscribe(p, "P.plain", "P.plain", "cb").unwrap().is_none());
        b.republish_helper(p, "ready", "v1", 2.0);
        b.republish_helper(p, "ready", "v2", 3.0);
        let sticky = b.subscribe(p, "P.ready", "P.ready", "late").unwrap().unwrap();
        assert_eq!((sticky.data, sticky.time, &*sticky.publisher), ("v2", 3.0, "P"));
        // A later plain publish does not erase the sticky value, nor does it become sticky itself.
        b.publish(p, "ready", &"v3", false, 4.0).unwrap();
        assert_eq!(b.sticky("P.ready").unwrap().data, "v2");
    }

    impl Bus<T> {
        fn republish_helper(&mut self, p: PluginId, e: &str, v: &'static str, now: f64) {
            self.publish(p, e, &v, true, now).unwrap();
        }
    }

    #[test]
    fn unsubscribe_removes_the_plugins_callbacks_or_just_the_one_named() {
        let mut b = bus();
        let a = ready_plugin(&mut b, "A");
        let other = ready_plugin(&mut b, "O");
        b.subscribe(a, "O.e", "O.e", "a1").unwrap();
        b.subscribe(a, "O.e", "O.e", "a2").unwrap();
        b.subscribe(other, "O.e", "O.e", "o1").unwrap();
        assert_eq!(b.unsubscribe(a, "O.e", Some(&"a2")).unwrap(), vec!["a2"]);
        assert_eq!(
            b.publish(other, "e", &"", false, 0.0).unwrap().subscribers,
            Some(vec!["a1", "o1"])
        );
        b.subscribe(a, "O.e", "O.e", "a3").unwrap();
        // Without a callback: every callback of this plugin for this event, and nobody else's.
        assert_eq!(b.unsubscribe(a, "O.e", None).unwrap(), vec!["a1", "a3"]);
        assert_eq!(
            b.publish(other, "e", &"", false, 0.0).unwrap().subscribers,
            Some(vec!["o1"])
        );
        assert!(b.unsubscribe(a, "O.e", None).unwrap().is_empty());
        // Another plugin cannot remove o1 even naming it.
        assert!(b.unsubscribe(a, "O.e", Some(&"o1")).unwrap().is_empty());
        assert_eq!(b.unsubscribe(a, "bad", None), Err(BusError::BadEventName));
    }

    #[test]
    fn publishing_in_a_namespace_needs_no_plugin_and_uses_the_registered_name() {
        let mut b = bus();
        let sub = ready_plugin(&mut b, "Sub");
        b.subscribe(
            sub,
            "EngageDigital.smcc:task:ring",
            "EngageDigital.smcc:task:ring",
            "cb",
        )
        .unwrap();
        let p = b
            .publish_in("EngageDigital", "smcc:task:ring", &"d", false, 0.0)
            .unwrap();
        assert_eq!(p.topic, "EngageDigital.smcc:task:ring");
        assert_eq!(p.subscribers, Some(vec!["cb"]));
        b.publish_in("WebChatService", "ready", &"", true, 1.0).unwrap();
        assert!(b
            .subscribe(sub, "WebChatService.ready", "WebChatService.ready", "r")
            .unwrap()
            .is_some());
        assert!(b.publish_in("", "x", &"", false, 0.0).is_err());
    }

    #[test]
    fn data_is_read_by_full_key_and_set_only_in_the_own_namespace_with_an_event() {
        let mut b = bus();
        let web = ready_plugin(&mut b, "WebChat");
        let me = ready_plugin(&mut b, "Me");
        b.subscribe(me, "WebChat.data.open", "WebChat.data.open", "watch")
            .unwrap();
        let p = b.set_data(web, "open", "false", 3.0).unwrap();
        assert_eq!(p.topic, "WebChat.data.open");
        assert_eq!(p.subscribers, Some(vec!["watch"]));
        assert_eq!(b.data(me, "WebChat.open").unwrap(), Some(&"false"));
        assert_eq!(b.data(web, "open").unwrap(), Some(&"false"));
        assert_eq!(b.data(me, "open").unwrap(), None);
        assert_eq!(
            b.set_data(me, "WebChat.open", "true", 0.0).err(),
            Some(BusError::ForeignNamespace)
        );
        b.set_data(me, "Me.k", "v", 0.0).unwrap();
        assert_eq!(b.data(web, "Me.k").unwrap(), Some(&"v"));
        assert_eq!(b.data(me, "").err(), Some(BusError::BadEventName));
    }

    #[test]
    fn declared_events_are_kept_once_and_in_the_own_namespace() {
        let mut b = bus();
        let me = ready_plugin(&mut b, "Me");
        b.register_events(me, ["a", "Me.b", "a"]).unwrap();
        assert_eq!(b.events(me), ["a".to_string(), "b".to_string()]);
        assert_eq!(b.register_events(me, ["X.c"]), Err(BusError::ForeignNamespace));
    }
}
