//! A scripted [`SyncPeer`] over a [`TestChain`].
//!
//! A [`MockPeer`] serves the blocks and sidecars of a shared chain, clipped to its own head,
//! the way its [`Behaviour`] says: honestly, partially, empty, from another fork, without
//! sidecars, never, late, or with a timeout, disconnect or rate-limit error. A default
//! behaviour can be changed at any time, and a script per range overrides it for the next
//! requests of that range, so a test can say "the first attempt at `64:32` times out, the
//! second one is honest".
//!
//! Requests are lazy, like real ones: a request is recorded and its behaviour chosen when
//! its future is first polled, so a future that is dropped unpolled never reached the peer.
//! Delays run on tokio's clock, so a slow peer costs no real time on the paused clock
//! (`#[tokio::test(start_paused = true)]`).

use std::{
    collections::{HashMap, VecDeque},
    fmt,
    future::Future,
    sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError},
    time::Duration,
};

use tokio::time::Instant;

use super::{
    TestPeer,
    chain::{TestBlock, TestChain, TestSidecar},
};
use crate::{
    peer::{RequestError, ScoredPeer, SyncPeer},
    range::SyncRange,
    score::{NEW_PEER_SCORE, ResponseKind},
    slot::{Epoch, Slot},
};

/// The fork tag of the chain a [`Behaviour::Lie`] answers from. The honest chain of a
/// [`TestChain::build`] has tag 0; any other tag gives other roots at the same slots.
const LIE_FORK_TAG: u64 = 0x0bad_f0c4;

/// How a [`MockPeer`] answers one range request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// The chain's blocks (or their sidecars) in the range, up to the peer's head.
    Honest,
    /// As [`Behaviour::Honest`], but only the first `keep` blocks (and, for a sidecars
    /// request, only the sidecars of those blocks).
    Partial {
        /// How many blocks to keep.
        keep: usize,
    },
    /// No blocks and no sidecars.
    Empty,
    /// The blocks (and sidecars) of another fork: same slots and blob counts, other roots
    /// and parent roots.
    Lie,
    /// Honest blocks; an empty sidecars response.
    WithholdSidecars,
    /// Never answers: the future stays pending forever.
    Stall,
    /// Answers honestly after this much time on tokio's clock.
    Delay(Duration),
    /// Fails at once with [`RequestError::Timeout`].
    Timeout,
    /// Fails at once with [`RequestError::Disconnected`].
    Disconnect,
    /// Fails at once with [`RequestError::RateLimited`], retry after
    /// [`MockPeer::RATE_LIMIT_RETRY_AFTER`].
    RateLimit,
}

/// The two range requests a [`MockPeer`] serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RequestKind {
    /// Blocks by range.
    Blocks,
    /// Blob sidecars by range.
    Sidecars,
}

/// A request a [`MockPeer`] received, for assertions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ReceivedRequest {
    /// Blocks or sidecars.
    pub kind: RequestKind,
    /// The range asked for.
    pub range: SyncRange,
}

/// A scripted [`SyncPeer`] serving a shared [`TestChain`]; clones share all state.
///
/// A new peer has key `key`, score [`NEW_PEER_SCORE`], throughput 0, behaviour
/// [`Behaviour::Honest`], its head at the chain's last block, finalized epoch 0, no
/// earliest available slot, and a status received now.
///
/// The peer keeps two statuses: the one it last reported ([`SyncPeer::head_slot`] and the
/// other getters) and its current one, which the `set_*` methods change and which a
/// successful [`SyncPeer::refresh_status`] reports. It serves blocks up to its current
/// head. The earliest available slot is only reported; it does not limit what is served.
#[derive(Clone)]
pub struct MockPeer {
    inner: Arc<Inner>,
}

struct Inner {
    /// Key, score and statistics: the same bookkeeping as a [`TestPeer`].
    scored: TestPeer,
    chain: Arc<TestChain>,
    /// The chain [`Behaviour::Lie`] answers from, built on first use.
    fork: OnceLock<TestChain>,
    state: Mutex<State>,
}

/// What a status message says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Status {
    head: Slot,
    finalized: Epoch,
    earliest_available: Option<Slot>,
}

struct State {
    reported: Status,
    current: Status,
    status_received_at: Instant,
    fail_status_refresh: bool,
    throughput: f64,
    behaviour: Behaviour,
    scripts: HashMap<(SyncRange, RequestKind), VecDeque<Behaviour>>,
    requests: Vec<ReceivedRequest>,
}

/// What to send back, decided when a request is first polled.
enum Answer {
    /// These blocks (or their sidecars), now.
    Now(Vec<TestBlock>),
    /// These blocks (or their sidecars), after the delay.
    After(Duration, Vec<TestBlock>),
    /// This error, now.
    Fail(RequestError),
    /// Nothing, ever.
    Never,
}

impl MockPeer {
    /// How long a [`Behaviour::RateLimit`] answer asks to wait.
    pub const RATE_LIMIT_RETRY_AFTER: Duration = Duration::from_secs(1);

    /// An honest peer with key `key` serving `chain` (see the type's docs for the rest).
    pub fn new(key: u32, chain: Arc<TestChain>) -> Self {
        let head = chain.blocks().last().map_or(Slot(0), |b| b.slot);
        let status = Status {
            head,
            finalized: Epoch(0),
            earliest_available: None,
        };
        let state = State {
            reported: status,
            current: status,
            status_received_at: Instant::now(),
            fail_status_refresh: false,
            throughput: 0.0,
            behaviour: Behaviour::Honest,
            scripts: HashMap::new(),
            requests: Vec::new(),
        };
        MockPeer {
            inner: Arc::new(Inner {
                scored: TestPeer::new(key),
                chain,
                fork: OnceLock::new(),
                state: Mutex::new(state),
            }),
        }
    }

    /// With `head` as both its reported and its current head.
    pub fn with_head(self, head: Slot) -> Self {
        {
            let mut state = self.lock();
            state.reported.head = head;
            state.current.head = head;
        }
        self
    }

    /// With `epoch` as both its reported and its current finalized epoch.
    pub fn with_finalized_epoch(self, epoch: Epoch) -> Self {
        {
            let mut state = self.lock();
            state.reported.finalized = epoch;
            state.current.finalized = epoch;
        }
        self
    }

    /// With `slot` as both its reported and its current earliest available slot.
    pub fn with_earliest_available_slot(self, slot: Option<Slot>) -> Self {
        {
            let mut state = self.lock();
            state.reported.earliest_available = slot;
            state.current.earliest_available = slot;
        }
        self
    }

    /// With `bytes_per_second` as its throughput.
    pub fn with_throughput(self, bytes_per_second: f64) -> Self {
        self.lock().throughput = bytes_per_second;
        self
    }

    /// With `behaviour` as its default behaviour.
    pub fn with_behaviour(self, behaviour: Behaviour) -> Self {
        self.set_behaviour(behaviour);
        self
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Answer every request without a script entry with `behaviour` from now on.
    pub fn set_behaviour(&self, behaviour: Behaviour) {
        self.lock().behaviour = behaviour;
    }

    /// The default behaviour.
    pub fn behaviour(&self) -> Behaviour {
        self.lock().behaviour
    }

    /// Answer the next requests for exactly `range` with `behaviours`, one each, then fall
    /// back to the default behaviour.
    ///
    /// Blocks and sidecars requests have a copy each: the n-th blocks request and the n-th
    /// sidecars request of the range both get the n-th behaviour, so one entry describes one
    /// attempt at the range (a [`Behaviour::WithholdSidecars`] entry gives honest blocks
    /// and no sidecars). Appends to what is still scripted.
    pub fn script(&self, range: SyncRange, behaviours: impl IntoIterator<Item = Behaviour>) {
        let behaviours: Vec<Behaviour> = behaviours.into_iter().collect();
        self.script_kind(range, RequestKind::Blocks, behaviours.iter().copied());
        self.script_kind(range, RequestKind::Sidecars, behaviours);
    }

    /// As [`MockPeer::script`], for one kind of request only.
    pub fn script_kind(
        &self,
        range: SyncRange,
        kind: RequestKind,
        behaviours: impl IntoIterator<Item = Behaviour>,
    ) {
        self.lock()
            .scripts
            .entry((range, kind))
            .or_default()
            .extend(behaviours);
    }

    /// Move the peer's current head to `head`: it serves blocks up to it at once and
    /// reports it at its next successful status refresh.
    pub fn set_head(&self, head: Slot) {
        self.lock().current.head = head;
    }

    /// Move the peer's current finalized epoch, reported at its next status refresh.
    pub fn set_finalized_epoch(&self, epoch: Epoch) {
        self.lock().current.finalized = epoch;
    }

    /// Change the peer's current earliest available slot, reported at its next status
    /// refresh.
    pub fn set_earliest_available_slot(&self, slot: Option<Slot>) {
        self.lock().current.earliest_available = slot;
    }

    /// Whether status refreshes fail (with [`RequestError::Timeout`]) from now on.
    pub fn fail_status_refresh(&self, fail: bool) {
        self.lock().fail_status_refresh = fail;
    }

    /// Change the throughput, in bytes per second.
    pub fn set_throughput(&self, bytes_per_second: f64) {
        self.lock().throughput = bytes_per_second;
    }

    /// Every request received, in the order received.
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        self.lock().requests.clone()
    }

    /// The ranges of the requests of one kind, in the order received.
    pub fn requested_ranges(&self, kind: RequestKind) -> Vec<SyncRange> {
        self.lock()
            .requests
            .iter()
            .filter(|r| r.kind == kind)
            .map(|r| r.range)
            .collect()
    }

    /// The change of score since the peer was created.
    pub fn score_change(&self) -> i64 {
        self.score() - NEW_PEER_SCORE
    }

    /// The chain [`Behaviour::Lie`] answers from: the served chain's slots and blob
    /// counts under another fork tag.
    fn fork(&self) -> &TestChain {
        self.inner.fork.get_or_init(|| {
            let chain = &self.inner.chain;
            let last = chain.blocks().last().map_or(Slot(0), |b| b.slot);
            TestChain::build_fork(
                last,
                LIE_FORK_TAG,
                |slot| chain.block_at(slot).is_none(),
                |slot| chain.block_at(slot).map_or(0, |b| b.blobs),
            )
        })
    }

    /// Record a request and decide its answer (the blocks whose data is sent).
    fn answer(&self, range: SyncRange, kind: RequestKind) -> Answer {
        let (behaviour, head) = {
            let mut state = self.lock();
            state.requests.push(ReceivedRequest { kind, range });
            let scripted = state
                .scripts
                .get_mut(&(range, kind))
                .and_then(VecDeque::pop_front);
            (scripted.unwrap_or(state.behaviour), state.current.head)
        };
        // Nothing above the head: a range wholly above it has no blocks.
        let served = SyncRange::from_bounds(range.start(), range.last().min(head));
        let honest = || {
            served
                .map(|r| self.inner.chain.blocks_in(r))
                .unwrap_or_default()
        };
        match behaviour {
            Behaviour::Honest => Answer::Now(honest()),
            Behaviour::Partial { keep } => {
                let mut blocks = honest();
                blocks.truncate(keep);
                Answer::Now(blocks)
            }
            Behaviour::Empty => Answer::Now(Vec::new()),
            Behaviour::Lie => {
                Answer::Now(served.map(|r| self.fork().blocks_in(r)).unwrap_or_default())
            }
            Behaviour::WithholdSidecars => match kind {
                RequestKind::Blocks => Answer::Now(honest()),
                RequestKind::Sidecars => Answer::Now(Vec::new()),
            },
            Behaviour::Stall => Answer::Never,
            Behaviour::Delay(delay) => Answer::After(delay, honest()),
            Behaviour::Timeout => Answer::Fail(RequestError::Timeout),
            Behaviour::Disconnect => Answer::Fail(RequestError::Disconnected),
            Behaviour::RateLimit => Answer::Fail(RequestError::RateLimited {
                retry_after: Some(Self::RATE_LIMIT_RETRY_AFTER),
            }),
        }
    }

    /// Serve one request, sending `to_items` of the chosen blocks.
    async fn serve<T>(
        self,
        range: SyncRange,
        kind: RequestKind,
        to_items: fn(Vec<TestBlock>) -> Vec<T>,
    ) -> Result<Vec<T>, RequestError> {
        // `answer` takes and drops the lock: no guard lives across an await.
        match self.answer(range, kind) {
            Answer::Now(blocks) => Ok(to_items(blocks)),
            Answer::After(delay, blocks) => {
                tokio::time::sleep(delay).await;
                Ok(to_items(blocks))
            }
            Answer::Fail(error) => Err(error),
            Answer::Never => std::future::pending().await,
        }
    }
}

impl fmt::Debug for MockPeer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not derived: the chain can hold millions of blocks.
        let state = self.lock();
        f.debug_struct("MockPeer")
            .field("key", &self.key())
            .field("score", &self.score())
            .field("behaviour", &state.behaviour)
            .field("reported", &state.reported)
            .field("current", &state.current)
            .finish_non_exhaustive()
    }
}

impl ScoredPeer for MockPeer {
    type Key = u32;

    fn key(&self) -> u32 {
        self.inner.scored.key()
    }
    fn score(&self) -> i64 {
        self.inner.scored.score()
    }
    fn update_score(&self, delta: i64) {
        self.inner.scored.update_score(delta);
    }
    fn stats(&self, kind: ResponseKind) -> u64 {
        self.inner.scored.stats(kind)
    }
    fn update_stats(&self, kind: ResponseKind, n: u64) {
        self.inner.scored.update_stats(kind, n);
    }
    fn throughput(&self) -> f64 {
        self.lock().throughput
    }
}

impl SyncPeer for MockPeer {
    type Block = TestBlock;
    type Sidecar = TestSidecar;

    fn head_slot(&self) -> Slot {
        self.lock().reported.head
    }
    fn finalized_epoch(&self) -> Epoch {
        self.lock().reported.finalized
    }
    fn earliest_available_slot(&self) -> Option<Slot> {
        self.lock().reported.earliest_available
    }
    fn status_age(&self) -> Duration {
        Instant::now().saturating_duration_since(self.lock().status_received_at)
    }
    fn refresh_status(&self) -> impl Future<Output = Result<(), RequestError>> + Send {
        let peer = self.clone();
        async move {
            let mut state = peer.lock();
            if state.fail_status_refresh {
                return Err(RequestError::Timeout);
            }
            state.reported = state.current;
            state.status_received_at = Instant::now();
            Ok(())
        }
    }
    fn blocks_by_range(
        &self,
        range: SyncRange,
    ) -> impl Future<Output = Result<Vec<TestBlock>, RequestError>> + Send {
        self.clone()
            .serve(range, RequestKind::Blocks, |blocks| blocks)
    }
    fn blob_sidecars_by_range(
        &self,
        range: SyncRange,
    ) -> impl Future<Output = Result<Vec<TestSidecar>, RequestError>> + Send {
        self.clone().serve(range, RequestKind::Sidecars, |blocks| {
            blocks.iter().flat_map(TestBlock::sidecars).collect()
        })
    }
}
