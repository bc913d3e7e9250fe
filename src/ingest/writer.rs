//! Group commit. Requests queue their commands; a writer task takes everything queued,
//! applies it in one transaction, commits, and only then answers each request. An
//! acknowledged request is therefore durable, and a burst of requests costs one
//! commit instead of one each.
//!
//! SQLite has one writer. PostgreSQL gets a few, each owning the conferences that
//! hash to it: one shard's commit overlaps another's work, and every command of a
//! conference still goes through the same task, in order.
//!
//! Failure paths:
//! - each command runs under a savepoint: a command that fails is undone alone (in
//!   the database and in memory) and gets its own error; the rest commit;
//! - a transient error (deadlock, lost connection) rolls the batch back and retries
//!   it a few times;
//! - every batch records its id inside its transaction, so when a `COMMIT` fails
//!   without an answer the writer looks the id up instead of guessing: a batch that
//!   did commit is answered as committed, one that did not is retried;
//! - a panic while applying a batch fails that batch's requests with a 503, resets
//!   the shard's memory and carries on; `/health` reports restarts and crash loops.

use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::domain::time::now_micros;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::store::{Engine, SharedStore, StoreError};

use super::apply::{BatchContext, IngestSettings, apply};
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
/// Tries to learn whether a batch whose COMMIT failed did commit.
const OUTCOME_CHECKS: u32 = 5;
/// A shard that panicked this often within [`CRASH_LOOP_WINDOW`] is reported down.
const CRASH_LOOP_PANICS: usize = 3;
const CRASH_LOOP_WINDOW: Duration = Duration::from_secs(60);
/// A batch running longer than this means the shard is stuck.
const STUCK_AFTER: Duration = Duration::from_secs(60);

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
    pub failed_commands: AtomicU64,
    /// Conferences whose facts a committed batch changed.
    pub conference_updates: AtomicU64,
    pub retried_batches: AtomicU64,
    pub commit_outcome_checks: AtomicU64,
    pub panics: AtomicU64,
    pub commit_micros_total: AtomicU64,
    pub queue_wait_micros_total: AtomicU64,
}

/// Liveness of one shard, shared with `/health`.
#[derive(Default)]
struct ShardHealth {
    running: AtomicBool,
    /// When the batch in progress started (unix micros), 0 when idle.
    busy_since: AtomicU64,
    recent_panics: std::sync::Mutex<Vec<Instant>>,
}

impl ShardHealth {
    fn panicked(&self) {
        let mut panics = self.recent_panics.lock().unwrap_or_else(|e| e.into_inner());
        panics.retain(|at| at.elapsed() < CRASH_LOOP_WINDOW);
        panics.push(Instant::now());
    }

    fn problem(&self) -> Option<&'static str> {
        if !self.running.load(Ordering::Relaxed) {
            return Some("stopped");
        }
        let busy_since = self.busy_since.load(Ordering::Relaxed) as i64;
        if busy_since != 0 && now_micros() - busy_since > STUCK_AFTER.as_micros() as i64 {
            return Some("stuck");
        }
        let panics = self.recent_panics.lock().unwrap_or_else(|e| e.into_inner());
        let recent = panics
            .iter()
            .filter(|at| at.elapsed() < CRASH_LOOP_WINDOW)
            .count();
        (recent >= CRASH_LOOP_PANICS).then_some("crash_loop")
    }
}

/// What `/health` says about ingest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriterStatus {
    pub shards: usize,
    pub panics: u64,
    /// The first problem found, if ingest is down: `stopped`, `stuck`, `crash_loop`.
    pub problem: Option<&'static str>,
}

#[derive(Clone)]
pub struct Writer {
    shards: Arc<[mpsc::Sender<Job>]>,
    health: Arc<[ShardHealth]>,
    metrics: Arc<WriterMetrics>,
    stop: Arc<tokio::sync::watch::Sender<bool>>,
}

impl Writer {
    /// Starts the writer tasks; the handle resolves when all of them have drained.
    pub fn spawn(
        store: SharedStore,
        identities: Arc<IdentityCache>,
        settings: IngestSettings,
    ) -> (Writer, JoinHandle<()>) {
        let shard_count = match store.engine() {
            Engine::Sqlite => 1,
            Engine::Postgres => POSTGRES_SHARDS,
        };
        let metrics = Arc::new(WriterMetrics::default());
        let health: Arc<[ShardHealth]> = (0..shard_count).map(|_| ShardHealth::default()).collect();
        let (stop, stopping) = tokio::sync::watch::channel(false);
        let mut shards = Vec::with_capacity(shard_count);
        let mut tasks = Vec::with_capacity(shard_count);
        for index in 0..shard_count {
            let (sender, receiver) = mpsc::channel(QUEUE_CAPACITY / shard_count);
            shards.push(sender);
            let task = WriterTask {
                store: store.clone(),
                identities: identities.clone(),
                settings,
                state: SampleState::default(),
                written_activity: HashMap::new(),
                metrics: metrics.clone(),
            };
            health[index].running.store(true, Ordering::Relaxed);
            tasks.push(tokio::spawn(run_shard(
                task,
                receiver,
                stopping.clone(),
                health.clone(),
                index,
            )));
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
                health,
                metrics,
                stop: Arc::new(stop),
            },
            handle,
        )
    }

    pub fn metrics(&self) -> &WriterMetrics {
        &self.metrics
    }

    /// Stops accepting commands; the shards commit everything already queued and
    /// end, whoever still holds a handle.
    pub fn shut_down(&self) {
        self.stop.send_replace(true);
    }

    pub fn status(&self) -> WriterStatus {
        WriterStatus {
            shards: self.shards.len(),
            panics: self.metrics.panics.load(Ordering::Relaxed),
            problem: self.health.iter().find_map(ShardHealth::problem),
        }
    }

    /// Queues a command and waits until it is committed (or refused).
    pub async fn submit(&self, command: Command) -> ApiResult<Reply> {
        let (reply, answer) = oneshot::channel();
        let index = command.shard_key() as usize % self.shards.len();
        let job = Job {
            command,
            reply,
            queued_at: Instant::now(),
        };
        match self.shards[index].try_send(job) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => return Err(ErrorCode::IngestBusy.into()),
            Err(mpsc::error::TrySendError::Closed(_)) => return Err(ErrorCode::IngestDown.into()),
        }
        self.metrics.queued.fetch_add(1, Ordering::Relaxed);
        // A dropped reply means the batch holding this job panicked or the writer
        // stopped: nothing of it was committed.
        answer
            .await
            .unwrap_or_else(|_| Err(ErrorCode::IngestDown.into()))
    }
}

/// Runs one shard until every `Writer` handle is dropped and its queue is drained, so
/// a graceful shutdown commits everything that was accepted. A panic inside a batch
/// ends only that batch.
async fn run_shard(
    mut task: WriterTask,
    mut receiver: mpsc::Receiver<Job>,
    mut stopping: tokio::sync::watch::Receiver<bool>,
    health: Arc<[ShardHealth]>,
    index: usize,
) {
    let health = &health[index];
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    let mut closing = false;
    loop {
        let received = tokio::select! {
            received = receiver.recv_many(&mut jobs, MAX_BATCH) => received,
            // Closing lets the queue drain: recv_many returns 0 once it is empty.
            _ = stopping.wait_for(|stop| *stop), if !closing => {
                receiver.close();
                closing = true;
                continue;
            }
        };
        if received == 0 {
            break;
        }
        task.metrics
            .queued
            .fetch_sub(jobs.len() as u64, Ordering::Relaxed);
        let batch: Vec<Job> = std::mem::take(&mut jobs);
        health
            .busy_since
            .store(now_micros() as u64, Ordering::Relaxed);
        let outcome = CatchUnwind(Box::pin(task.process(batch))).await;
        health.busy_since.store(0, Ordering::Relaxed);
        if outcome.is_err() {
            // The batch's transaction was dropped (and so rolled back) while
            // unwinding; its requests got a 503 when their reply senders dropped.
            task.metrics.panics.fetch_add(1, Ordering::Relaxed);
            health.panicked();
            task.reset();
            tracing::error!(
                shard = index,
                "ingest writer panicked; batch failed, shard restarted"
            );
        }
    }
    health.running.store(false, Ordering::Relaxed);
    tracing::debug!(shard = index, "ingest writer drained and stopped");
}

/// Polls a future, turning a panic into an `Err` (`futures::FutureExt::catch_unwind`
/// without the dependency).
struct CatchUnwind<'a>(Pin<Box<dyn Future<Output = ()> + Send + 'a>>);

impl Future for CatchUnwind<'_> {
    type Output = Result<(), ()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.0.as_mut();
        match std::panic::catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Ready(())) => Poll::Ready(Ok(())),
            Ok(Poll::Pending) => Poll::Pending,
            Err(_) => Poll::Ready(Err(())),
        }
    }
}

struct WriterTask {
    store: SharedStore,
    identities: Arc<IdentityCache>,
    settings: IngestSettings,
    state: SampleState,
    /// Coarse last activity written per conference, to write it only every few seconds.
    written_activity: HashMap<Uuid, i64>,
    metrics: Arc<WriterMetrics>,
}

/// Why a batch did not commit.
enum BatchFailure {
    /// Nothing was committed; the error says whether trying again may help.
    RolledBack(StoreError),
    /// COMMIT failed and whether it took effect could not be learned.
    Unknown(StoreError),
}

impl WriterTask {
    /// Forgets every cached fact; all of it can be read back from the database.
    fn reset(&mut self) {
        self.state.clear();
        self.written_activity.clear();
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
        self.state.trim();
        if self.written_activity.len() > 100_000 {
            self.written_activity.clear();
        }

        let commands: Vec<&Command> = jobs.iter().map(|job| &job.command).collect();
        let mut attempt = 0;
        let outcome = loop {
            match self.run_batch(&commands).await {
                Ok(answers) => break Ok(answers),
                Err(failure) => {
                    // Memory may describe what the failed transaction wrote.
                    self.reset();
                    let error = match failure {
                        BatchFailure::Unknown(error) => break Err(error),
                        BatchFailure::RolledBack(error) => error,
                    };
                    attempt += 1;
                    if !error.is_transient() || attempt >= TRANSIENT_RETRIES {
                        break Err(error);
                    }
                    self.metrics.retried_batches.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(error = %error, attempt, "transient storage error; retrying batch");
                    tokio::time::sleep(Duration::from_millis(10 * u64::from(attempt))).await;
                }
            }
        };
        match outcome {
            Ok(answers) => {
                for (job, answer) in jobs.into_iter().zip(answers) {
                    let _ = job.reply.send(answer);
                }
            }
            Err(error) => {
                tracing::error!(error = ?error, commands = jobs.len(), "ingest batch failed");
                let code = ApiError::from(error).code();
                for job in jobs {
                    let _ = job.reply.send(Err(code.into()));
                }
            }
        }
    }

    async fn run_batch(
        &mut self,
        commands: &[&Command],
    ) -> Result<Vec<ApiResult<Reply>>, BatchFailure> {
        let started = Instant::now();
        let mut tx = self.store.begin().await.map_err(BatchFailure::RolledBack)?;
        let mut context = BatchContext::default();
        let mut answers = Vec::with_capacity(commands.len());
        for command in commands {
            tx.begin_command();
            let mark = context.mark();
            let answer = apply(
                tx.as_mut(),
                &mut self.state,
                &mut context,
                &self.settings,
                command,
            )
            .await;
            match answer {
                Err(ApiError::Store(error)) if error.is_transient() => {
                    let _ = tx.rollback().await;
                    return Err(BatchFailure::RolledBack(error));
                }
                Err(error) => {
                    if let Err(undo) = tx.undo_command().await {
                        let _ = tx.rollback().await;
                        return Err(BatchFailure::RolledBack(undo));
                    }
                    context.undo_to(mark);
                    self.state.undo_command();
                    if !error.is_client_error() {
                        self.metrics.failed_commands.fetch_add(1, Ordering::Relaxed);
                        tracing::error!(error = ?error, command = command.name(), "ingest command failed; undone alone");
                    }
                    answers.push(Err(error));
                }
                Ok(reply) => {
                    context.keep_command();
                    self.state.keep_command();
                    answers.push(Ok(reply));
                }
            }
        }

        tx.end_commands();
        // Time-ordered, so each id lands at the end of the index: one hot page
        // instead of a random one per batch.
        let batch_id = Uuid::now_v7();
        let finished = async {
            let activity = context
                .conferences
                .flush(tx.as_mut(), &self.written_activity)
                .await?;
            tx.finish_batch(
                batch_id,
                now_micros(),
                &context.samples.stats,
                &context.samples.tracks,
            )
            .await?;
            Ok::<_, StoreError>(activity)
        }
        .await;
        let activity = match finished {
            Ok(activity) => activity,
            Err(error) => {
                let _ = tx.rollback().await;
                return Err(BatchFailure::RolledBack(error));
            }
        };
        if let Err(error) = tx.commit().await {
            self.metrics
                .commit_outcome_checks
                .fetch_add(1, Ordering::Relaxed);
            match self.committed(batch_id).await {
                Some(true) => {
                    tracing::warn!(error = %error, "COMMIT reported an error but the batch committed");
                }
                Some(false) => return Err(BatchFailure::RolledBack(error)),
                None => return Err(BatchFailure::Unknown(error)),
            }
        }

        for (conference_id, at) in activity {
            self.written_activity.insert(conference_id, at);
        }
        self.metrics.conference_updates.fetch_add(
            context.conferences.changes().count() as u64,
            Ordering::Relaxed,
        );
        for connection_id in &context.ended_connections {
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

    /// Whether the batch with this id committed, asked on a fresh connection; `None`
    /// when the database cannot tell us.
    async fn committed(&self, batch_id: Uuid) -> Option<bool> {
        for attempt in 0..OUTCOME_CHECKS {
            match self.store.batch_committed(batch_id).await {
                Ok(committed) => return Some(committed),
                Err(error) => {
                    tracing::warn!(error = %error, attempt, "cannot learn whether a batch committed; asking again");
                    tokio::time::sleep(Duration::from_millis(50 << attempt)).await;
                }
            }
        }
        None
    }
}
