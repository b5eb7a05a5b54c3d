//! `cxbridge-emulator [--port N] [--root DIR] [--faults] [--heartbeat-ms N] [--agent-delay-ms N] [--manual-agent]
//! [--csp]`
//!
//! Environment: `PORT`, `CXBRIDGE_FAULTS=1`, `CXBRIDGE_HEARTBEAT_MS`, `CXBRIDGE_AGENT_DELAY_MS`,
//! `CXBRIDGE_AGENT=manual`, `CXBRIDGE_CSP=1`; flags win. Listens on 127.0.0.1 and, when the machine has it, on [::1] with the same
//! port, so that `localhost` works whichever address the browser resolves it to (a second origin for tests).

use std::net::SocketAddr;
use std::path::PathBuf;

use cxbridge_emulator::{new_state, serve, Config};

fn env_u64(name: &str) -> Result<Option<u64>, String> {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| format!("{name} must be a whole number of milliseconds, not {v:?}")),
        Err(_) => Ok(None),
    }
}

fn parse_args() -> Result<(u16, Config), String> {
    let mut cfg = Config::default();
    let mut port: u16 = match std::env::var("PORT") {
        Ok(p) => p
            .parse()
            .map_err(|_| format!("PORT must be a port number, not {p:?}"))?,
        Err(_) => 8080,
    };
    if let Some(ms) = env_u64("CXBRIDGE_HEARTBEAT_MS")? {
        cfg.heartbeat_ms = ms;
    }
    if let Some(ms) = env_u64("CXBRIDGE_AGENT_DELAY_MS")? {
        cfg.agent_delay_ms = ms;
    }
    cfg.faults = matches!(std::env::var("CXBRIDGE_FAULTS").as_deref(), Ok("1") | Ok("true"));
    cfg.manual_agent = matches!(std::env::var("CXBRIDGE_AGENT").as_deref(), Ok("manual"));
    cfg.csp = matches!(std::env::var("CXBRIDGE_CSP").as_deref(), Ok("1") | Ok("true"));
    let mut it = std::env::args().skip(1);
    let num = |flag: &str, v: Option<String>| -> Result<u64, String> {
        let v = v.ok_or(format!("{flag} needs a value"))?;
        v.parse()
            .map_err(|_| format!("{flag} must be a whole number, not {v:?}"))
    };
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--port" => {
                let v = it.next().ok_or("--port needs a value")?;
                port = v
                    .parse()
                    .map_err(|_| format!("--port must be a port number, not {v:?}"))?;
            }
            "--root" => cfg.root = PathBuf::from(it.next().ok_or("--root needs a value")?),
            "--faults" => cfg.faults = true,
            "--manual-agent" => cfg.manual_agent = true,
            "--csp" => cfg.csp = true,
            "--heartbeat-ms" => cfg.heartbeat_ms = num("--heartbeat-ms", it.next())?,
            "--agent-delay-ms" => cfg.agent_delay_ms = num("--agent-delay-ms", it.next())?,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok((port, cfg))
}

#[tokio::main]
async fn main() {
    let (port, cfg) = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("cxbridge-emulator: {e}");
            std::process::exit(2);
        }
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cxbridge-emulator: cannot listen on {addr}: {e}");
            std::process::exit(1);
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(port);
    let state = new_state(cfg);
    // Best effort: a machine without IPv6 loopback still serves localhost through 127.0.0.1.
    let v6 = tokio::net::TcpListener::bind(SocketAddr::from(([0, 0, 0, 0, 0, 0, 0, 1], port)))
        .await
        .ok();
    println!("cxbridge emulator listening on http://127.0.0.1:{port}/");
    if st_faults(&state) {
        println!("cxbridge emulator: fault injection is on (/__emulator/faults)");
    }
    if state.cfg.csp {
        println!(
            "cxbridge emulator: pages are served with Content-Security-Policy: {}",
            cxbridge_emulator::STRICT_CSP
        );
    }
    let v4 = serve(listener, state.clone());
    let v6 = async move {
        match v6 {
            Some(l) => serve(l, state).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        r = v4 => if let Err(e) = r { eprintln!("cxbridge-emulator: {e}"); std::process::exit(1); },
        r = v6 => if let Err(e) = r { eprintln!("cxbridge-emulator: {e}"); std::process::exit(1); },
        _ = tokio::signal::ctrl_c() => println!("cxbridge emulator: stopping"),
    }
}

fn st_faults(state: &cxbridge_emulator::Shared) -> bool {
    state.cfg.faults
}
