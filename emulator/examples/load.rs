//! Load benchmark (not a test): N concurrent chats, each sending M messages per second over the REST API while
//! its event stream is open; reports frames lost and the latency from sending a message to receiving its frame.
//!
//! `cargo run --release -p cxbridge-emulator --example load` — env `LOAD_CHATS` (200), `LOAD_RATE` (10 msg/s
//! per chat), `LOAD_SECS` (10), `LOAD_AGENT_DELAY_MS` (1000; the scripted agent answers every message).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cxbridge_emulator::{new_state, serve, Config};
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[derive(Default)]
struct Stats {
    latencies_us: Mutex<Vec<u64>>,
    sent: AtomicU64,
    http_errors: AtomicU64,
    echoes: AtomicU64,
    replies: AtomicU64,
}

#[tokio::main]
async fn main() {
    let chats = env("LOAD_CHATS", 200);
    let rate = env("LOAD_RATE", 10).max(1);
    let secs = env("LOAD_SECS", 10);
    let agent_delay = env("LOAD_AGENT_DELAY_MS", 1000);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let state = new_state(Config {
        agent_delay_ms: agent_delay,
        ..Config::default()
    });
    tokio::spawn(serve(listener, state));
    let base = format!("http://127.0.0.1:{port}/api/v2/webchat/guest/conversations");
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(chats as usize * 2)
        .build()
        .unwrap();
    let stats = Arc::new(Stats::default());

    println!("load: {chats} chats x {rate} msg/s for {secs} s (agent delay {agent_delay} ms)");
    let mut tasks = Vec::new();
    let ready = Arc::new(tokio::sync::Barrier::new(chats as usize + 1));
    for n in 0..chats {
        let http = http.clone();
        let base = base.clone();
        let stats = stats.clone();
        let ready = ready.clone();
        tasks.push(tokio::spawn(async move {
            let body = json!({
                "organizationId": "org", "deploymentId": "dep",
                "routingTarget": {"targetType": "QUEUE", "targetAddress": "Load"},
                "memberInfo": {"displayName": format!("load-{n}")},
            });
            let chat: Value = http
                .post(&base)
                .json(&body)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let cid = chat["id"].as_str().unwrap().to_string();
            let mid = chat["member"]["id"].as_str().unwrap().to_string();
            let jwt = chat["jwt"].as_str().unwrap().to_string();
            let (ws, _) = tokio_tungstenite::connect_async(chat["eventStreamUri"].as_str().unwrap())
                .await
                .unwrap();
            let (_, mut read) = ws.split();
            let pending: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
            // Wait for the greeting so every chat is routed before the clock starts.
            while let Some(Ok(m)) = read.next().await {
                if let Message::Text(t) = m {
                    let f: Value = serde_json::from_str(t.as_str()).unwrap();
                    if f["eventBody"]["bodyType"] == "standard" {
                        break;
                    }
                }
            }
            let reader = {
                let pending = pending.clone();
                let stats = stats.clone();
                tokio::spawn(async move {
                    while let Some(Ok(m)) = read.next().await {
                        let Message::Text(t) = m else { continue };
                        let now = Instant::now();
                        let f: Value = serde_json::from_str(t.as_str()).unwrap();
                        if f["metadata"]["type"] != "message" {
                            continue;
                        }
                        let body = f["eventBody"]["body"].as_str().unwrap_or("");
                        if body.starts_with("You said: ") {
                            stats.replies.fetch_add(1, Ordering::Relaxed);
                        } else if let Some(sent) = pending.lock().unwrap().remove(body) {
                            stats.echoes.fetch_add(1, Ordering::Relaxed);
                            stats
                                .latencies_us
                                .lock()
                                .unwrap()
                                .push(now.duration_since(sent).as_micros() as u64);
                        }
                    }
                })
            };
            ready.wait().await;
            let url = format!("{base}/{cid}/members/{mid}/messages");
            let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
            let end = Instant::now() + Duration::from_secs(secs);
            let mut seq = 0u64;
            while Instant::now() < end {
                tick.tick().await;
                let text = format!("m-{n}-{seq}");
                seq += 1;
                pending.lock().unwrap().insert(text.clone(), Instant::now());
                stats.sent.fetch_add(1, Ordering::Relaxed);
                let ok = http
                    .post(&url)
                    .bearer_auth(&jwt)
                    .json(&json!({"body": text}))
                    .send()
                    .await
                    .map(|r| r.status().is_success())
                    .unwrap_or(false);
                if !ok {
                    stats.http_errors.fetch_add(1, Ordering::Relaxed);
                }
            }
            (reader, pending)
        }));
    }
    ready.wait().await;
    let started = Instant::now();
    let mut readers = Vec::new();
    for t in tasks {
        readers.push(t.await.unwrap());
    }
    let sending = started.elapsed();
    // Let the last frames and the agent's last answers arrive.
    let drain_until = Instant::now() + Duration::from_millis(agent_delay * 2 + 3000);
    while Instant::now() < drain_until {
        let sent = stats.sent.load(Ordering::Relaxed);
        if stats.echoes.load(Ordering::Relaxed) >= sent && stats.replies.load(Ordering::Relaxed) >= sent {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for (r, _) in &readers {
        r.abort();
    }
    let sent = stats.sent.load(Ordering::Relaxed);
    let echoes = stats.echoes.load(Ordering::Relaxed);
    let replies = stats.replies.load(Ordering::Relaxed);
    let mut lat = stats.latencies_us.lock().unwrap().clone();
    lat.sort_unstable();
    let pct = |p: f64| -> f64 {
        if lat.is_empty() {
            return f64::NAN;
        }
        let i = ((lat.len() as f64 - 1.0) * p).round() as usize;
        lat[i] as f64 / 1000.0
    };
    println!(
        "sent {sent} messages in {:.1} s ({:.0} msg/s); http errors {}",
        sending.as_secs_f64(),
        sent as f64 / sending.as_secs_f64(),
        stats.http_errors.load(Ordering::Relaxed)
    );
    println!(
        "frames: {echoes} own-message frames (lost {}), {replies} agent answers (lost {})",
        sent.saturating_sub(echoes),
        sent.saturating_sub(replies)
    );
    println!(
        "send -> frame latency: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        pct(0.50),
        pct(0.99),
        pct(1.0)
    );
}
