//! The manager: the supervisor of the workers and the sync loop (spec A.6.5).

use std::sync::{Arc, Mutex, atomic::AtomicBool};

use sync_types::lock::lock;

use peer_pool::{PeerFilter, PeerPool};
use sync_queue::SyncQueue;
use sync_types::{
    BlockVerifier, ChainSpec, Cursor, Slot, SpeedSample, SyncDirection, SyncPeer, SyncProgress,
    speed,
};
use tokio::{sync::watch, task::JoinSet, time::Instant};
use tracing::{info, warn};

mod follow;
mod worker_loop;

use crate::{
    chain::SyncChain,
    config::ManagerConfig,
    control::ControlCell,
    metrics::SyncMetrics,
    status::{SyncState, SyncStatus, WorkerBoard, WorkerState},
    worker::queue_bounds,
};

/// Bookkeeping of the sync loop.
#[derive(Debug)]
struct Book {
    state: SyncState,
    pivot: Slot,
    started: bool,
    last_progress: u64,
    last_progress_at: Instant,
    stalled: bool,
    sample: Option<SpeedSample>,
    instant_speed: f64,
    average_speed: f64,
    speed_samples: u64,
    epoch: Instant,
}

pub(crate) struct Inner<P, V, C>
where
    P: SyncPeer<Block = V::Block, Sidecar = V::Sidecar, Column = V::Column>,
    V: BlockVerifier,
    C: SyncChain,
{
    pub(crate) direction: SyncDirection,
    pub(crate) config: ManagerConfig,
    pub(crate) spec: ChainSpec,
    pub(crate) chain: Arc<C>,
    pub(crate) pool: PeerPool<P>,
    pub(crate) queue: SyncQueue<P, V>,
    pub(crate) board: WorkerBoard,
    pub(crate) metrics: SyncMetrics,
    control: ControlCell,
    book: Mutex<Book>,
    /// A head poll is running (see `follow.rs`).
    polling: AtomicBool,
    /// Runs the sync loop's tick now rather than at the next interval (a head poll
    /// that found a new head).
    poke: tokio::sync::Notify,
    /// Sampled columns without a custody peer, as a worker last found (for the status).
    pub(crate) columns_without_peer: Mutex<sync_types::ColumnSet>,
}

/// Nimbus's `SyncManager` for one direction: workers that take peers from a
/// [`PeerPool`], feed a [`SyncQueue`], and a loop that detects when the sync is needed,
/// done, or stalled. Cheap to clone; clones share the manager.
pub struct SyncManager<P, V, C>
where
    P: SyncPeer<Block = V::Block, Sidecar = V::Sidecar, Column = V::Column>,
    V: BlockVerifier,
    C: SyncChain,
{
    inner: Arc<Inner<P, V, C>>,
    /// Set to true when the manager's task has ended (for any reason).
    finished: watch::Receiver<bool>,
}

impl<P, V, C> Clone for SyncManager<P, V, C>
where
    P: SyncPeer<Block = V::Block, Sidecar = V::Sidecar, Column = V::Column>,
    V: BlockVerifier,
    C: SyncChain,
{
    fn clone(&self) -> Self {
        SyncManager {
            inner: Arc::clone(&self.inner),
            finished: self.finished.clone(),
        }
    }
}

impl<P, V, C> SyncManager<P, V, C>
where
    P: SyncPeer<Block = V::Block, Sidecar = V::Sidecar, Column = V::Column>,
    V: BlockVerifier,
    C: SyncChain,
{
    /// Start a sync in `direction` on the current tokio runtime. It runs until
    /// [`shutdown`](Self::shutdown), until backfill is done, or (forward, with
    /// [`ManagerConfig::exit_when_synced`]) until in sync.
    pub fn start(
        direction: SyncDirection,
        config: ManagerConfig,
        spec: ChainSpec,
        chain: Arc<C>,
        pool: PeerPool<P>,
        verifier: V,
        metrics: SyncMetrics,
    ) -> Self {
        let (start, last) = queue_bounds(&*chain, direction);
        let safe_chain = Arc::clone(&chain);
        let safe: sync_queue::SafeSlot = match direction {
            SyncDirection::Forward => Box::new(move || safe_chain.finalized_slot()),
            SyncDirection::Backward => Box::new(move || safe_chain.backfill_slot()),
        };
        let queue = SyncQueue::new(
            direction,
            start,
            last,
            config.queue.clone(),
            &spec,
            safe,
            verifier,
        );
        let control = ControlCell::default();
        let now = Instant::now();
        let book = Book {
            state: SyncState::Idle,
            pivot: start,
            started: false,
            last_progress: 0,
            last_progress_at: now,
            stalled: false,
            sample: None,
            instant_speed: 0.0,
            average_speed: 0.0,
            speed_samples: 0,
            epoch: now,
        };
        let inner = Arc::new(Inner {
            direction,
            board: WorkerBoard::new(config.workers),
            config,
            spec,
            chain,
            pool,
            queue,
            metrics,
            control,
            book: Mutex::new(book),
            polling: AtomicBool::new(false),
            poke: tokio::sync::Notify::new(),
            columns_without_peer: Mutex::new(sync_types::ColumnSet::EMPTY),
        });
        let (done, finished) = watch::channel(false);
        let runner = Arc::clone(&inner);
        tokio::spawn(async move {
            // Set even if `run` panics: the guard's drop runs during unwinding.
            let _done = DoneOnDrop(done);
            runner.run().await;
        });
        SyncManager { inner, finished }
    }

    /// A snapshot of the sync.
    pub fn status(&self) -> SyncStatus {
        self.inner.status()
    }

    /// The queue (for its counters).
    pub fn queue(&self) -> &SyncQueue<P, V> {
        &self.inner.queue
    }

    /// Stop handing out work; workers finish their current step and wait.
    pub fn pause(&self) {
        self.inner.control.modify(|c| c.paused = true);
        lock(&self.inner.book).state = SyncState::Paused;
    }

    /// Resume after [`pause`](Self::pause).
    pub fn resume(&self) {
        self.inner.control.modify(|c| c.paused = false);
        let mut book = lock(&self.inner.book);
        book.state = SyncState::Idle;
        book.last_progress_at = Instant::now();
    }

    /// Whether the manager has stopped (shut down, backfill done, or synced with
    /// `exit_when_synced`).
    pub fn is_finished(&self) -> bool {
        *self.finished.borrow()
    }

    /// Wait until the manager stops by itself. Cancel-safe: dropping this future changes
    /// nothing, and any number of callers may wait.
    pub async fn join(&self) {
        let mut finished = self.finished.clone();
        // An error means the sender is gone, which also means the task ended.
        let _ = finished.wait_for(|done| *done).await;
    }

    /// Cancel every worker, wait for them to end (their peers go back to the pool), and
    /// stop (D.26: cancel, then wait; no assertion on worker states).
    pub async fn shutdown(&self) {
        self.inner.control.modify(|c| c.shutdown = true);
        self.join().await;
    }
}

impl<P, V, C> Inner<P, V, C>
where
    P: SyncPeer<Block = V::Block, Sidecar = V::Sidecar, Column = V::Column>,
    V: BlockVerifier,
    C: SyncChain,
{
    fn status(&self) -> SyncStatus {
        let book = lock(&self.book);
        let out = self.queue.output_slot();
        let progress =
            SyncProgress::compute(self.direction, book.pivot, out, self.queue.final_slot());
        let current_slot = match (self.direction, out) {
            (SyncDirection::Forward, Cursor::At(s)) => s.saturating_sub(1),
            (SyncDirection::Forward, Cursor::Beyond) => Slot::MAX,
            (SyncDirection::Backward, Cursor::At(s)) => s.saturating_add(1),
            (SyncDirection::Backward, Cursor::Beyond) => Slot(0),
        };
        SyncStatus {
            direction: self.direction,
            state: book.state,
            progress,
            current_slot,
            slots_per_second: book.instant_speed,
            average_slots_per_second: book.average_speed,
            eta: progress.time_left(book.average_speed),
            workers: self.board.snapshot(),
            peers: self.pool.len(),
            queue: self.queue.stats(),
            columns_without_peer: *lock(&self.columns_without_peer),
        }
    }

    pub(crate) fn signal_in_sync(&self) {
        self.control
            .modify_if(|c| std::mem::replace(&mut c.syncing, false));
    }

    /// The supervisor and the sync loop.
    async fn run(self: Arc<Self>) {
        let mut workers = JoinSet::new();
        let mut index_of = std::collections::HashMap::new();
        for index in 0..self.config.workers {
            let id = workers.spawn(Arc::clone(&self).worker(index)).id();
            index_of.insert(id, index);
        }
        let mut control = self.control.listen();
        let mut tick = tokio::time::interval(self.config.loop_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                _ = tick.tick() => {
                    if self.tick() {
                        break;
                    }
                }
                () = self.poke.notified() => {
                    if self.tick() {
                        break;
                    }
                }
                Some(done) = workers.join_next_with_id() => {
                    let (id, result) = match done {
                        Ok((id, ())) => (id, "returned"),
                        Err(e) => (e.id(), if e.is_panic() { "panicked" } else { "was cancelled" }),
                    };
                    let index = index_of.remove(&id).unwrap_or(usize::MAX);
                    if self.control.get().shutdown {
                        continue;
                    }
                    // The seed logged an undeclared index here (D.9).
                    warn!(target: "sync::manager", worker = index, result, "sync worker ended; starting a replacement");
                    let id = workers.spawn(Arc::clone(&self).worker(index)).id();
                    index_of.insert(id, index);
                }
                () = control.changed() => {
                    if self.control.get().shutdown {
                        break;
                    }
                }
            }
        }
        self.update_metrics();
        // Cancel, then wait (D.26). Dropped workers hand their peers and tickets back.
        self.control.modify(|c| c.shutdown = true);
        workers.abort_all();
        while workers.join_next().await.is_some() {}
        for i in 0..self.config.workers {
            self.board.set(i, WorkerState::Sleeping);
        }
        info!(target: "sync::manager", direction = %self.direction, "sync manager stopped");
    }

    /// One tick of the sync loop. Returns true when the manager should stop.
    fn tick(self: &Arc<Self>) -> bool {
        let ctl = self.control.get();
        let busy = self.board.snapshot().iter().any(|w| w.is_busy());
        let started = lock(&self.book).started;
        let in_sync = self.remaining() <= self.config.max_head_age
            || (self.direction == SyncDirection::Backward && started && self.queue.is_empty());
        self.sample_speed();
        self.update_metrics();
        self.evict_low_scores();
        if in_sync {
            self.signal_in_sync();
            self.poll_heads();
            let mut book = lock(&self.book);
            if book.state != SyncState::Synced {
                info!(target: "sync::manager", direction = %self.direction, "in sync");
            }
            book.state = if ctl.paused {
                SyncState::Paused
            } else {
                SyncState::Synced
            };
            book.stalled = false;
            drop(book);
            if busy {
                // Workers still hold requests for a sync that is over.
                self.queue.clear_and_wakeup();
                return false;
            }
            return match self.direction {
                SyncDirection::Backward => true,
                SyncDirection::Forward => self.config.exit_when_synced,
            };
        }
        if !ctl.syncing {
            if busy {
                return false;
            }
            // (Re)start: a fresh range from the chain's current positions. The queue is
            // re-initialised in place, so its counters survive (D.13).
            let (start, last) = queue_bounds(&*self.chain, self.direction);
            self.queue.reinit(start, last);
            let mut book = lock(&self.book);
            book.pivot = start;
            book.started = true;
            book.last_progress_at = Instant::now();
            book.last_progress = self.queue.stats().slots_processed;
            drop(book);
            info!(target: "sync::manager", direction = %self.direction, %start, %last, "sync started");
            self.control.modify(|c| c.syncing = true);
        } else if self.direction == SyncDirection::Forward
            && !busy
            && self.queue.is_empty()
            && self.peer_ahead_of_head()
        {
            // The queue went past every slot, yet our head stayed behind what peers hold:
            // ranges were skipped on a false word (a lone peer's "empty"). Start again from
            // the head, where two peers must agree once there are two. Without this the
            // sync sat at 100 % until the watchdog, whose reset kept the finished queue.
            let (start, last) = queue_bounds(&*self.chain, self.direction);
            warn!(target: "sync::manager", head = %self.chain.head_slot(), %start, %last, "queue finished but the head did not reach the peers' heads; starting again from the head");
            self.queue.reinit(start, last);
        }
        self.watchdog(ctl.paused);
        false
    }

    /// Whether a peer in the pool reports a head above ours: the committed head, or the
    /// last block the verifier accepted if that is higher (commits may lag the verifier,
    /// and blocks accepted but not yet stored are no sign of skipped ranges).
    fn peer_ahead_of_head(&self) -> bool {
        let accepted = self.queue.stats().accepted_frontier;
        let head = self.chain.head_slot().max(accepted.unwrap_or(Slot(0)));
        self.pool
            .peers(PeerFilter::ANY)
            .iter()
            .any(|p| p.head_slot() > head)
    }

    /// Remove peers whose score fell below the pool's limit while they were not held
    /// (a penalty the queue applied after another peer's answer proved them wrong).
    /// Peers held by a worker leave when they are handed back.
    fn evict_low_scores(&self) {
        let config = self.pool.config();
        for peer in self.pool.peers(PeerFilter::ANY) {
            if !config.score_passes(peer.score()) {
                self.pool.delete_peer(&peer.key(), false);
            }
        }
    }

    fn watchdog(&self, paused: bool) {
        let processed = self.queue.stats().slots_processed;
        let now = Instant::now();
        let mut book = lock(&self.book);
        if paused {
            book.state = SyncState::Paused;
            book.last_progress_at = now;
            return;
        }
        if processed > book.last_progress {
            book.last_progress = processed;
            book.last_progress_at = now;
            book.stalled = false;
        } else if now.duration_since(book.last_progress_at) >= self.config.stall_timeout {
            warn!(
                target: "sync::manager",
                direction = %self.direction,
                idle = ?now.duration_since(book.last_progress_at),
                peers = self.pool.len(),
                "sync stalled: no progress; re-issuing every range to the peers we have"
            );
            book.stalled = true;
            book.last_progress_at = now;
            self.metrics.stalls.inc();
            self.queue.reset(None);
        }
        book.state = if book.stalled {
            SyncState::Stalled
        } else {
            SyncState::Syncing
        };
    }

    fn sample_speed(&self) {
        let now = Instant::now();
        let slots = self.queue.stats().slots_processed;
        let mut book = lock(&self.book);
        let at = now.duration_since(book.epoch);
        let sample = SpeedSample { slots, at };
        match book.sample {
            None => book.sample = Some(sample),
            Some(prev) if at.saturating_sub(prev.at) >= self.config.speed_interval => {
                let s = speed(prev, sample);
                book.instant_speed = s;
                book.speed_samples += 1;
                let n = book.speed_samples as f64;
                book.average_speed += (s - book.average_speed) / n;
                book.sample = Some(sample);
            }
            Some(_) => {}
        }
    }

    fn update_metrics(&self) {
        // From the queue's own counter: a push whose worker ended before it read the
        // outcome would otherwise go uncounted.
        let imported = self.queue.stats().blocks_imported;
        let counted = self.metrics.blocks_verified.get();
        self.metrics
            .blocks_verified
            .inc_by(imported.saturating_sub(counted));
        self.metrics.set_workers(&self.board.snapshot());
        self.metrics.set_queue(
            self.queue.pending_len(),
            self.queue.debt_len(),
            self.queue.parked_len(),
        );
        let avg = lock(&self.book).average_speed;
        self.metrics.slots_per_second.set(avg);
    }
}

/// Marks the manager finished when dropped.
struct DoneOnDrop(watch::Sender<bool>);

impl Drop for DoneOnDrop {
    fn drop(&mut self) {
        self.0.send_replace(true);
    }
}
