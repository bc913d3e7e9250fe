//! Prometheus metrics: request counts and latency per matched route, and the ingest
//! writer's queue and batches. Kept dependency-free; the hot path is one read-locked
//! map lookup and a few relaxed atomic adds.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, RwLock};

use axum::http::Method;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::ingest::WriterMetrics;

/// The label of every non-standard method.
static OTHER_METHOD: std::sync::LazyLock<Method> =
    std::sync::LazyLock::new(|| Method::from_bytes(b"other").expect("a valid token"));

/// Latency bucket bounds in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default)]
struct RouteStats {
    count: AtomicU64,
    micros_sum: AtomicU64,
    buckets: [AtomicU64; BUCKETS.len()],
}

/// Per route, then per (method, status). Looking a route up by `&str` and a method by
/// value allocates nothing, so a request that hits known labels only reads the map.
type RouteStatsByLabel = HashMap<String, HashMap<(Method, u16), Arc<RouteStats>>>;

#[derive(Default)]
pub struct HttpMetrics {
    routes: RwLock<RouteStatsByLabel>,
}

impl HttpMetrics {
    pub fn record(&self, route: &str, method: &Method, status: u16, elapsed: Duration) {
        // Clients can invent methods; only the standard ones get a label of their own.
        let method = match *method {
            Method::GET
            | Method::POST
            | Method::PUT
            | Method::DELETE
            | Method::PATCH
            | Method::OPTIONS
            | Method::HEAD => method,
            _ => &OTHER_METHOD,
        };
        let known = self
            .routes
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(route)
            .and_then(|by_label| by_label.get(&(method.clone(), status)))
            .cloned();
        let stats = known.unwrap_or_else(|| {
            let mut routes = self
                .routes
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let by_label = routes.entry(route.to_owned()).or_default();
            by_label
                .entry((method.clone(), status))
                .or_default()
                .clone()
        });
        let seconds = elapsed.as_secs_f64();
        stats.count.fetch_add(1, Ordering::Relaxed);
        stats
            .micros_sum
            .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
        if let Some(index) = BUCKETS.iter().position(|bound| seconds <= *bound) {
            stats.buckets[index].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Every (route, method, status) with its stats, sorted for stable output.
    fn snapshot(&self) -> Vec<(String, Method, u16, Arc<RouteStats>)> {
        let routes = self
            .routes
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut rows: Vec<_> = routes
            .iter()
            .flat_map(|(route, by_label)| {
                by_label.iter().map(move |((method, status), stats)| {
                    (route.clone(), method.clone(), *status, stats.clone())
                })
            })
            .collect();
        rows.sort_by(|a, b| (&a.0, a.1.as_str(), a.2).cmp(&(&b.0, b.1.as_str(), b.2)));
        rows
    }

    pub fn render(&self, writer: &WriterMetrics) -> String {
        let mut out = String::with_capacity(4096);
        out.push_str("# HELP callvitals_http_requests_total HTTP requests by matched route, method and status.\n");
        out.push_str("# TYPE callvitals_http_requests_total counter\n");
        let rows = self.snapshot();
        let labels = |route: &str, method: &Method, status: u16| {
            format!("route=\"{route}\",method=\"{method}\",status=\"{status}\"")
        };
        for (route, method, status, stats) in &rows {
            let labels = labels(route, method, *status);
            let count = stats.count.load(Ordering::Relaxed);
            let _ = writeln!(out, "callvitals_http_requests_total{{{labels}}} {count}");
        }
        out.push_str("# HELP callvitals_http_request_duration_seconds HTTP request latency by matched route.\n");
        out.push_str("# TYPE callvitals_http_request_duration_seconds histogram\n");
        for (route, method, status, stats) in &rows {
            let labels = labels(route, method, *status);
            let mut cumulative = 0;
            for (bound, bucket) in BUCKETS.iter().zip(&stats.buckets) {
                cumulative += bucket.load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "callvitals_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            let count = stats.count.load(Ordering::Relaxed);
            let sum = stats.micros_sum.load(Ordering::Relaxed) as f64 / 1e6;
            let _ = writeln!(
                out,
                "callvitals_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {count}\n\
                 callvitals_http_request_duration_seconds_sum{{{labels}}} {sum}\n\
                 callvitals_http_request_duration_seconds_count{{{labels}}} {count}"
            );
        }
        let gauges = [
            (
                "callvitals_ingest_queue_depth",
                "gauge",
                "Commands waiting for the ingest writer.",
                writer.queued.load(Ordering::Relaxed),
            ),
            (
                "callvitals_ingest_batches_total",
                "counter",
                "Transactions committed by the ingest writer.",
                writer.batches.load(Ordering::Relaxed),
            ),
            (
                "callvitals_ingest_commands_total",
                "counter",
                "Commands applied by the ingest writer.",
                writer.commands.load(Ordering::Relaxed),
            ),
            (
                "callvitals_ingest_failed_commands_total",
                "counter",
                "Commands that failed on a storage error and were undone alone.",
                writer.failed_commands.load(Ordering::Relaxed),
            ),
            (
                "callvitals_ingest_conference_updates_total",
                "counter",
                "Conference rows whose facts committed batches changed.",
                writer.conference_updates.load(Ordering::Relaxed),
            ),
            (
                "callvitals_ingest_retried_batches_total",
                "counter",
                "Batches retried after a transient storage error.",
                writer.retried_batches.load(Ordering::Relaxed),
            ),
            (
                "callvitals_ingest_commit_outcome_checks_total",
                "counter",
                "COMMITs that failed without an answer and were looked up by batch id.",
                writer.commit_outcome_checks.load(Ordering::Relaxed),
            ),
            (
                "callvitals_ingest_panics_total",
                "counter",
                "Batches that panicked; the writer shard carried on.",
                writer.panics.load(Ordering::Relaxed),
            ),
            (
                "callvitals_ingest_batch_micros_total",
                "counter",
                "Time spent in ingest transactions, in microseconds.",
                writer.commit_micros_total.load(Ordering::Relaxed),
            ),
            (
                "callvitals_ingest_queue_wait_micros_total",
                "counter",
                "Time commands waited in the queue, in microseconds.",
                writer.queue_wait_micros_total.load(Ordering::Relaxed),
            ),
        ];
        for (name, kind, help, value) in gauges {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        }
        out
    }
}
