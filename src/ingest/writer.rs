//! Group commit. Requests queue their commands; a writer task takes everything queued,
//! applies it in one transaction, commits, and only then answers each request. An
//! acknowledged request is therefore durable, and a burst of requests costs one
//! commit instead of one each.
//!
//! SQLite has one writer. PostgreSQL gets a few, each owning the conferences that
//! hash to it: one shard's commit overlaps another's work, and every command of a
//! conference still goes through the same task, in order.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::store::{Engine, SharedStore, StoreError};

use super::apply::{BatchContext, apply};
use super::command::{Command, Reply};
use super::identity::IdentityCache;
use super::samples::SampleState;

/// Writer tasks on PostgreSQL. Two already overlap one commit with the next batch;
/// more would mostly add lock traffic on a small machine.
const POSTGRES_SHARDS: usize = 2;
/// Commands per transaction at most; more would only delay the first answers.
const MAX_BATCH: usize = 512;
/// Requests that may wait for the writer before new ones are refused with a 503.
const QUEUE_CAPACITY: usize = 20_000;
/// Tries for a batch that hit a transient error (deadlock, busy database).
const TRANSIENT_RETRIES: u32 = 3;
/// The coarse `last_activity_at` of a conference is written at most this often.
const ACTIVITY_GRANULARITY_MICROS: i64 = 5_000_000;

struct Job {
    command: Command,
    reply: oneshot::Sender<ApiResult<Reply>>,
    queued_at: Instant,
}

/// Counters the writer exposes on `/metrics`.
#[derive(Default)]
pub struct WriterMetrics {
    pub queued: AtomicU64,
    pub batches: AtomicU64,
    pub commands: AtomicU64,
    pub failed_batches: AtomicU64,
    pub commit_micros_total: AtomicU64,
    pub queue_wait_micros_total: AtomicU64,
}

#[derive(Clone)]
pub struct Writer {
    shards: Arc<[mpsc::Sender<Job>]>,
    metrics: Arc<WriterMetrics>,
}

impl Writer {
    /// Starts the writer tasks; the handle resolves when all of them have drained.
    pub fn spawn(store: SharedStore, identities: Arc<IdentityCache>) -> (Writer, JoinHandle<()>) {
        let shard_count = match store.engine() {
            Engine::Sqlite => 1,
            Engine::Postgres => POSTGRES_SHARDS,
        };
        let metrics = Arc::new(WriterMetrics::default());
        let mut shards = Vec::with_capacity(shard_count);
        let mut tasks = Vec::with_capacity(shard_count);
        for _ in 0..shard_count {
            let (sender, receiver) = mpsc::channel(QUEUE_CAPACITY / shard_count);
            shards.push(sender);
            let task = WriterTask {
                store: store.clone(),
                identities: identities.clone(),
                receiver,
                state: SampleState::default(),
                activity_written: std::collections::HashMap::new(),
                metrics: metrics.clone(),
            };
            tasks.push(tokio::spawn(task.run()));
        }
        let handle = tokio::spawn(async move {
            for task in tasks {
                if let Err(error) = task.await {
                    tracing::error!(error = %error, "ingest writer shard ended abnormally");
                }
            }
        });
        (
            Writer {
                shards: shards.into(),
                metrics,
            },
            handle,
        )
    }

    pub fn metrics(&self) -> &WriterMetrics {
        &self.metrics
    }

    /// Queues a command and waits until it is committed (or refused).
    pub async fn submit(&self, command: Command) -> ApiResult<Reply> {
        let (reply, answer) = oneshot::channel();
        let shard = &self.shards[command.shard_key() as usize % self.shards.len()];
        let job = Job {
            command,
            reply,
            queued_at: Instant::now(),
        };
        if shard.try_send(job).is_err() {
            return Err(ApiError::with_message(
                ErrorCode::Unavailable,
                "ingest queue is full; retry later",
            ));
        }
        self.metrics.queued.fetch_add(1, Ordering::Relaxed);
        answer.await.unwrap_or_else(|_| {
            Err(ApiError::with_message(
                ErrorCode::Unavailable,
                "ingest writer stopped",
            ))
        })
    }
}

struct WriterTask {
    store: SharedStore,
    identities: Arc<IdentityCache>,
    receiver: mpsc::Receiver<Job>,
    state: SampleState,
    activity_written: std::collections::HashMap<uuid::Uuid, i64>,
    metrics: Arc<WriterMetrics>,
}

impl WriterTask {
    /// Runs until every `Writer` handle is dropped and the queue is drained, so a
    /// graceful shutdown commits everything that was accepted.
    async fn run(mut self) {
        let mut jobs = Vec::with_capacity(MAX_BATCH);
        while self.receiver.recv_many(&mut jobs, MAX_BATCH).await > 0 {
            self.metrics
                .queued
                .fetch_sub(jobs.len() as u64, Ordering::Relaxed);
            let batch: Vec<Job> = std::mem::take(&mut jobs);
            self.process(batch).await;
        }
        tracing::debug!("ingest writer drained and stopped");
    }

    async fn process(&mut self, jobs: Vec<Job>) {
        let now = Instant::now();
        let waited: u128 = jobs
            .iter()
            .map(|job| now.duration_since(job.queued_at).as_micros())
            .sum();
        self.metrics
            .queue_wait_micros_total
            .fetch_add(waited as u64, Ordering::Relaxed);
        self.metrics
            .commands
            .fetch_add(jobs.len() as u64, Ordering::Relaxed);

        let commands: Vec<&Command> = jobs.iter().map(|job| &job.command).collect();
        let mut outcome = self.run_with_retries(&commands).await;
        let failed_deterministically = outcome.as_ref().is_err_and(|error| !error.is_transient());
        if failed_deterministically && jobs.len() > 1 {
            // One bad command must not fail its neighbours: run each on its own. (A
            // transient failure, such as the database being down, would only repeat.)
            self.metrics.failed_batches.fetch_add(1, Ordering::Relaxed);
            let mut answers = Vec::with_capacity(jobs.len());
            for command in &commands {
                answers.push(match self.run_with_retries(&[command]).await {
                    Ok(mut single) => single.pop().expect("one answer per command"),
                    Err(error) => Err(error.into()),
                });
            }
            outcome = Ok(answers);
        }
        match outcome {
            Ok(answers) => {
                for (job, answer) in jobs.into_iter().zip(answers) {
                    let _ = job.reply.send(answer);
                }
            }
            Err(error) => {
                tracing::error!(error = ?error, command = commands[0].name(), "ingest command failed");
                let error = ApiError::from(error);
                for job in jobs {
                    let _ = job.reply.send(Err(ApiError::with_message(
                        error.code(),
                        error.code().default_message(),
                    )));
                }
            }
        }
    }

    async fn run_with_retries(
        &mut self,
        commands: &[&Command],
    ) -> Result<Vec<ApiResult<Reply>>, StoreError> {
        let mut attempt = 0;
        loop {
            match self.run_batch(commands).await {
                Ok(answers) => return Ok(answers),
                Err(error) => {
                    // The caches may hold what the failed transaction wrote.
                    self.state.clear();
                    self.activity_written.clear();
                    attempt += 1;
                    if !error.is_transient() || attempt >= TRANSIENT_RETRIES {
                        return Err(error);
                    }
                    tracing::warn!(error = %error, attempt, "transient storage error; retrying batch");
                    tokio::time::sleep(Duration::from_millis(10 * u64::from(attempt))).await;
                }
            }
        }
    }

    async fn run_batch(
        &mut self,
        commands: &[&Command],
    ) -> Result<Vec<ApiResult<Reply>>, StoreError> {
        let started = Instant::now();
        let mut tx = self.store.begin().await?;
        let mut context = BatchContext::default();
        let mut answers = Vec::with_capacity(commands.len());
        for command in commands {
            match apply(tx.as_mut(), &mut self.state, &mut context, command).await {
                Err(ApiError::Store(error)) => {
                    let _ = tx.rollback().await;
                    return Err(error);
                }
                answer => answers.push(answer),
            }
        }
        tx.insert_samples(&context.samples.stats, &context.samples.tracks)
            .await?;
        let activity = self.activity_to_write(&context);
        tx.touch_conferences(&activity).await?;
        tx.commit().await?;

        for (conference_id, at) in activity {
            self.activity_written.insert(conference_id, at);
        }
        for connection_id in &context.after_commit.ended_connections {
            self.identities.mark_connection_ended(*connection_id);
        }
        for identity in context.new_connections {
            self.identities.remember_connection(identity);
        }
        let elapsed = started.elapsed().as_micros() as u64;
        self.metrics
            .commit_micros_total
            .fetch_add(elapsed, Ordering::Relaxed);
        self.metrics.batches.fetch_add(1, Ordering::Relaxed);
        Ok(answers)
    }

    /// Conferences whose coarse activity time moved by more than the granularity,
    /// sorted by id so concurrent instances lock rows in the same order.
    fn activity_to_write(&mut self, context: &BatchContext) -> Vec<(uuid::Uuid, i64)> {
        if self.activity_written.len() > 100_000 {
            self.activity_written.clear();
        }
        let mut activity: Vec<(uuid::Uuid, i64)> = context
            .activity
            .iter()
            .filter(|(conference_id, at)| {
                self.activity_written
                    .get(*conference_id)
                    .is_none_or(|written| **at - written >= ACTIVITY_GRANULARITY_MICROS)
            })
            .map(|(conference_id, at)| (*conference_id, *at))
            .collect();
        activity.sort_unstable();
        activity
    }
}
