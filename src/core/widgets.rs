//! Genesys Widgets' loader, as cxbridge answers it: which of the vendor's plugin names it provides, and what a page
//! hears when it asks for one it does not (the UI above all: cxbridge is headless).
//!
//! The vendor ships every plugin as a file under `pluginsPath` (`CXBus.loadPlugin('webchat')` loads
//! `<pluginsPath>webchat.min.js`) and a bus namespace per plugin (`WebChat`, `WebChatService`, …). cxbridge bundles
//! what it provides, so loading one of those names loads nothing; a Genesys plugin it does not provide fails with a
//! message that names it and says what it provides; any other name is the page's own plugin, loaded from
//! `pluginsPath` as the vendor does. docs/cxbus.md has the vendor facts and their sources.

use super::text::{concat, shown, Readable};

/// What `CXBus.loadPlugin(name)` does.
#[derive(Debug, PartialEq, Eq)]
pub enum Load {
    /// `widgets-core`: run the widgets start (configuration, extensions, `onReady`), then resolve.
    Core,
    /// `cxbus`: the bus itself; resolve.
    Bus,
    /// A service cxbridge implements, by its bus namespace (`WebChatService`): resolve once it is registered.
    Service(&'static str),
    /// The page's own plugin: load this URL (`pluginsPath` + the file name), resolve or fail as the script does.
    File(String),
    /// Fail with this error.
    Refused(WidgetsError),
}

/// Why a plugin cannot be loaded or a vendor plugin's command cannot run: the whole message, naming the call and
/// what cxbridge provides instead.
#[derive(Debug, PartialEq, Eq)]
pub struct WidgetsError(pub String);

impl Readable for WidgetsError {
    fn message(self) -> String {
        self.0
    }
}

/// What cxbridge provides, as a page would list it to `loadPlugin`.
pub const PROVIDED: &str = "widgets-core, cxbus and webchatservice (WebChatService)";

/// The vendor's plugins by bus namespace, and whether each is a user interface. Their file names are the
/// namespace in lower case (`WebChat` → `webchat`), and the `main.plugins` names are the same with a `cx-` prefix
/// and dashes (`cx-webchat-service`); [`names`] takes all three as one.
const VENDOR: &[(&str, bool)] = &[
    // UI plugins: headless cxbridge has none.
    ("WebChat", true),
    ("SendMessage", true),
    ("Callback", true),
    ("CallUs", true),
    ("ChannelSelector", true),
    ("Calendar", true),
    ("CoBrowse", true),
    ("ChatDeflection", true),
    ("ClickToCall", true),
    ("Console", true),
    ("Overlay", true),
    ("Toaster", true),
    ("WindowManager", true),
    ("SideBar", true),
    ("Search", true),
    ("Engage", true),
    ("Offers", true),
    ("RichMediaBridge", true),
    // Services and utilities cxbridge does not implement.
    ("App", false),
    ("CallbackService", false),
    ("SendMessageService", false),
    ("ClickToCallService", false),
    ("KnowledgeCenterService", false),
    ("StatsService", false),
    ("GWE", false),
    ("Buster", false),
    ("Remote", false),
    ("RichMedia", false),
    ("Watchman", false),
];

/// Whether `name` names `plugin` as the vendor's loader and `main.plugins` spell it: in any ASCII case, with or
/// without a `cx-` prefix, dashes and a `.min.js` suffix (`cx-webchat-service` and `WebChatService` name
/// `webchatservice`). Compared in place: nothing is allocated.
fn names(name: &str, plugin: &str) -> bool {
    let name = name.strip_suffix(".min.js").unwrap_or(name);
    let name = name.strip_prefix("cx-").unwrap_or(name);
    let mut letters = name.bytes().filter(|b| *b != b'-');
    let mut want = plugin.bytes();
    loop {
        match (letters.next(), want.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) if a.eq_ignore_ascii_case(&b) => {}
            _ => return false,
        }
    }
}

/// The vendor plugin named `name` (by namespace, file name or `main.plugins` name), and whether it is a UI.
fn vendor(name: &str) -> Option<(&'static str, bool)> {
    VENDOR.iter().find(|(ns, _)| names(name, ns)).copied()
}

/// `CXBus.loadPlugin(name)` with the configured `pluginsPath` (empty when none) and `pluginFilenameFormat`
/// (the vendor's default is `plugin.min.js`: `plugin` is replaced by the name, then lower-cased).
pub fn load_plugin(name: &str, plugins_path: &str, filename_format: &str) -> Load {
    if names(name, "widgetscore") {
        return Load::Core;
    }
    if names(name, "cxbus") {
        return Load::Bus;
    }
    if names(name, "webchatservice") {
        return Load::Service("WebChatService");
    }
    let call = concat(&["cxbridge: CXBus.loadPlugin('", &shown(name), "'): "]);
    if let Some((_, ui)) = vendor(name) {
        let what = if ui {
            "cxbridge is headless and does not provide the Genesys Widgets UI plugin '"
        } else {
            "cxbridge does not provide the Genesys Widgets plugin '"
        };
        return Load::Refused(WidgetsError(concat(&[
            &call,
            what,
            &shown(name),
            "'; it provides ",
            PROVIDED,
        ])));
    }
    if name.is_empty() {
        return Load::Refused(WidgetsError(concat(&[
            &call,
            "a plugin name must be a non-empty string",
        ])));
    }
    if plugins_path.is_empty() {
        return Load::Refused(WidgetsError(concat(&[
            &call,
            "not a plugin cxbridge provides (",
            PROVIDED,
            "), and no pluginsPath is configured (CXBus.configure({pluginsPath})) to load it from",
        ])));
    }
    let format = if filename_format.is_empty() {
        "plugin.min.js"
    } else {
        filename_format
    };
    // By hand, and in ASCII case only: `str::replacen` would bring the two-way string searcher, and
    // `str::to_lowercase` Unicode's case tables, into the wasm (together about 17 KB gzip). Names are compared in
    // ASCII for the same reason.
    let at = format.as_bytes().windows(6).position(|w| w == b"plugin");
    let file = match (
        at,
        format.get(..at.unwrap_or(0)),
        format.get(at.unwrap_or(0) + 6..),
    ) {
        (Some(_), Some(head), Some(tail)) => concat(&[head, name, tail]),
        _ => format.to_owned(),
    };
    Load::File(concat(&[plugins_path, &file.to_ascii_lowercase()]))
}

/// `CXBus.configure({pluginsPath})` as the vendor keeps it: with a trailing slash added when it has none.
pub fn plugins_path(path: &str) -> String {
    if path.is_empty() || path.ends_with('/') {
        path.to_owned()
    } else {
        concat(&[path, "/"])
    }
}

/// Why `loadPlugin(name)` of WebChatService fails when the page configured no chat for it.
pub fn service_unconfigured(name: &str) -> WidgetsError {
    WidgetsError(concat(&[
        "cxbridge: CXBus.loadPlugin('",
        &shown(name),
        "'): WebChatService is not available: the page has no _genesys.widgets.webchat configuration \
         (transport.type 'purecloud-v2-sockets')",
    ]))
}

/// Why a command to `namespace` (which no plugin registered) fails, when `namespace` is a Genesys plugin cxbridge
/// does not provide: `None` for any other namespace (the bus's "Command does not exist").
pub fn unprovided_command(namespace: &str, command: &str) -> Option<WidgetsError> {
    let (ns, ui) = VENDOR.iter().find(|(ns, _)| *ns == namespace).copied()?;
    let what = if ui {
        ": cxbridge is headless and does not provide the Genesys Widgets UI plugin "
    } else {
        ": cxbridge does not provide the Genesys Widgets plugin "
    };
    Some(WidgetsError(concat(&[
        "cxbridge: ",
        ns,
        ".",
        &shown(command),
        what,
        ns,
        "; it provides CXBus and WebChatService (a chat runs through WebChatService commands)",
    ])))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(load: Load) -> String {
        match load {
            Load::Refused(m) => m.0,
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn the_provided_names_load_under_every_vendor_spelling() {
        for name in [
            "widgets-core",
            "Widgets-Core",
            "widgets-core.min.js",
            "widgetscore",
        ] {
            assert_eq!(load_plugin(name, "", ""), Load::Core, "{name}");
        }
        assert_eq!(load_plugin("cxbus", "", ""), Load::Bus);
        for name in [
            "webchatservice",
            "WebChatService",
            "cx-webchat-service",
            "webchat-service",
        ] {
            assert_eq!(
                load_plugin(name, "https://x/plugins/", ""),
                Load::Service("WebChatService"),
                "{name}"
            );
        }
    }

    #[test]
    fn a_vendor_ui_plugin_is_refused_naming_it_and_what_cxbridge_provides() {
        let m = refused(load_plugin(
            "webchat",
            "https://apps.example/widgets/9.0/plugins/",
            "",
        ));
        assert!(m.contains("'webchat'"), "{m}");
        assert!(m.contains("headless"), "{m}");
        assert!(m.contains(PROVIDED), "{m}");
        let m = refused(load_plugin("cx-send-message", "", ""));
        assert!(m.contains("headless") && m.contains("'cx-send-message'"), "{m}");
        // A vendor service cxbridge does not implement is refused too, without calling it a UI.
        let m = refused(load_plugin("callbackservice", "", ""));
        assert!(!m.contains("headless") && m.contains("'callbackservice'"), "{m}");
    }

    #[test]
    fn the_pages_own_plugin_loads_from_plugins_path_as_the_vendor_names_its_file() {
        assert_eq!(
            load_plugin("MyPlugin", "/plugins/", ""),
            Load::File("/plugins/myplugin.min.js".into())
        );
        assert_eq!(
            load_plugin("Mine", "/p/", "plugin.js"),
            Load::File("/p/mine.js".into())
        );
        let m = refused(load_plugin("MyPlugin", "", ""));
        assert!(m.contains("pluginsPath") && m.contains(PROVIDED), "{m}");
        assert!(refused(load_plugin("", "/p/", "")).contains("non-empty"));
        // Only whole names match: a longer or shorter one is the page's own.
        assert_eq!(
            load_plugin("webchatservices", "/p/", ""),
            Load::File("/p/webchatservices.min.js".into())
        );
        assert_eq!(
            load_plugin("webcha", "/p/", ""),
            Load::File("/p/webcha.min.js".into())
        );
    }

    #[test]
    fn plugins_path_gets_its_trailing_slash() {
        assert_eq!(plugins_path("https://x/plugins"), "https://x/plugins/");
        assert_eq!(plugins_path("/p/"), "/p/");
        assert_eq!(plugins_path(""), "");
    }

    #[test]
    fn a_command_to_an_unprovided_vendor_plugin_says_so() {
        let m = unprovided_command("WebChat", "open")
            .map(|e| e.0)
            .unwrap_or_default();
        assert!(
            m.starts_with("cxbridge: WebChat.open: cxbridge is headless"),
            "{m}"
        );
        assert!(m.contains("WebChatService"), "{m}");
        let m = unprovided_command("CallbackService", "schedule")
            .map(|e| e.0)
            .unwrap_or_default();
        assert!(m.contains("does not provide") && !m.contains("headless"), "{m}");
        // Namespaces are case-sensitive on the bus; anything else is the page's own.
        assert_eq!(unprovided_command("webchat", "open"), None);
        assert_eq!(unprovided_command("MyPlugin", "open"), None);
    }

    #[test]
    fn webchatservice_without_a_chat_configuration_says_what_is_missing() {
        assert_eq!(
            service_unconfigured("webchatservice").0,
            "cxbridge: CXBus.loadPlugin('webchatservice'): WebChatService is not available: the page has no \
             _genesys.widgets.webchat configuration (transport.type 'purecloud-v2-sockets')"
        );
    }
}
