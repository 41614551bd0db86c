//! The async face of the queue: locking, waiting for a turn, running the verifier.

use std::{
    future::Future,
    pin::Pin,
    sync::{Arc, Mutex, MutexGuard, Weak},
    task::Poll,
};

use sync_types::{
    BlockVerifier, ChainSpec, Cursor, RequestId, ScoredPeer, Slot, SyncDirection, ValidatedResponse,
};
use tokio::{sync::oneshot, time::Instant};

use crate::{
    config::QueueConfig,
    reach::PeerReach,
    report::{NoRequest, PushOutcome, QueueStats},
    rewind::RewindPoint,
    signal::{Listener, Signal},
    state::{Job, OnVerify, Present, State, Taken},
    ticket::{RequestTicket, ReturnRequest},
};

type Block<V> = <V as BlockVerifier>::Block;
type Sidecar<V> = <V as BlockVerifier>::Sidecar;
type Column<V> = <V as BlockVerifier>::Column;
/// The queue state of a verifier's data types.
type StateOf<P, V> = State<P, Block<V>, Sidecar<V>, Column<V>>;

/// The safe slot: forward, the finalized slot (nothing below it is ever re-requested);
/// backward, the lowest slot already backfilled. Read at every `pop` and every failure.
pub type SafeSlot = Box<dyn Fn() -> Slot + Send + Sync>;

struct Shared<P: ScoredPeer, V: BlockVerifier> {
    state: Mutex<StateOf<P, V>>,
    /// Raised whenever a parked result may have become ready, or processing stopped.
    changed: Signal,
    /// Raised whenever a range went back to be handed out or the queue restarted: work
    /// for idle workers.
    work: Signal,
    safe_slot: SafeSlot,
    verifier: V,
}

impl<P: ScoredPeer, V: BlockVerifier> Shared<P, V> {
    fn lock(&self) -> MutexGuard<'_, StateOf<P, V>> {
        // The state is only changed by short synchronous sections that do not panic on
        // any input; a poisoned lock still holds consistent state.
        sync_types::lock::lock(&self.state)
    }

    fn bump(&self) {
        self.changed.raise();
    }

    /// Run `f` on the state; tell idle workers if it put work back.
    fn with_state<R>(&self, f: impl FnOnce(&mut StateOf<P, V>) -> R) -> R {
        let mut state = self.lock();
        let r = f(&mut state);
        let returned = std::mem::take(&mut state.work_returned);
        drop(state);
        if returned {
            self.work.raise();
        }
        r
    }
}

impl<P: ScoredPeer, V: BlockVerifier> ReturnRequest<P> for Shared<P, V> {
    fn return_failed(&self, id: RequestId, peer: &P) {
        self.with_state(|state| state.fail(id, peer));
    }

    fn return_unused(&self, id: RequestId) {
        self.with_state(|state| state.release(id));
    }
}

/// Nimbus's `SyncQueue`, for one direction: hands out slot ranges to peers, collects the
/// answers in any order, verifies them in slot order through a [`BlockVerifier`],
/// scores the peers, and rewinds past holes. Cheap to clone: clones share the queue.
///
/// See the crate documentation for the rules.
pub struct SyncQueue<P: ScoredPeer, V: BlockVerifier> {
    shared: Arc<Shared<P, V>>,
}

impl<P: ScoredPeer, V: BlockVerifier> Clone for SyncQueue<P, V> {
    fn clone(&self) -> Self {
        SyncQueue {
            shared: Arc::clone(&self.shared),
        }
    }
}

/// Cancels verification bookkeeping if the processing future is dropped mid-verify: the
/// range goes back to the queue and another task may process.
struct JobGuard<'a, P: ScoredPeer, V: BlockVerifier> {
    shared: &'a Shared<P, V>,
    job: Option<Job<P>>,
}

impl<P: ScoredPeer, V: BlockVerifier> Drop for JobGuard<'_, P, V> {
    fn drop(&mut self) {
        if let Some(job) = self.job.take() {
            self.shared.with_state(|state| {
                state.processing = false;
                if job.generation == state.generation {
                    state.return_range(job.track);
                }
            });
            if let Some(reply) = job.reply {
                let _ = reply.send(PushOutcome::Dropped);
            }
            self.shared.bump();
        }
    }
}

impl<P: ScoredPeer, V: BlockVerifier> SyncQueue<P, V> {
    /// A queue from `start` to `final_slot` (inclusive) in `direction`. Forward needs
    /// `start <= final_slot`, backward `start >= final_slot`; otherwise it is empty.
    pub fn new(
        direction: SyncDirection,
        start: Slot,
        final_slot: Slot,
        config: QueueConfig,
        spec: &ChainSpec,
        safe_slot: SafeSlot,
        verifier: V,
    ) -> Self {
        let state = State::new(direction, start, final_slot, config, spec.slots_per_epoch);
        let (changed, work) = (Signal::new(), Signal::new());
        SyncQueue {
            shared: Arc::new(Shared {
                state: Mutex::new(state),
                changed,
                work,
                safe_slot,
                verifier,
            }),
        }
    }

    /// The verifier.
    pub fn verifier(&self) -> &V {
        &self.shared.verifier
    }

    /// Hand out the next range for a peer whose head is `max_slot` (spec A.5.4), with no
    /// knowledge of the other peers: a range the peer is barred from never comes back to
    /// it. See [`pop_for`](Self::pop_for).
    pub fn pop(&self, max_slot: Slot, peer: P) -> Result<RequestTicket<P>, NoRequest> {
        self.pop_inner(PeerReach::up_to(max_slot), peer, None)
    }

    /// Hand out the next range for a peer that serves `reach` (spec A.5.4).
    ///
    /// Failed ranges come first, unless the peer is barred from them (it answered them
    /// empty or wrongly, D.19); the whole pop waits while the first failed range is
    /// beyond the peer's head; ranges below the peer's earliest available slot are never
    /// handed to it. A fresh forward range is clipped to the peer's head; a fresh
    /// backward range is only given to a peer that has all of it.
    ///
    /// `present` lists the other peers at hand with what each serves; it is called only
    /// when a barred range is met. When none of them can take a barred range, it goes back
    /// to a barred peer after [`QueueConfig::barred_wait`] (doubling per return), so a
    /// sync with a single peer never hangs on a range that peer answered empty; a second
    /// empty answer from it then skips the range
    /// ([`QueueStats::empty_skipped_unconfirmed`]). When only barred ranges are left for
    /// the peer, the answer is [`NoRequest::Barred`]: ask another peer.
    pub fn pop_for(
        &self,
        reach: PeerReach,
        peer: P,
        mut present: impl FnMut() -> Vec<(P::Key, PeerReach)>,
    ) -> Result<RequestTicket<P>, NoRequest> {
        self.pop_inner(reach, peer, Some(&mut present))
    }

    fn pop_inner(
        &self,
        reach: PeerReach,
        peer: P,
        present: Option<Present<'_, P::Key>>,
    ) -> Result<RequestTicket<P>, NoRequest> {
        let safe = (self.shared.safe_slot)();
        let now = Instant::now();
        let popped = self.shared.with_state(|state| {
            let moved = state.advance_to_safe(safe);
            (moved, state.pop(reach, peer, now, present))
        });
        let (moved, popped) = popped;
        if moved {
            self.shared.bump();
        }
        let request = popped?;
        tracing::debug!(target: "sync::queue", %request, peer = %request.peer.key(), "range handed out");
        let weak: Weak<Shared<P, V>> = Arc::downgrade(&self.shared);
        Ok(RequestTicket::new(request, weak))
    }

    /// Give a request back as failed (download error, bad response): its range is handed
    /// out again. A request that is no longer pending (after a reset) is ignored.
    pub fn push_failed(&self, ticket: RequestTicket<P>) {
        drop(ticket);
    }

    /// Push a peer's checked response and wait until it has been verified, or dropped.
    ///
    /// A result that is ahead of the queue's output waits its turn (it never triggers a
    /// rewind, D.14); a result whose request is no longer pending returns
    /// [`PushOutcome::Stale`] at once. Whoever pushes the result the queue is waiting for
    /// verifies it and every result that is then in order, for all pushers.
    ///
    /// Cancelling this future is clean: the result stays parked and is verified in its
    /// turn, and if verification itself is cancelled the range is handed out again.
    pub async fn push(
        &self,
        ticket: RequestTicket<P>,
        response: ValidatedResponse<Block<V>, Sidecar<V>, Column<V>>,
        maybe_finalized: bool,
    ) -> PushOutcome {
        self.push_observed(ticket, response, maybe_finalized, None)
            .await
    }

    /// [`push`](Self::push), calling `on_verify` at the moment the result goes to the
    /// verifier (whichever task runs it), for status displays. The callback runs under
    /// the queue's lock: it must be quick and must not call the queue.
    pub async fn push_observed(
        &self,
        ticket: RequestTicket<P>,
        response: ValidatedResponse<Block<V>, Sidecar<V>, Column<V>>,
        maybe_finalized: bool,
        on_verify: Option<OnVerify>,
    ) -> PushOutcome {
        let request = ticket.into_request();
        let (tx, mut rx) = oneshot::channel();
        let parked = self
            .shared
            .lock()
            .park(request, response, maybe_finalized, tx, on_verify);
        if parked.is_err() {
            return PushOutcome::Stale;
        }
        let mut changed = self.shared.changed.listen();
        loop {
            self.process_ready().await;
            // Wait for our own outcome, or for a change that may make a parked result
            // ready (then try to process again).
            let mut wake = std::pin::pin!(changed.changed());
            let woke = std::future::poll_fn(|cx| {
                if let Poll::Ready(outcome) = Pin::new(&mut rx).poll(cx) {
                    return Poll::Ready(Some(outcome.unwrap_or(PushOutcome::Dropped)));
                }
                wake.as_mut().poll(cx).map(|()| None)
            })
            .await;
            if let Some(outcome) = woke {
                return outcome;
            }
        }
    }

    /// Verify parked results while the first of them is in order and no other task is
    /// verifying. Pushes call this; a caller that got [`NoRequest::Backlog`] may too.
    pub async fn process_ready(&self) {
        loop {
            let taken = self.shared.lock().take_ready();
            let Some(Taken {
                job,
                blocks,
                maybe_finalized,
            }) = taken
            else {
                return;
            };
            let mut guard = JobGuard {
                shared: &self.shared,
                job: Some(job),
            };
            let result = self
                .shared
                .verifier
                .verify_segment(blocks, maybe_finalized)
                .await;
            let Some(mut job) = guard.job.take() else {
                return;
            };
            let reply = job.reply.take();
            let safe = (self.shared.safe_slot)();
            let outcome = self
                .shared
                .with_state(|state| state.finish(job, result, safe));
            if let Some(reply) = reply {
                let _ = reply.send(outcome);
            }
            self.shared.bump();
        }
    }

    /// Discard everything in flight and restart at `to` (forward: never past the current
    /// output; `None` restarts at the output). Waiting pushes return
    /// [`PushOutcome::Dropped`]; requests handed out before become stale.
    pub fn reset(&self, to: Option<Slot>) {
        self.shared.with_state(|state| state.reset(to));
        self.shared.bump();
    }

    /// Nimbus's `clearAndWakeup`, made safe (D.27): a full [`reset`](Self::reset) to the
    /// current output, so the queue can be used again at once and no range is lost.
    pub fn clear_and_wakeup(&self) {
        self.reset(None);
    }

    /// Start over on a new range, keeping [`stats`](Self::stats) (D.13).
    pub fn reinit(&self, start: Slot, final_slot: Slot) {
        self.shared
            .with_state(|state| state.reinit(start, final_slot));
        self.shared.bump();
    }

    /// Move the final slot (forward sync follows the wall clock). A later final slot is
    /// new work for idle workers.
    pub fn update_last_slot(&self, last: Slot) {
        self.shared.with_state(|state| {
            if last > state.final_slot {
                state.work_returned = true;
            }
            state.final_slot = last;
        });
    }

    /// A listener that wakes whenever a range goes back to be handed out, the queue
    /// restarts, or the final slot moves on: a worker told [`NoRequest::Exhausted`] or
    /// [`NoRequest::Backlog`] may wait on it instead of a fixed back-off.
    pub fn work_available(&self) -> Listener {
        self.shared.work.listen()
    }

    /// Nimbus's `getRewindPoint`: where a missing parent at `fail` would rewind to, given
    /// the safe slot (spec A.5.8); updates the exponential rewind memory, so the next
    /// call for the same slot goes further back. To only look, use
    /// [`peek_rewind_point`](Self::peek_rewind_point).
    pub fn rewind_point(&self, fail: Slot, safe: Slot) -> RewindPoint {
        let mut state = self.shared.lock();
        let (direction, spe) = (state.direction, state.slots_per_epoch);
        state.rewinder.rewind_point(direction, fail, safe, spe)
    }

    /// Where [`rewind_point`](Self::rewind_point) would rewind to for a missing parent at
    /// `fail`, without changing the rewind memory: a pure query, for status displays and
    /// for a client that decides on its own whether to rewind.
    pub fn peek_rewind_point(&self, fail: Slot, safe: Slot) -> RewindPoint {
        let state = self.shared.lock();
        let (direction, spe) = (state.direction, state.slots_per_epoch);
        state
            .rewinder
            .clone()
            .rewind_point(direction, fail, safe, spe)
    }

    /// The queue's direction.
    pub fn direction(&self) -> SyncDirection {
        self.shared.lock().direction
    }

    /// Slots left to process: from the output to the final slot.
    pub fn len(&self) -> u64 {
        self.shared.lock().len()
    }

    /// Whether nothing is left to process.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Slots from the start to the final slot.
    pub fn total(&self) -> u64 {
        self.shared.lock().total()
    }

    /// Slots processed: `total - len`.
    pub fn progress(&self) -> u64 {
        let state = self.shared.lock();
        state.total().saturating_sub(state.len())
    }

    /// Slots handed out but not yet processed (between output and input).
    pub fn pending_len(&self) -> u64 {
        self.shared.lock().pending_len()
    }

    /// Slots of failed ranges waiting to be handed out again.
    pub fn debt_len(&self) -> u64 {
        self.shared.lock().debt_len()
    }

    /// Requests handed out or waiting to be verified.
    pub fn outstanding(&self) -> usize {
        self.shared.lock().outstanding()
    }

    /// Answered results waiting for their turn.
    pub fn parked_len(&self) -> usize {
        self.shared.lock().parked.len()
    }

    /// The next slot to hand out.
    pub fn input_slot(&self) -> Cursor {
        self.shared.lock().inp
    }

    /// The next slot to process.
    pub fn output_slot(&self) -> Cursor {
        self.shared.lock().out
    }

    /// The first slot of the queue's range.
    pub fn start_slot(&self) -> Slot {
        self.shared.lock().start
    }

    /// The last slot of the queue's range.
    pub fn final_slot(&self) -> Slot {
        self.shared.lock().final_slot
    }

    /// The counters; monotonic across resets and [`reinit`](Self::reinit).
    pub fn stats(&self) -> QueueStats {
        self.shared.lock().stats
    }
}
