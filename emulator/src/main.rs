//! The cxbridge emulator: a local stand-in for Genesys Cloud's Guest Chat API v2 that also serves the demo
//! (`www/`), the built SDK (`dist/`) and the end-to-end test pages (`tests/pages/`).
//!
//! `cxbridge-emulator [--port N] [--root DIR]`; `PORT` also sets the port (default 8080). Binds 127.0.0.1 only.

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::Router;
use tower_http::services::ServeDir;

struct Args {
    port: u16,
    root: PathBuf,
}

fn parse_args() -> Result<Args, String> {
    let mut port: u16 = match std::env::var("PORT") {
        Ok(p) => p
            .parse()
            .map_err(|_| format!("PORT must be a port number, not {p:?}"))?,
        Err(_) => 8080,
    };
    let mut root = PathBuf::from(".");
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--port" => {
                let v = it.next().ok_or("--port needs a value")?;
                port = v
                    .parse()
                    .map_err(|_| format!("--port must be a port number, not {v:?}"))?;
            }
            "--root" => root = PathBuf::from(it.next().ok_or("--root needs a value")?),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Args { port, root })
}

fn app(root: &std::path::Path) -> Router {
    Router::new()
        // Browsers ask for it on every page; a 404 would show as a console error in every test.
        .route(
            "/favicon.ico",
            axum::routing::get(|| async { axum::http::StatusCode::NO_CONTENT }),
        )
        .nest_service("/dist", ServeDir::new(root.join("dist")))
        .nest_service("/tests", ServeDir::new(root.join("tests/pages")))
        .fallback_service(ServeDir::new(root.join("www")))
}

#[tokio::main]
async fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("cxbridge-emulator: {e}");
            std::process::exit(2);
        }
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], args.port));
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cxbridge-emulator: cannot listen on {addr}: {e}");
            std::process::exit(1);
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(args.port);
    println!("cxbridge emulator listening on http://127.0.0.1:{port}/");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
        println!("cxbridge emulator: stopping");
    };
    if let Err(e) = axum::serve(listener, app(&args.root))
        .with_graceful_shutdown(shutdown)
        .await
    {
        eprintln!("cxbridge-emulator: {e}");
        std::process::exit(1);
    }
}
