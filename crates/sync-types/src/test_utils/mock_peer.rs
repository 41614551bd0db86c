//! A scripted [`SyncPeer`] over a [`TestChain`].
//!
//! A [`MockPeer`] serves the blocks and sidecars of a shared chain, clipped to its own head,
//! the way its [`Behaviour`] says: honestly, partially, empty, from another fork, out of
//! range, out of order, duplicated, invalid, with sidecars withheld, corrupt or reordered,
//! never, late, or with a timeout, disconnect or rate-limit error. A default behaviour can
//! be changed at any time, and a script per range overrides it for the next requests of
//! that range, so a test can say "the first attempt at `64:32` times out, the second one
//! is honest".
//!
//! Lies about the peer's status (its head, its finality) and a pruned history are
//! properties of the peer, not behaviours: see [`MockPeer::with_head_lie`],
//! [`MockPeer::with_finality_lie`] and [`MockPeer::with_pruned_history`]. [`adversaries`]
//! builds one peer of each adversarial kind for scenario tests.
//!
//! Requests are lazy, like real ones: a request is recorded and its behaviour chosen when
//! its future is first polled, so a future that is dropped unpolled never reached the peer.
//! Delays run on tokio's clock, so a slow peer costs no real time on the paused clock
//! (`#[tokio::test(start_paused = true)]`).

use std::{
    collections::{HashMap, VecDeque},
    fmt,
    future::Future,
    sync::{Arc, Mutex, MutexGuard, OnceLock},
    time::Duration,
};

use tokio::time::Instant;

use super::{
    TestPeer,
    answers::{Answer, Reply, Request},
    chain::{TestBlock, TestChain, TestColumn, TestSidecar},
};
use crate::{
    column::ColumnSet,
    peer::{RequestError, ScoredPeer, SyncPeer},
    range::SyncRange,
    score::{NEW_PEER_SCORE, ResponseKind},
    slot::{Epoch, Slot},
};

/// How a [`MockPeer`] answers one range request.
///
/// A sidecars request is answered with the sidecars of the blocks a blocks request would
/// get: a behaviour that garbles blocks garbles their sidecars alike, and the sidecars
/// name the blocks sent. The behaviours named after sidecars send honest blocks.
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
    /// Honest blocks; an empty sidecars (or data columns) response.
    WithholdSidecars,
    /// Honest blocks plus one just outside the range, at the slot after its last (before
    /// its first if it ends at [`Slot::MAX`]; the chain's block there, else a made-up one
    /// without blobs): rejected by
    /// [`check_response`](crate::check_response) with
    /// [`BlockOutsideRange`](crate::ResponseError::BlockOutsideRange). When the honest
    /// blocks fill the range, the last one is dropped so that the response is not merely
    /// too long.
    OutOfRange,
    /// Honest blocks with the first two swapped, rejected with
    /// [`BlocksNotIncreasing`](crate::ResponseError::BlocksNotIncreasing); with fewer than
    /// two blocks, as [`Behaviour::OutOfRange`].
    Unordered,
    /// Honest blocks with the first one sent twice, rejected with
    /// [`BlocksNotIncreasing`](crate::ResponseError::BlocksNotIncreasing) (the last block
    /// is dropped if the blocks would outnumber the range's slots); with no block or a
    /// one-slot range, as [`Behaviour::OutOfRange`].
    DuplicateSlots,
    /// Honest blocks, the last one replaced by a copy with the same slot, parent root and
    /// blobs whose root is marked by [`invalid_root`](super::invalid_root): the response
    /// passes every check, and a [`ChainVerifier`](super::ChainVerifier) finds the block
    /// [`Invalid`](crate::BlockOutcome::Invalid). Its sidecars name the invalid root, so
    /// they group with it. An empty range stays empty.
    InvalidBlocks,
    /// Honest blocks; all their sidecars (or columns), the first one naming another block
    /// root:
    /// rejected by [`group_sidecars`](crate::group_sidecars) with
    /// [`SidecarBlockRootMismatch`](crate::ResponseError::SidecarBlockRootMismatch) when
    /// there is any sidecar.
    CorruptSidecars,
    /// Honest blocks; all their sidecars (or columns) in reverse order: rejected by
    /// [`group_sidecars`](crate::group_sidecars) when there are two or more.
    ReorderSidecars,
    /// Honest blocks and blob sidecars; all their data columns, the first one with a bad
    /// cell proof ([`TestColumn::proofs_valid`] false), which a
    /// [`ChainVerifier`](super::ChainVerifier) rejects.
    BadColumnProof,
    /// Never answers: the future stays pending forever.
    Stall,
    /// Answers honestly after this much time on tokio's clock.
    Delay(Duration),
    /// Fails at once with [`RequestError::Timeout`].
    Timeout,
    /// Fails at once with [`RequestError::Disconnected`].
    Disconnect,
    /// Fails with [`RequestError::Disconnected`] after this much time on tokio's clock.
    DisconnectMidRequest(Duration),
    /// Fails at once with [`RequestError::RateLimited`], retry after
    /// [`MockPeer::RATE_LIMIT_RETRY_AFTER`].
    RateLimit,
}

/// The three range requests a [`MockPeer`] serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RequestKind {
    /// Blocks by range.
    Blocks,
    /// Blob sidecars by range.
    Sidecars,
    /// Data column sidecars by range (the columns asked for are in
    /// [`MockPeer::column_requests`]).
    Columns,
}

/// A request a [`MockPeer`] received, for assertions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ReceivedRequest {
    /// Blocks, sidecars or columns.
    pub kind: RequestKind,
    /// The range asked for.
    pub range: SyncRange,
}

/// A scripted [`SyncPeer`] serving a shared [`TestChain`]; clones share all state.
///
/// A new peer has key `key`, score [`NEW_PEER_SCORE`], throughput 0, behaviour
/// [`Behaviour::Honest`], its head at the chain's last block, finalized epoch 0, no
/// earliest available slot, no lies, no pruned history, and a status received now.
///
/// The peer keeps two statuses: the one it last reported ([`SyncPeer::head_slot`] and the
/// other getters) and its current one, which the `set_*` methods change and which a
/// successful [`SyncPeer::refresh_status`] reports. It serves blocks up to its current
/// (true) head, whatever head it reports. The earliest available slot is only reported;
/// it limits what is served only with [`MockPeer::with_pruned_history`].
#[derive(Clone)]
pub struct MockPeer {
    inner: Arc<Inner>,
}

struct Inner {
    /// Key, score and statistics: the same bookkeeping as a [`TestPeer`].
    scored: TestPeer,
    chain: Arc<TestChain>,
    /// The chain [`Behaviour::Lie`] answers from, built on first use.
    lie_fork: OnceLock<TestChain>,
    state: Mutex<State>,
}

/// What a status message says: the truth, and the lies told about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Status {
    /// The true head: blocks are served up to it.
    head: Slot,
    /// The true finalized epoch.
    finalized: Epoch,
    earliest_available: Option<Slot>,
    /// Slots added to the true head when it is reported.
    head_lie: u64,
    /// Reported instead of the true finalized epoch, if set.
    finality_lie: Option<Epoch>,
}

impl Status {
    fn reported_head(&self) -> Slot {
        self.head.saturating_add(self.head_lie)
    }

    fn reported_finalized(&self) -> Epoch {
        self.finality_lie.unwrap_or(self.finalized)
    }
}

struct State {
    reported: Status,
    current: Status,
    status_received_at: Instant,
    fail_status_refresh: bool,
    throughput: f64,
    /// Requests whose range starts below this slot are refused.
    pruned_below: Option<Slot>,
    behaviour: Behaviour,
    scripts: HashMap<(SyncRange, RequestKind), VecDeque<Behaviour>>,
    requests: Vec<ReceivedRequest>,
    custody: Option<ColumnSet>,
    column_requests: Vec<(SyncRange, ColumnSet)>,
}

impl MockPeer {
    /// How long a [`Behaviour::RateLimit`] answer asks to wait.
    pub const RATE_LIMIT_RETRY_AFTER: Duration = Duration::from_secs(1);
    /// How many slots above its true head the `head-liar` of [`adversaries`] reports.
    pub const ADVERSARY_HEAD_LIE_SLOTS: u64 = 1024;
    /// The `finality-liar` of [`adversaries`] reports as finalized the epoch numbered its
    /// head slot's number plus this: an epoch that starts above its head whatever
    /// `SLOTS_PER_EPOCH` is.
    pub const ADVERSARY_FINALITY_LIE_EPOCHS: u64 = 1024;
    /// How long the `disconnects` peer of [`adversaries`] lets a request run before it
    /// disconnects.
    pub const ADVERSARY_DISCONNECT_AFTER: Duration = Duration::from_secs(2);

    /// An honest peer with key `key` serving `chain` (see the type's docs for the rest).
    pub fn new(key: u32, chain: Arc<TestChain>) -> Self {
        let head = chain.blocks().last().map_or(Slot(0), |b| b.slot);
        let status = Status {
            head,
            finalized: Epoch(0),
            earliest_available: None,
            head_lie: 0,
            finality_lie: None,
        };
        let state = State {
            reported: status,
            current: status,
            status_received_at: Instant::now(),
            fail_status_refresh: false,
            throughput: 0.0,
            pruned_below: None,
            behaviour: Behaviour::Honest,
            scripts: HashMap::new(),
            requests: Vec::new(),
            custody: None,
            column_requests: Vec::new(),
        };
        MockPeer {
            inner: Arc::new(Inner {
                scored: TestPeer::new(key),
                chain,
                lie_fork: OnceLock::new(),
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

    /// Lying about its head: it reports its true head plus `extra` slots, now and at every
    /// status refresh (so the lie follows [`MockPeer::set_head`]), but serves blocks only
    /// up to its true head.
    pub fn with_head_lie(self, extra: u64) -> Self {
        {
            let mut state = self.lock();
            state.reported.head_lie = extra;
            state.current.head_lie = extra;
        }
        self
    }

    /// Lying about finality: it reports `epoch` as its finalized epoch, now and at every
    /// status refresh, whatever [`MockPeer::set_finalized_epoch`] says. Pass an epoch
    /// beyond its head to make a peer that claims finality it cannot show.
    pub fn with_finality_lie(self, epoch: Epoch) -> Self {
        {
            let mut state = self.lock();
            state.reported.finality_lie = Some(epoch);
            state.current.finality_lie = Some(epoch);
        }
        self
    }

    /// With its history pruned below `earliest`: it reports `earliest` as its earliest
    /// available slot and answers every request whose range starts below it with
    /// [`RequestError::ResourceUnavailable`], whatever its behaviour (a scripted behaviour
    /// for the range is still used up).
    pub fn with_pruned_history(self, earliest: Slot) -> Self {
        {
            let mut state = self.lock();
            state.pruned_below = Some(earliest);
            state.reported.earliest_available = Some(earliest);
            state.current.earliest_available = Some(earliest);
        }
        self
    }

    /// Custodying `columns` (known to the sync, as if its metadata had arrived). It
    /// serves the columns it is asked for, custodied or not.
    pub fn with_custody(self, columns: ColumnSet) -> Self {
        self.set_custody(Some(columns));
        self
    }

    /// Change the custody the peer reports; `None`: not known yet.
    pub fn set_custody(&self, columns: Option<ColumnSet>) {
        self.lock().custody = columns;
    }

    /// Every data columns request received, `(range, columns)`, in the order received.
    pub fn column_requests(&self) -> Vec<(SyncRange, ColumnSet)> {
        self.lock().column_requests.clone()
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
        crate::lock::lock(&self.inner.state)
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
    /// Blocks, sidecars and columns requests have a copy each: the n-th blocks request and
    /// the n-th sidecars (or columns) request of the range all get the n-th behaviour, so
    /// one entry describes one attempt at the range (a [`Behaviour::WithholdSidecars`] entry gives honest blocks
    /// and no sidecars). Appends to what is still scripted.
    pub fn script(&self, range: SyncRange, behaviours: impl IntoIterator<Item = Behaviour>) {
        let behaviours: Vec<Behaviour> = behaviours.into_iter().collect();
        self.script_kind(range, RequestKind::Blocks, behaviours.iter().copied());
        self.script_kind(range, RequestKind::Sidecars, behaviours.iter().copied());
        self.script_kind(range, RequestKind::Columns, behaviours);
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

    /// Every penalty the peer was ever given, as a positive total (see
    /// [`TestPeer::penalties`]): 0 for a peer never penalised, whatever it earned.
    pub fn penalties(&self) -> i64 {
        self.inner.scored.penalties()
    }

    /// Record a request and decide its answer.
    fn answer(&self, range: SyncRange, kind: RequestKind) -> Answer {
        let (behaviour, head, pruned_below) = {
            let mut state = self.lock();
            state.requests.push(ReceivedRequest { kind, range });
            let scripted = state
                .scripts
                .get_mut(&(range, kind))
                .and_then(VecDeque::pop_front);
            (
                scripted.unwrap_or(state.behaviour),
                state.current.head,
                state.pruned_below,
            )
        };
        if pruned_below.is_some_and(|earliest| range.start() < earliest) {
            return Answer::Fail(RequestError::ResourceUnavailable);
        }
        let request = Request {
            range,
            head,
            chain: &self.inner.chain,
            lie_fork: &self.inner.lie_fork,
        };
        request.answer(behaviour)
    }

    /// Serve one request, sending `to_items` of the reply.
    async fn serve<T>(
        self,
        range: SyncRange,
        kind: RequestKind,
        to_items: impl FnOnce(Reply) -> Vec<T> + Send,
    ) -> Result<Vec<T>, RequestError> {
        // `answer` takes and drops the lock: no guard lives across an await.
        match self.answer(range, kind) {
            Answer::Now(reply) => Ok(to_items(reply)),
            Answer::After(delay, reply) => {
                tokio::time::sleep(delay).await;
                Ok(to_items(reply))
            }
            Answer::Fail(error) => Err(error),
            Answer::FailAfter(delay, error) => {
                tokio::time::sleep(delay).await;
                Err(error)
            }
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
    type Column = TestColumn;

    fn head_slot(&self) -> Slot {
        self.lock().reported.reported_head()
    }
    fn finalized_epoch(&self) -> Epoch {
        self.lock().reported.reported_finalized()
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
            .serve(range, RequestKind::Blocks, Reply::into_blocks)
    }
    fn blob_sidecars_by_range(
        &self,
        range: SyncRange,
    ) -> impl Future<Output = Result<Vec<TestSidecar>, RequestError>> + Send {
        self.clone()
            .serve(range, RequestKind::Sidecars, Reply::into_sidecars)
    }
    fn custody(&self) -> Option<ColumnSet> {
        self.lock().custody
    }
    fn data_column_sidecars_by_range(
        &self,
        range: SyncRange,
        columns: ColumnSet,
    ) -> impl Future<Output = Result<Vec<TestColumn>, RequestError>> + Send {
        let peer = self.clone();
        async move {
            peer.lock().column_requests.push((range, columns));
            peer.serve(range, RequestKind::Columns, move |reply| {
                reply.into_columns(columns)
            })
            .await
        }
    }
}

/// One peer of each adversarial kind, serving `chain`, for scenario tests: `(name, peer)`
/// with keys `first_key`, `first_key + 1`, ... (wrapping) in this order:
///
/// | name | what it does |
/// |---|---|
/// | `liar-fork` | [`Behaviour::Lie`] |
/// | `head-liar` | honest; reports a head too high by `ADVERSARY_HEAD_LIE_SLOTS` |
/// | `finality-liar` | honest; reports finality beyond its head (`ADVERSARY_FINALITY_LIE_EPOCHS`) |
/// | `out-of-range` | [`Behaviour::OutOfRange`] |
/// | `unordered` | [`Behaviour::Unordered`] |
/// | `duplicate-slots` | [`Behaviour::DuplicateSlots`] |
/// | `empty` | [`Behaviour::Empty`] |
/// | `withhold-sidecars` | [`Behaviour::WithholdSidecars`] |
/// | `corrupt-sidecars` | [`Behaviour::CorruptSidecars`] |
/// | `reorder-sidecars` | [`Behaviour::ReorderSidecars`] |
/// | `invalid-blocks` | [`Behaviour::InvalidBlocks`] |
/// | `disconnects` | [`Behaviour::DisconnectMidRequest`] (`ADVERSARY_DISCONNECT_AFTER`) |
/// | `timeouts` | [`Behaviour::Timeout`] |
/// | `rate-limits` | [`Behaviour::RateLimit`] |
/// | `stalls` | [`Behaviour::Stall`] |
/// | `pruned` | honest; history pruned below the chain's middle slot |
///
/// The constants are [`MockPeer::ADVERSARY_HEAD_LIE_SLOTS`],
/// [`MockPeer::ADVERSARY_FINALITY_LIE_EPOCHS`] and [`MockPeer::ADVERSARY_DISCONNECT_AFTER`];
/// the pruned peer is [`MockPeer::with_pruned_history`] at the last block's slot halved.
/// Each behaviour is the peer's default, so a script can still override it per range.
pub fn adversaries(chain: Arc<TestChain>, first_key: u32) -> Vec<(&'static str, MockPeer)> {
    let head = chain.blocks().last().map_or(Slot(0), |b| b.slot);
    let mut key = first_key;
    // `vec!` evaluates its elements in order, so keys follow the table.
    let mut next = move |behaviour: Behaviour| {
        let peer = MockPeer::new(key, Arc::clone(&chain)).with_behaviour(behaviour);
        key = key.wrapping_add(1);
        peer
    };
    vec![
        ("liar-fork", next(Behaviour::Lie)),
        (
            "head-liar",
            next(Behaviour::Honest).with_head_lie(MockPeer::ADVERSARY_HEAD_LIE_SLOTS),
        ),
        (
            "finality-liar",
            next(Behaviour::Honest).with_finality_lie(Epoch(
                head.0
                    .saturating_add(MockPeer::ADVERSARY_FINALITY_LIE_EPOCHS),
            )),
        ),
        ("out-of-range", next(Behaviour::OutOfRange)),
        ("unordered", next(Behaviour::Unordered)),
        ("duplicate-slots", next(Behaviour::DuplicateSlots)),
        ("empty", next(Behaviour::Empty)),
        ("withhold-sidecars", next(Behaviour::WithholdSidecars)),
        ("corrupt-sidecars", next(Behaviour::CorruptSidecars)),
        ("reorder-sidecars", next(Behaviour::ReorderSidecars)),
        ("invalid-blocks", next(Behaviour::InvalidBlocks)),
        (
            "disconnects",
            next(Behaviour::DisconnectMidRequest(
                MockPeer::ADVERSARY_DISCONNECT_AFTER,
            )),
        ),
        ("timeouts", next(Behaviour::Timeout)),
        ("rate-limits", next(Behaviour::RateLimit)),
        ("stalls", next(Behaviour::Stall)),
        (
            "pruned",
            next(Behaviour::Honest).with_pruned_history(Slot(head.0 / 2)),
        ),
    ]
}
