//! `callvitals bench ingest`: starts the server on loopback with a fresh store and
//! loads it from keep-alive clients over HTTP, then prints throughput, latency
//! percentiles, errors and the server's peak RSS for each engine. Two workloads:
//! - `stats` opens SDK sessions and connections, then replays SDK-shaped
//!   `POST /v1/stats` bodies (~5.6 KB, `text/plain`);
//! - `calls` makes whole calls, each post of which changes what the dashboard counts:
//!   two participants initialize, open sessions and connections, report stats once,
//!   mute, and end the call.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};

use crate::http_client::HttpClient;

#[derive(Debug, Clone, clap::Args)]
pub struct IngestOptions {
    /// Seconds of load per engine.
    #[arg(long, default_value_t = 30)]
    pub seconds: u64,
    /// Concurrent keep-alive clients.
    #[arg(long, default_value_t = 16)]
    pub clients: usize,
    /// SDK sessions (one connection each) the posts rotate over.
    #[arg(long, default_value_t = 200)]
    pub sessions: usize,
    /// Engines to measure: sqlite, postgres or both.
    #[arg(long, default_value = "both")]
    pub engine: String,
    /// `stats` (replayed stats posts) or `calls` (whole calls: 9 lifecycle posts and
    /// `--stats-per-participant` stats posts from each of the two participants).
    #[arg(long, default_value = "stats")]
    pub workload: String,
    /// Stats posts per participant in a call of the `calls` workload: 1 is the worst
    /// case (every post changes what the dashboard counts); the SDK reports every
    /// 5 s, so 24 is a two-minute call.
    #[arg(long, default_value_t = 1)]
    pub stats_per_participant: usize,
    /// The server binary to load (default: this one), such as an older build, so
    /// that two builds meet the same client.
    #[arg(long)]
    pub server_bin: Option<PathBuf>,
    /// PostgreSQL server to create a scratch database on.
    #[arg(
        long,
        env = "BENCH_DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    pub postgres_url: String,
}

#[derive(Debug)]
pub struct IngestFigures {
    pub engine: &'static str,
    pub posts: u64,
    pub errors: u64,
    pub seconds: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub peak_rss_mb: f64,
    /// Stats samples stored, against `stats_acked` stats posts acknowledged.
    pub stored: i64,
    pub stats_acked: u64,
    pub body_bytes: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Workload {
    Stats,
    Calls,
}

/// What one client sends next.
enum Load {
    Stats(Arc<Vec<String>>),
    Calls {
        api_key: String,
        stats_per_participant: usize,
    },
}

pub async fn ingest(options: IngestOptions) -> anyhow::Result<()> {
    let engines: Vec<&'static str> = match options.engine.as_str() {
        "both" => vec!["sqlite", "postgres"],
        "sqlite" => vec!["sqlite"],
        "postgres" => vec!["postgres"],
        other => anyhow::bail!("unknown engine {other:?}: use sqlite, postgres or both"),
    };
    let workload = match options.workload.as_str() {
        "stats" => Workload::Stats,
        "calls" => Workload::Calls,
        other => anyhow::bail!("unknown workload {other:?}: use stats or calls"),
    };
    let mut results = Vec::new();
    for engine in engines {
        results.push(run_engine(engine, workload, &options).await?);
    }
    println!();
    println!(
        "| engine | clients | body | posts/s | p50 ms | p99 ms | max ms | errors | peak RSS MB | stored/acked |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for r in &results {
        println!(
            "| {} | {} | {:.1} KB | {:.0} | {:.2} | {:.2} | {:.1} | {} | {:.1} | {}/{} |",
            r.engine,
            options.clients,
            r.body_bytes as f64 / 1024.0,
            r.posts as f64 / r.seconds,
            r.p50_ms,
            r.p99_ms,
            r.max_ms,
            r.errors,
            r.peak_rss_mb,
            r.stored,
            r.stats_acked
        );
    }
    Ok(())
}

/// A scratch store for one run: a temporary directory, or a new PostgreSQL database.
struct Scratch {
    data_dir: PathBuf,
    database_url: Option<String>,
    drop_database: Option<(String, String)>,
}

async fn scratch(engine: &str, options: &IngestOptions) -> anyhow::Result<Scratch> {
    let data_dir = std::env::temp_dir().join(format!(
        "callvitals-bench-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&data_dir)?;
    if engine == "sqlite" {
        return Ok(Scratch {
            data_dir,
            database_url: None,
            drop_database: None,
        });
    }
    let name = format!("callvitals_bench_{}", uuid::Uuid::new_v4().simple());
    super::administer(&options.postgres_url, &[format!("create database {name}")]).await?;
    Ok(Scratch {
        data_dir,
        database_url: Some(super::database_url_on(&options.postgres_url, &name)),
        drop_database: Some((options.postgres_url.clone(), name)),
    })
}

impl Scratch {
    async fn remove(self) -> anyhow::Result<()> {
        let _ = std::fs::remove_dir_all(&self.data_dir);
        if let Some((url, name)) = self.drop_database {
            super::administer(
                &url,
                &[format!("drop database if exists {name} with (force)")],
            )
            .await?;
        }
        Ok(())
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn peak_rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| {
            value
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

async fn run_engine(
    engine: &'static str,
    workload: Workload,
    options: &IngestOptions,
) -> anyhow::Result<IngestFigures> {
    eprintln!("\n== {engine}: preparing a fresh store");
    let scratch = scratch(engine, options).await?;
    let store = crate::store::open(scratch.database_url.as_deref(), &scratch.data_dir).await?;
    let (app, _server_secret) = crate::cli::create_app(&store, "Bench", "bench", None).await?;
    store.close().await;

    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let server_bin = match &options.server_bin {
        Some(path) => path.clone(),
        None => std::env::current_exe()?,
    };
    let mut command = tokio::process::Command::new(server_bin);
    command
        .arg("serve")
        .arg("--bind")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(&scratch.data_dir)
        .env("CALLVITALS_RATE_LIMIT_PER_MINUTE", "0")
        .env("RUST_LOG", "warn")
        .env_remove("DATABASE_URL")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    if let Some(url) = &scratch.database_url {
        command.env("DATABASE_URL", url);
    }
    let mut server = command.spawn()?;
    let pid = server.id().unwrap_or_default();
    let client = HttpClient::default();
    wait_until_healthy(&client, &base).await?;

    let (load, body_bytes) = match workload {
        Workload::Stats => {
            let connections =
                open_connections(&client, &base, &app.api_key, options.sessions).await?;
            let bodies: Vec<String> = connections
                .iter()
                .enumerate()
                .map(|(index, (token, peer, connection))| {
                    stats_body(token, peer, connection, index as i64)
                })
                .collect();
            let body_bytes = bodies[0].len();
            eprintln!(
                "== {engine}: {} sessions ready; {} clients posting {:.1} KB stats bodies for {} s",
                bodies.len(),
                options.clients,
                body_bytes as f64 / 1024.0,
                options.seconds
            );
            (Load::Stats(Arc::new(bodies)), body_bytes)
        }
        Workload::Calls => {
            eprintln!(
                "== {engine}: {} clients making calls ({} posts each) for {} s",
                options.clients,
                9 + 2 * options.stats_per_participant,
                options.seconds
            );
            let body_bytes = stats_body("t", "p", "c", 0).len();
            (
                Load::Calls {
                    api_key: app.api_key.clone(),
                    stats_per_participant: options.stats_per_participant.max(1),
                },
                body_bytes,
            )
        }
    };
    let load = Arc::new(load);

    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut workers = Vec::new();
    for worker in 0..options.clients {
        let (client, load, stop, base) = (client.clone(), load.clone(), stop.clone(), base.clone());
        workers.push(tokio::spawn(async move {
            let mut tally = ClientTally::default();
            let mut next = worker;
            while !stop.load(Ordering::Relaxed) {
                match load.as_ref() {
                    Load::Stats(bodies) => {
                        let body = bodies[next % bodies.len()].clone();
                        next += 7;
                        if tally
                            .post(&client, &base, "/v1/stats", body)
                            .await
                            .is_some()
                        {
                            tally.stats_acked += 1;
                        }
                    }
                    Load::Calls {
                        api_key,
                        stats_per_participant,
                    } => {
                        let name = format!("{worker}-{next}");
                        let call = Call {
                            api_key,
                            name: &name,
                            stats_per_participant: *stats_per_participant,
                        };
                        call.run(&client, &base, &mut tally).await;
                        next += 1;
                    }
                }
            }
            tally
        }));
    }
    let progress = ProgressBar::new(options.seconds);
    progress.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} s")?
            .progress_chars("=> "),
    );
    progress.set_message(format!("{engine} load"));
    for _ in 0..options.seconds {
        tokio::time::sleep(Duration::from_secs(1)).await;
        progress.inc(1);
    }
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut stats_acked = 0;
    for worker in workers {
        let mut tally = worker.await?;
        latencies.append(&mut tally.latencies);
        errors += tally.errors;
        stats_acked += tally.stats_acked;
    }
    let seconds = started.elapsed().as_secs_f64();
    progress.finish_and_clear();
    let peak_rss_mb = peak_rss_mb(pid);
    let writer = WriterFigures::read(&client, &base).await;

    // Graceful stop: SIGTERM, so the server commits what it acknowledged.
    let _ = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status();
    let _ = tokio::time::timeout(Duration::from_secs(30), server.wait()).await;

    let (store, maintenance) =
        crate::store::open_with_maintenance(scratch.database_url.as_deref(), &scratch.data_dir)
            .await?;
    let stored = maintenance.table_counts().await?.stats_samples;
    store.close().await;
    scratch.remove().await?;

    latencies.sort_unstable();
    let percentile = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |micros| f64::from(*micros) / 1000.0)
    };
    let figures = IngestFigures {
        engine,
        posts: latencies.len() as u64,
        errors,
        seconds,
        p50_ms: percentile(0.50),
        p99_ms: percentile(0.99),
        max_ms: latencies
            .last()
            .map_or(0.0, |micros| f64::from(*micros) / 1000.0),
        peak_rss_mb,
        stored,
        stats_acked,
        body_bytes,
    };
    eprintln!(
        "== {engine}: writer batches of {:.1} commands on average, {:.2} ms per transaction, {:.2} ms queued",
        writer.commands_per_batch(),
        writer.ms_per_batch(),
        writer.queue_ms_per_command()
    );
    eprintln!(
        "== {engine}: {:.0} posts/s, p50 {:.2} ms, p99 {:.2} ms, {} errors, peak RSS {:.1} MB, {} of {} acknowledged stats posts stored",
        figures.posts as f64 / seconds,
        figures.p50_ms,
        figures.p99_ms,
        errors,
        peak_rss_mb,
        stored,
        stats_acked
    );
    Ok(figures)
}

/// The writer's counters from `/metrics`: how the group commit behaved under load.
#[derive(Default)]
struct WriterFigures {
    batches: f64,
    commands: f64,
    batch_micros: f64,
    queue_wait_micros: f64,
}

impl WriterFigures {
    async fn read(client: &HttpClient, base: &str) -> WriterFigures {
        let Ok(response) = client.get(&format!("{base}/metrics"), &[]).await else {
            return WriterFigures::default();
        };
        let text = response.text();
        let value = |name: &str| {
            text.lines()
                .find_map(|line| {
                    line.strip_prefix(name)?
                        .strip_prefix(' ')?
                        .parse::<f64>()
                        .ok()
                })
                .unwrap_or_default()
        };
        WriterFigures {
            batches: value("callvitals_ingest_batches_total"),
            commands: value("callvitals_ingest_commands_total"),
            batch_micros: value("callvitals_ingest_batch_micros_total"),
            queue_wait_micros: value("callvitals_ingest_queue_wait_micros_total"),
        }
    }

    fn commands_per_batch(&self) -> f64 {
        self.commands / self.batches.max(1.0)
    }

    fn ms_per_batch(&self) -> f64 {
        self.batch_micros / self.batches.max(1.0) / 1000.0
    }

    fn queue_ms_per_command(&self) -> f64 {
        self.queue_wait_micros / self.commands.max(1.0) / 1000.0
    }
}

async fn wait_until_healthy(client: &HttpClient, base: &str) -> anyhow::Result<()> {
    for _ in 0..200 {
        if let Ok(response) = client.get(&format!("{base}/health"), &[]).await
            && response.status == 200
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("the server did not become healthy")
}

/// The SDK's `POST /v1/initialize` body.
fn initialize_body(conference: &str, user: &str, api_key: &str) -> Value {
    json!({"conferenceId": conference, "userId": user, "apiKey": api_key})
}

/// The SDK's `POST /v1/sessions` body, for the session `token` from initialize.
fn session_body(token: &Value, browser: &str, os: &str) -> Value {
    json!({"platform": {"browser": {"name": browser, "version": "124.0.0.0"}, "os": {"name": os}},
           "constraints": {}, "devices": [], "webrtcSdk": "", "token": token})
}

/// The SDK's `addConnection` body, towards the customer's peer id.
fn add_connection_body(peer: &str, token: &str) -> Value {
    json!({"eventName": "addConnection", "peerId": peer, "connectionState": "new", "isSfu": false,
           "token": token})
}

/// One client's posts: the latency of each acknowledged one, and the failures.
#[derive(Default)]
struct ClientTally {
    latencies: Vec<u32>,
    errors: u64,
    stats_acked: u64,
}

impl ClientTally {
    /// Posts a body; the answer when the server acknowledged it.
    async fn post(
        &mut self,
        client: &HttpClient,
        base: &str,
        path: &str,
        body: String,
    ) -> Option<Value> {
        let sent = Instant::now();
        match client.post_text(&format!("{base}{path}"), body).await {
            Ok(response) if response.status == 200 => {
                self.latencies.push(sent.elapsed().as_micros() as u32);
                Some(serde_json::from_slice(&response.body).unwrap_or(Value::Null))
            }
            _ => {
                self.errors += 1;
                None
            }
        }
    }
}

/// One two-party call as the SDK reports it.
struct Call<'a> {
    api_key: &'a str,
    name: &'a str,
    stats_per_participant: usize,
}

impl Call<'_> {
    /// Makes the call; stops at the first failed post.
    async fn run(&self, client: &HttpClient, base: &str, tally: &mut ClientTally) -> Option<()> {
        let name = self.name;
        let users = [format!("a-{name}"), format!("b-{name}")];
        let browsers = [("Chrome", "Windows"), ("Firefox", "macOS")];
        let mut tokens = Vec::new();
        for (user, (browser, os)) in users.iter().zip(browsers) {
            let init = initialize_body(&format!("call-{name}"), user, self.api_key);
            let init = tally
                .post(client, base, "/v1/initialize", init.to_string())
                .await?;
            let session = session_body(&init["token"], browser, os);
            let session = tally
                .post(client, base, "/v1/sessions", session.to_string())
                .await?;
            tokens.push(session["token"].as_str()?.to_owned());
        }
        let mut stats = Vec::new();
        for (index, token) in tokens.iter().enumerate() {
            let peer = &users[1 - index];
            let added = add_connection_body(peer, token);
            let added = tally
                .post(client, base, "/v1/connection", added.to_string())
                .await?;
            stats.push((
                token,
                added["peer_id"].as_str()?.to_owned(),
                added["connection_id"].as_str()?.to_owned(),
            ));
        }
        for round in 0..self.stats_per_participant {
            for (token, peer, connection) in &stats {
                let body = stats_body(token, peer, connection, round as i64);
                tally.post(client, base, "/v1/stats", body).await?;
                tally.stats_acked += 1;
            }
        }
        let mute =
            json!({"eventName": "custom", "data": {"eventName": "mute"}, "token": tokens[0]});
        tally
            .post(client, base, "/v1/events/browser", mute.to_string())
            .await?;
        for token in &tokens {
            let end = json!({"eventName": "endCall", "token": token});
            tally
                .post(client, base, "/v1/events/browser", end.to_string())
                .await?;
        }
        Some(())
    }
}

/// Opens `count` SDK sessions, two per conference, each with one connection to the
/// other participant. Returns (session token, peer id, connection id).
async fn open_connections(
    client: &HttpClient,
    base: &str,
    api_key: &str,
    count: usize,
) -> anyhow::Result<Vec<(String, String, String)>> {
    let post = |path: &str, body: Value| {
        let url = format!("{base}{path}");
        async move {
            let response = client.post_text(&url, body.to_string()).await?;
            anyhow::ensure!(
                response.status == 200,
                "{url}: {} {}",
                response.status,
                response.text()
            );
            Ok::<Value, anyhow::Error>(response.json())
        }
    };
    let mut out = Vec::with_capacity(count);
    for index in 0..count {
        let conference = format!("bench-room-{}", index / 2);
        let user = format!("user-{index}");
        let peer = format!("user-{}", index ^ 1);
        let init = post(
            "/v1/initialize",
            initialize_body(&conference, &user, api_key),
        )
        .await?;
        let session = post(
            "/v1/sessions",
            session_body(&init["token"], "Chrome", "Windows"),
        )
        .await?;
        let token = session["token"].as_str().unwrap_or_default().to_owned();
        let added = post("/v1/connection", add_connection_body(&peer, &token)).await?;
        out.push((
            token,
            added["peer_id"].as_str().unwrap_or_default().to_owned(),
            added["connection_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        ));
    }
    Ok(out)
}

/// One RTP report as webrtc-stats 5.7 spreads it, with codec info and a track object.
fn rtp_report(kind: &str, direction: &str, ssrc: i64, seed: i64) -> Value {
    let video = kind == "video";
    let mut report = json!({
        "id": format!("{}T01{}{ssrc}", if direction == "inbound" { "I" } else { "O" }, &kind[..1].to_uppercase()),
        "timestamp": 1_705_401_984_127.3 + seed as f64, "type": format!("{direction}-rtp"), "kind": kind,
        "mediaType": kind, "ssrc": ssrc, "transportId": "T01", "codecId": format!("CIT01_{}", if video { 96 } else { 111 }),
        "mimeType": if video { "video/VP8" } else { "audio/opus" }, "clockRate": if video { 90000 } else { 48000 },
        "payloadType": if video { 96 } else { 111 },
        "bitrate": if video { 1_450_000 + seed } else { 32_000 + seed }, "packetRate": if video { 140 } else { 50 },
    });
    let counters = if direction == "inbound" {
        json!({"trackIdentifier": format!("{kind}-remote-{seed}"), "mid": if video { "1" } else { "0" },
               "packetsReceived": 48_611 + seed, "packetsLost": 12, "bytesReceived": 28_442_000 + seed, "jitter": 0.0041,
               "headerBytesReceived": 1_166_664,
               "jitterBufferDelay": 29_116.8, "jitterBufferTargetDelay": 30_102.2, "jitterBufferMinimumDelay": 28_000.1,
               "jitterBufferEmittedCount": 463_680, "fecPacketsReceived": 0, "fecPacketsDiscarded": 0,
               "nackCount": 3, "remoteId": format!("ROA{ssrc}"), "track": {}})
    } else {
        json!({"mid": if video { "1" } else { "0" }, "mediaSourceId": format!("SO{ssrc}"),
               "packetsSent": 49_001 + seed, "bytesSent": 29_100_000 + seed, "headerBytesSent": 1_176_024,
               "retransmittedPacketsSent": 4, "retransmittedBytesSent": 4_100, "targetBitrate": 1_500_000,
               "totalPacketSendDelay": 12.3, "nackCount": 2, "active": true,
               "remoteId": format!("RIA{ssrc}"),
               "track": {"id": format!("SO{ssrc}"), "kind": kind, "trackIdentifier": format!("{kind}-local-{seed}"),
                         "audioLevel": 0.0123, "totalAudioEnergy": 1.92, "totalSamplesDuration": 986.4}})
    };
    for (key, value) in counters.as_object().into_iter().flatten() {
        report[key] = value.clone();
    }
    if video {
        let extra = json!({"frameWidth": 1280, "frameHeight": 720, "framesPerSecond": 30, "keyFramesDecoded": 14,
            "framesDecoded": 29_580, "framesDropped": 3, "totalDecodeTime": 88.2, "qpSum": 481_200,
            "decoderImplementation": "libvpx", "powerEfficientDecoder": false, "firCount": 0, "pliCount": 2,
            "framesEncoded": 29_590, "qualityLimitationReason": "none", "encoderImplementation": "libvpx"});
        for (key, value) in extra.as_object().into_iter().flatten() {
            report[key] = value.clone();
        }
    }
    report
}

/// A `/v1/stats` body shaped like the SDK's (§2.7): audio and video reports in both
/// directions, the selected candidate pair, and remote reports; about 5.6 KB.
pub fn stats_body(token: &str, peer: &str, connection: &str, seed: i64) -> String {
    let candidate = |kind: &str, address: &str| {
        json!({"id": format!("I{kind}1"), "timestamp": 1_705_401_984_127.3, "type": format!("{kind}-candidate"),
               "transportId": "T01", "isRemote": kind == "remote", "networkType": "ethernet", "ip": address,
               "address": address, "port": 54_321, "protocol": "udp", "candidateType": "srflx", "priority": 1_686_052_607,
               "url": "stun:stun.example.org:3478", "relayProtocol": null, "foundation": "842163049",
               "usernameFragment": "a1b2", "tcpType": null})
    };
    json!({
        "data": {
            "audio": {"inbound": [rtp_report("audio", "inbound", 1_026_072_958, seed)],
                      "outbound": [rtp_report("audio", "outbound", 3_021_811_111, seed)]},
            "video": {"inbound": [rtp_report("video", "inbound", 2_026_072_958, seed)],
                      "outbound": [rtp_report("video", "outbound", 4_021_811_111, seed)]},
            "connection": {"id": "CPa1b2c3d4_e5f6a7b8", "timestamp": 1_705_401_984_127.3, "type": "candidate-pair",
                "transportId": "T01", "localCandidateId": "Ilocal1", "remoteCandidateId": "Iremote1", "state": "succeeded",
                "priority": 7_241_540_810_645_061_000_u64, "nominated": true, "writable": true, "packetsSent": 98_211 + seed,
                "packetsReceived": 97_804, "bytesSent": 58_211_020 + seed, "bytesReceived": 57_994_210,
                "totalRoundTripTime": 12.41, "currentRoundTripTime": 0.021, "availableOutgoingBitrate": 2_512_000,
                "requestsReceived": 412, "requestsSent": 413, "responsesReceived": 412, "responsesSent": 412,
                "consentRequestsSent": 405,
                "lastPacketReceivedTimestamp": 1_705_401_984_120.1, "lastPacketSentTimestamp": 1_705_401_984_119.8,
                "local": candidate("local", "198.51.100.7"), "remote": candidate("remote", "203.0.113.42")},
            "remote": {
                "audio": {"inbound": [{"id": "RIA3021811111", "type": "remote-inbound-rtp", "kind": "audio", "ssrc": 3_021_811_111_u64,
                    "packetsLost": 3, "jitter": 0.0021, "roundTripTime": 0.021, "totalRoundTripTime": 8.1, "fractionLost": 0,
                    "roundTripTimeMeasurements": 385, "localId": "OT01A3021811111", "codecId": "COT01_111"}],
                          "outbound": [{"id": "ROA1026072958", "type": "remote-outbound-rtp", "kind": "audio",
                    "ssrc": 1_026_072_958_u64, "packetsSent": 48_700, "bytesSent": 28_500_000, "localId": "IT01A1026072958",
                    "remoteTimestamp": 1_705_401_984_001.0, "reportsSent": 192, "roundTripTimeMeasurements": 0}]},
                "video": {"inbound": [{"id": "RIV4021811111", "type": "remote-inbound-rtp", "kind": "video", "ssrc": 4_021_811_111_u64,
                    "packetsLost": 9, "jitter": 0.0061, "roundTripTime": 0.022, "fractionLost": 0, "localId": "OT01V4021811111"}],
                          "outbound": []}
            }
        },
        "peerId": peer, "connectionId": connection, "timeTaken": 3.4, "token": token
    })
    .to_string()
}
