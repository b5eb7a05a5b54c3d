//! The cxbridge emulator: a local stand-in for Genesys Cloud's Guest Chat API v2 (REST + event stream) and the
//! Web Messaging guest API (WebSocket + history, docs/webmessaging.md), with a
//! scripted agent, an agent console for a person, fault injection for tests and an analytics collector. It
//! also serves the demo (`www/`), the built SDK (`dist/`) and the end-to-end test pages (`tests/pages/`).
//!
//! The binary (`src/main.rs`) parses flags and binds; everything else lives here so that the Rust tests and the
//! load benchmark run the very same router in-process.

pub mod agent;
pub mod collector;
pub mod conversations;
pub mod faults;
pub mod routes;
pub mod stream;
pub mod util;
pub mod webmessaging;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex};

use axum::http::{HeaderName, Method};
use axum::Router;
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use conversations::Conversation;

#[derive(Clone, Debug)]
pub struct Config {
    /// The repository root: `www/`, `dist/` and `tests/pages/` are served from under it.
    pub root: PathBuf,
    /// How often each event-stream socket gets a `WebSocket Heartbeat` frame (the real service: about 30 s).
    pub heartbeat_ms: u64,
    /// The scripted agent's pace: it joins this long after routing, and types for half of it before each answer.
    pub agent_delay_ms: u64,
    /// Whether `/__emulator/faults/...` is live.
    pub faults: bool,
    /// Whether new chats wait for a person at `/agent` instead of the scripted agent.
    pub manual_agent: bool,
    /// Whether the demo, `dist/` and the test pages are served with [`STRICT_CSP`]: how the e2e tests prove
    /// that cxbridge needs no inline script and no eval (SECURITY.md).
    pub csp: bool,
}

/// The strictest policy a page that loads wasm can have: scripts from its own origin only, no inline script, no
/// `eval`; `'wasm-unsafe-eval'` allows compiling WebAssembly and nothing else.
pub const STRICT_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'";

impl Default for Config {
    fn default() -> Self {
        Config {
            root: PathBuf::from("."),
            heartbeat_ms: 30_000,
            agent_delay_ms: 1_000,
            faults: false,
            manual_agent: false,
            csp: false,
        }
    }
}

#[derive(Default)]
pub struct Store {
    pub convs: HashMap<String, Conversation>,
    /// Creation order, for the agent console.
    pub order: Vec<String>,
    pub by_channel: HashMap<String, String>,
    pub by_jwt: HashMap<String, String>,
    /// Web Messaging sessions by guest token.
    pub wm: HashMap<String, webmessaging::Session>,
    /// Web Messaging JWTs (from `getJwt`) to the guest token they were issued for.
    pub wm_jwt: HashMap<String, String>,
}

pub struct AppState {
    pub cfg: Config,
    pub store: Mutex<Store>,
    pub heartbeats_on: AtomicBool,
    pub manual_agent: AtomicBool,
    pub next_socket: AtomicU64,
    pub faults: Mutex<Vec<faults::Rule>>,
    /// While set and in the future, no socket delivers anything (the stall fault).
    pub stall_until: Mutex<Option<tokio::time::Instant>>,
    pub collector: Mutex<collector::Collector>,
}

pub type Shared = Arc<AppState>;

pub fn new_state(cfg: Config) -> Shared {
    Arc::new(AppState {
        manual_agent: AtomicBool::new(cfg.manual_agent),
        cfg,
        store: Mutex::new(Store::default()),
        heartbeats_on: AtomicBool::new(true),
        next_socket: AtomicU64::new(1),
        faults: Mutex::new(Vec::new()),
        stall_until: Mutex::new(None),
        collector: Mutex::new(collector::Collector::default()),
    })
}

/// The real Guest Chat API answers browsers on any origin; the demo and tests call it from both 127.0.0.1 and
/// localhost, and sendBeacon posts to the collector with credentials, so the origin is mirrored, not `*`.
fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::mirror_request())
        .allow_credentials(true)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers([
            HeaderName::from_static("content-type"),
            // Analytics clients honour Retry-After on 429/503; a cross-origin page can read it only if exposed.
            HeaderName::from_static("retry-after"),
        ])
        .max_age(std::time::Duration::from_secs(600))
}

pub fn app(state: Shared) -> Router {
    // Fault rules reach the Guest Chat API, its event stream, Web Messaging and the analytics collector alike.
    let api = routes::router()
        .merge(stream::router())
        .merge(webmessaging::router())
        .merge(collector::router())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            faults::middleware,
        ));
    Router::new()
        .merge(api)
        .merge(faults::router())
        .merge(agent::router())
        // Browsers ask for it on every page; a 404 would show as a console error in every test.
        .route(
            "/favicon.ico",
            axum::routing::get(|| async { axum::http::StatusCode::NO_CONTENT }),
        )
        .merge(statics(&state.cfg))
        .layer(cors())
        .with_state(state)
}

/// The demo (`www/`), the built SDK (`dist/`) and the e2e pages (`tests/pages/`); with `csp`, every one of their
/// responses carries [`STRICT_CSP`] (the API, stream and collector are not documents, so they need none).
fn statics(cfg: &Config) -> Router<Shared> {
    let root = &cfg.root;
    let policy = cfg
        .csp
        .then_some(axum::http::HeaderValue::from_static(STRICT_CSP));
    Router::new()
        .nest_service("/dist", ServeDir::new(root.join("dist")))
        .nest_service("/tests", ServeDir::new(root.join("tests/pages")))
        .fallback_service(ServeDir::new(root.join("www")))
        .layer(SetResponseHeaderLayer::overriding(
            axum::http::header::CONTENT_SECURITY_POLICY,
            policy,
        ))
}

/// Serves on an already bound listener until the future is dropped; used by the binary, tests and benchmark.
pub async fn serve(listener: tokio::net::TcpListener, state: Shared) -> std::io::Result<()> {
    axum::serve(listener, app(state)).await
}
