//! Live calls for the demo: a background simulator that drives SDK-shaped traffic
//! through the server's own HTTP ingest API (the real path, tokens and all), so a
//! newcomer sees ongoing conferences whose graphs grow. Calls start, settle, degrade
//! for a while, see a mute and an ICE blip, and end; new ones take their place.

use std::time::Duration;

use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use super::catalog::FIRST_NAMES;
use super::rng::{DemoRng, pick};
use crate::http_client::HttpClient;
use crate::ingest::STATS_INTERVAL_MS;

/// The demo app the live calls belong to.
pub const LIVE_APP: &str = "prod";

/// How many calls are live at once.
pub const LIVE_CALLS: usize = 3;

const ROOMS: &[(&str, u32)] = &[
    ("Design review", 3),
    ("Daily standup", 4),
    ("Customer call", 3),
    ("Support session", 2),
    ("Weekly sync", 2),
];

/// Starts the simulator against the server at `base` with an app's ingest key; it
/// runs until the task is dropped or aborted.
pub fn spawn(base: String, api_key: String) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let sdk = Sdk {
            client: HttpClient::default(),
            base,
        };
        let mut rng = DemoRng::seed_from_u64(rand::random());
        let mut calls: Vec<LiveCall> = Vec::new();
        let mut ticker = tokio::time::interval(Duration::from_millis(STATS_INTERVAL_MS as u64));
        let mut serial = 0u32;
        loop {
            ticker.tick().await;
            // One new call per interval at most, so start times spread out.
            if calls.len() < LIVE_CALLS {
                serial += 1;
                match LiveCall::start(&sdk, &mut rng, &api_key, serial).await {
                    Ok(call) => calls.push(call),
                    Err(error) => tracing::warn!(%error, "live demo: a call could not start"),
                }
            }
            for call in &mut calls {
                if let Err(error) = call.advance(&sdk, &mut rng).await {
                    tracing::warn!(%error, room = %call.room, "live demo: a call stopped early");
                    call.ticks_left = 0;
                }
            }
            let (ended, running): (Vec<LiveCall>, Vec<LiveCall>) =
                calls.into_iter().partition(|call| call.ticks_left == 0);
            calls = running;
            for call in ended {
                call.end(&sdk).await;
            }
        }
    })
}

struct Sdk {
    client: HttpClient,
    base: String,
}

impl Sdk {
    /// Posts as the SDK does (`text/plain`, no preflight); anything but 200 is an
    /// error the caller logs.
    async fn post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        let response = self
            .client
            .post_text(&format!("{}{path}", self.base), body.to_string())
            .await?;
        anyhow::ensure!(
            response.status.is_success(),
            "{path} answered {}: {}",
            response.status,
            response.text()
        );
        Ok(response.json())
    }
}

struct Member {
    name: &'static str,
    token: String,
}

/// Cumulative RTP counters of one stream: packets sent, and of those lost on the way.
#[derive(Default, Clone, Copy)]
struct Counters {
    bytes: i64,
    packets: i64,
    lost: i64,
}

impl Counters {
    fn advance(&mut self, bits_per_second: f64, packet_bytes: f64, loss: f64) {
        let seconds = STATS_INTERVAL_MS as f64 / 1000.0;
        let bytes = bits_per_second * seconds / 8.0;
        let packets = (bytes / packet_bytes).round() as i64;
        let lost = (packets as f64 * loss).round() as i64;
        self.bytes += bytes as i64;
        self.packets += packets;
        self.lost += lost;
    }
}

struct Link {
    from: usize,
    peer_id: String,
    connection_id: String,
    base_rtt_ms: f64,
    relay: bool,
    /// Audio in, audio out, video in, video out.
    streams: [Counters; 4],
    sent: i64,
    received: i64,
}

struct LiveCall {
    room: String,
    members: Vec<Member>,
    links: Vec<Link>,
    tick: u32,
    ticks_left: u32,
    /// The interval in which quality drops, and for how long.
    incident: (u32, u32),
}

impl LiveCall {
    async fn start(
        sdk: &Sdk,
        rng: &mut DemoRng,
        api_key: &str,
        serial: u32,
    ) -> anyhow::Result<LiveCall> {
        let name = *pick(rng, ROOMS);
        let room = format!("live-{}-{serial}", name.to_lowercase().replace(' ', "-"));
        let size = rng.gen_range(2..=4);
        let mut members = Vec::with_capacity(size);
        for index in 0..size {
            let person = FIRST_NAMES[(serial as usize * 7 + index * 3) % FIRST_NAMES.len()];
            let init = sdk
                .post(
                    "/v1/initialize",
                    &json!({"apiKey": api_key, "conferenceId": room, "conferenceName": format!("{name} (live)"),
                            "userId": format!("live-{}", person.to_lowercase()), "userName": person}),
                )
                .await?;
            let token = init["token"].as_str().unwrap_or_default().to_owned();
            let session = sdk
                .post(
                    "/v1/sessions",
                    &json!({"token": token, "appVersion": "3.2.0", "meta": {"plan": "live demo"},
                            "platform": {"ua": "Mozilla/5.0 Chrome/131.0.0.0",
                                "browser": {"name": "Chrome", "version": "131.0.0.0", "major": "131"},
                                "engine": {"name": "Blink"}, "os": {"name": "Mac OS", "version": "14.6"},
                                "device": {}, "cpu": {}},
                            "devices": [
                                {"deviceId": "mic", "kind": "audioinput", "label": "MacBook Pro Microphone", "groupId": "a"},
                                {"deviceId": "cam", "kind": "videoinput", "label": "FaceTime HD Camera", "groupId": "b"},
                                {"deviceId": "out", "kind": "audiooutput", "label": "MacBook Pro Speakers", "groupId": "a"}],
                            "constraints": {"audio": true, "video": true}}),
                )
                .await?;
            let token = session["token"].as_str().unwrap_or_default().to_owned();
            sdk.post(
                "/v1/events/get-user-media",
                &json!({"token": token, "eventName": "getUserMedia",
                        "data": {"constraints": {"audio": true, "video": true}}}),
            )
            .await?;
            members.push(Member {
                name: person,
                token,
            });
        }
        // A full mesh: every member holds a connection to every other.
        let mut links = Vec::new();
        for from in 0..size {
            for to in 0..size {
                if from == to {
                    continue;
                }
                let token = &members[from].token;
                let added = sdk
                    .post(
                        "/v1/connection",
                        &json!({"token": token, "eventName": "addConnection",
                                "peerId": format!("live-{}", members[to].name.to_lowercase()),
                                "peerName": members[to].name, "connectionState": "new", "isSfu": false}),
                    )
                    .await?;
                let peer_id = added["peer_id"].as_str().unwrap_or_default().to_owned();
                let connection_id = added["connection_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                for (event, data) in [
                    ("oniceconnectionstatechange", "checking"),
                    ("oniceconnectionstatechange", "connected"),
                    ("onconnectionstatechange", "connected"),
                ] {
                    sdk.post(
                        "/v1/connection",
                        &json!({"token": token, "eventName": event, "peerId": peer_id,
                                "connectionId": connection_id, "data": data}),
                    )
                    .await?;
                }
                links.push(Link {
                    from,
                    peer_id,
                    connection_id,
                    base_rtt_ms: rng.gen_range(15.0..90.0),
                    relay: rng.gen_bool(0.2),
                    streams: [Counters::default(); 4],
                    sent: 0,
                    received: 0,
                });
            }
        }
        let length = rng.gen_range(24..48); // 4 to 8 minutes
        Ok(LiveCall {
            room,
            members,
            links,
            tick: 0,
            ticks_left: length,
            incident: (rng.gen_range(6..length - 8), rng.gen_range(3..7)),
        })
    }

    /// One stats interval: every connection reports, and the script's events happen.
    async fn advance(&mut self, sdk: &Sdk, rng: &mut DemoRng) -> anyhow::Result<()> {
        self.tick += 1;
        self.ticks_left = self.ticks_left.saturating_sub(1);
        let (start, length) = self.incident;
        let degraded = (start..start + length).contains(&self.tick);
        for link in &mut self.links {
            let token = &self.members[link.from].token;
            let body = link.stats(rng, degraded, token);
            sdk.post("/v1/stats", &body).await?;
        }
        // The first member mutes for a while mid-call; one connection blips.
        if self.tick == 4 {
            let token = &self.members[0].token;
            sdk.post(
                "/v1/events/browser",
                &json!({"token": token, "eventName": "custom", "data": {"eventName": "mute"}}),
            )
            .await?;
        }
        if self.tick == 9 {
            let token = &self.members[0].token;
            sdk.post(
                "/v1/events/browser",
                &json!({"token": token, "eventName": "custom", "data": {"eventName": "unmute"}}),
            )
            .await?;
        }
        if self.tick == start + 1
            && let Some(link) = self.links.first()
        {
            let token = &self.members[link.from].token;
            for (event, data) in [
                ("oniceconnectionstatechange", "disconnected"),
                ("onnegotiationneeded", ""),
                ("oniceconnectionstatechange", "connected"),
            ] {
                let mut body = json!({"token": token, "eventName": event, "peerId": link.peer_id,
                                      "connectionId": link.connection_id});
                if !data.is_empty() {
                    body["data"] = json!(data);
                }
                sdk.post("/v1/connection", &body).await?;
            }
        }
        Ok(())
    }

    /// Every member hangs up: connections removed, then the page ends its call.
    async fn end(self, sdk: &Sdk) {
        for link in &self.links {
            let token = &self.members[link.from].token;
            let _ = sdk
                .post(
                    "/v1/connection",
                    &json!({"token": token, "eventName": "removeConnection", "peerId": link.peer_id,
                            "connectionId": link.connection_id}),
                )
                .await;
        }
        for member in &self.members {
            let _ = sdk
                .post(
                    "/v1/events/browser",
                    &json!({"token": member.token, "eventName": "endCall"}),
                )
                .await;
        }
    }
}

impl Link {
    fn stats(&mut self, rng: &mut DemoRng, degraded: bool, token: &str) -> Value {
        let noise = |rng: &mut DemoRng, spread: f64| 1.0 + rng.gen_range(-spread..spread);
        let loss = if degraded {
            rng.gen_range(0.03..0.09)
        } else {
            rng.gen_range(0.0..0.004)
        };
        let rtt = self.base_rtt_ms
            * if degraded {
                rng.gen_range(2.5..4.0)
            } else {
                noise(rng, 0.15)
            };
        let video_bps = if degraded { 450_000.0 } else { 1_400_000.0 } * noise(rng, 0.1);
        let (fps, height) = if degraded { (12.0, 360) } else { (30.0, 720) };
        let width = height * 16 / 9;
        let jitter = if degraded {
            rng.gen_range(0.02..0.05)
        } else {
            rng.gen_range(0.002..0.008)
        };
        for (index, stream) in self.streams.iter_mut().enumerate() {
            let video = index >= 2;
            let bps = if video {
                video_bps
            } else {
                32_000.0 * noise(rng, 0.05)
            };
            stream.advance(bps, if video { 1_100.0 } else { 80.0 }, loss);
        }
        let [audio_in, audio_out, video_in, video_out] = self.streams;
        self.sent = audio_out.bytes + video_out.bytes;
        self.received = audio_in.bytes + video_in.bytes;
        let candidate = if self.relay { "relay" } else { "srflx" };
        json!({
            "token": token, "peerId": self.peer_id, "connectionId": self.connection_id, "timeTaken": 2.4,
            "data": {
                "audio": {
                    "inbound": [{"kind": "audio", "ssrc": 1001, "trackIdentifier": "remote-audio",
                        "bytesReceived": audio_in.bytes, "packetsReceived": audio_in.packets - audio_in.lost, "packetsLost": audio_in.lost,
                        "jitter": jitter, "jitterBufferDelay": audio_in.packets as f64 * 0.05,
                        "jitterBufferEmittedCount": audio_in.packets * 960, "audioLevel": rng.gen_range(0.01..0.3), "track": {}}],
                    "outbound": [{"kind": "audio", "ssrc": 1002, "bytesSent": audio_out.bytes, "packetsSent": audio_out.packets,
                        "track": {"trackIdentifier": "local-audio", "audioLevel": rng.gen_range(0.01..0.3)}}]
                },
                "video": {
                    "inbound": [{"kind": "video", "ssrc": 2001, "trackIdentifier": "remote-video",
                        "bytesReceived": video_in.bytes, "packetsReceived": video_in.packets - video_in.lost, "packetsLost": video_in.lost,
                        "jitter": jitter, "framesPerSecond": fps, "frameWidth": width, "frameHeight": height, "track": {}}],
                    "outbound": [{"kind": "video", "ssrc": 2002, "bytesSent": video_out.bytes, "packetsSent": video_out.packets,
                        "framesPerSecond": fps, "frameWidth": width, "frameHeight": height,
                        "track": {"trackIdentifier": "local-video"}}]
                },
                "connection": {"state": "succeeded", "nominated": true, "bytesSent": self.sent,
                    "bytesReceived": self.received, "currentRoundTripTime": rtt / 1000.0,
                    "availableOutgoingBitrate": video_bps * 1.4,
                    "local": {"candidateType": candidate, "protocol": "udp"},
                    "remote": {"candidateType": "srflx", "protocol": "udp"}},
                "remote": {
                    "audio": {"inbound": [{"ssrc": 1002, "roundTripTime": rtt / 1000.0, "jitter": jitter,
                        "packetsLost": audio_out.lost}], "outbound": []},
                    "video": {"inbound": [{"ssrc": 2002, "roundTripTime": rtt / 1000.0, "jitter": jitter,
                        "packetsLost": video_out.lost}], "outbound": []}
                }
            }
        })
    }
}
