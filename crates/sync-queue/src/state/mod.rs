//! The queue's decisions, as plain synchronous state (STYLE habit 4). The async layer in
//! `queue.rs` only locks, awaits the verifier and passes results.

use std::{
    collections::{BTreeMap, HashMap},
    time::Duration,
};

use sync_types::{
    BlockData, Cursor, RequestId, ScoredPeer, Slot, SyncDirection, SyncRange, SyncRequest,
    ValidatedResponse,
};
use tokio::{sync::oneshot, time::Instant};

mod pop;

use crate::{
    config::QueueConfig,
    report::{PushOutcome, QueueStats},
    rewind::Rewinder,
};

pub(crate) use pop::Present;

/// A range and what the queue has learned about it; it travels with the range from
/// handed-out to failed to handed-out again.
#[derive(Clone, Debug)]
pub(crate) struct Track<P> {
    pub(crate) range: SyncRange,
    /// Peers whose answer for this range failed verification (the 2025 Nimbus
    /// `failuresCount`, counted over distinct peers).
    pub(crate) failed_by: Vec<P>,
    /// Of those, the peers whose answer had a missing parent: the rewind threshold counts
    /// these, so invalid or unviable answers never add up to a rewind.
    pub(crate) missing_parent_by: Vec<P>,
    /// Of those, the peers whose answer did not link to our chain at all and were not
    /// scored for it then: if another peer's answer for the range verifies, they pay.
    pub(crate) unlinked_by: Vec<P>,
    /// Peers that answered this range with no block (D.19).
    pub(crate) voids: Vec<P>,
    /// Peers whose request for this range failed without an answer (timeout, rate limit,
    /// disconnect): not barred, but no longer awaited by a barred peer.
    tried_by: Vec<P>,
    /// When a peer was last barred from the range (an empty or failing answer): the
    /// barred wait counts from here. A request that merely failed (a rate limit, a
    /// timeout) does not restart it, or a peer that rate-limits every second would hold
    /// the range away from the barred peer forever.
    barred_since: Option<Instant>,
    /// How often the range went back to a peer barred from it.
    lifts: u32,
    /// Whether the range is out with a peer barred from it (no other present peer could
    /// take it): a repeat of that peer's answer then counts as a confirmation.
    pub(crate) lifted: bool,
    /// Missing-parent answers from lifted requests, on top of the distinct peers in
    /// `missing_parent_by`: with one peer, its repeat counts towards a rewind.
    pub(crate) repeat_failures: u32,
}

impl<P: ScoredPeer> Track<P> {
    /// Whether the peer already answered this range empty or with a failing answer: it is
    /// not asked again for it.
    pub(crate) fn is_excluded(&self, key: &P::Key) -> bool {
        self.voids
            .iter()
            .chain(&self.failed_by)
            .any(|p| &p.key() == key)
    }

    /// Whether a request of the peer's for this range failed without an answer.
    fn has_tried(&self, key: &P::Key) -> bool {
        self.tried_by.iter().any(|p| &p.key() == key)
    }

    /// Whether a barred peer should keep waiting for `key` to serve this range: it is
    /// not barred from it and has not failed a request for it.
    fn may_still_serve(&self, key: &P::Key) -> bool {
        !self.is_excluded(key) && !self.has_tried(key)
    }
}

impl<P> Track<P> {
    fn new(range: SyncRange) -> Self {
        Track {
            range,
            failed_by: Vec::new(),
            missing_parent_by: Vec::new(),
            unlinked_by: Vec::new(),
            voids: Vec::new(),
            tried_by: Vec::new(),
            barred_since: None,
            lifts: 0,
            lifted: false,
            repeat_failures: 0,
        }
    }

    /// How long until the range may go back to a peer barred from it.
    fn barred_wait(&self, config: &QueueConfig, now: Instant) -> Duration {
        let Some(since) = self.barred_since else {
            return Duration::ZERO;
        };
        (since + config.barred_wait_after(self.lifts)).saturating_duration_since(now)
    }

    /// A peer was barred from the range just now.
    pub(crate) fn mark_barred(&mut self) {
        self.barred_since = Some(Instant::now());
    }
}

/// An answered request waiting for its turn to be verified.
pub(crate) struct Parked<P, B, S, C> {
    pub(crate) request: SyncRequest<P>,
    pub(crate) track: Track<P>,
    pub(crate) response: ValidatedResponse<B, S, C>,
    pub(crate) maybe_finalized: bool,
    pub(crate) reply: Option<oneshot::Sender<PushOutcome>>,
    /// Called once, when the result is taken out for verification.
    pub(crate) on_verify: Option<OnVerify>,
}

/// A callback for the moment a pushed result goes to the verifier.
pub type OnVerify = Box<dyn FnOnce() + Send>;

/// A result taken out for verification. Everything needed to judge the verifier's
/// outcomes; the blocks themselves went to the verifier.
pub(crate) struct Job<P> {
    pub(crate) request: SyncRequest<P>,
    pub(crate) track: Track<P>,
    /// Block slots in processing order.
    pub(crate) slots: Vec<Slot>,
    /// The slots at the far end of the range that the response left without a block.
    pub(crate) end_gap: Option<SyncRange>,
    pub(crate) generation: u64,
    pub(crate) reply: Option<oneshot::Sender<PushOutcome>>,
}

/// A job taken for verification, with its blocks in processing order.
pub(crate) struct Taken<P, B, S, C> {
    pub(crate) job: Job<P>,
    pub(crate) blocks: Vec<BlockData<B, S, C>>,
    pub(crate) maybe_finalized: bool,
}

/// The state of one queue.
pub(crate) struct State<P: ScoredPeer, B, S, C> {
    pub(crate) direction: SyncDirection,
    pub(crate) config: QueueConfig,
    pub(crate) slots_per_epoch: u64,
    pub(crate) start: Slot,
    pub(crate) final_slot: Slot,
    /// The next slot to hand out.
    pub(crate) inp: Cursor,
    /// The next slot to process.
    pub(crate) out: Cursor,
    next_id: u64,
    /// Bumped by every reset: results of an older generation are stale.
    pub(crate) generation: u64,
    pub(crate) pending: HashMap<RequestId, Track<P>>,
    debts: BTreeMap<(u64, u64), Track<P>>,
    debt_slots: u64,
    pub(crate) parked: BTreeMap<(u64, RequestId), Parked<P, B, S, C>>,
    pub(crate) processing: bool,
    pub(crate) gaps: Vec<(SyncRange, P)>,
    pub(crate) rewinder: Rewinder,
    pub(crate) stats: QueueStats,
    /// Set when a range went back to be handed out, or the queue restarted: waiting
    /// workers are told (and the flag cleared) by the async layer.
    pub(crate) work_returned: bool,
}

impl<P: ScoredPeer, B, S, C> State<P, B, S, C> {
    pub(crate) fn new(
        direction: SyncDirection,
        start: Slot,
        final_slot: Slot,
        config: QueueConfig,
        slots_per_epoch: u64,
    ) -> Self {
        State {
            direction,
            config,
            slots_per_epoch,
            start,
            final_slot,
            inp: Cursor::At(start),
            out: Cursor::At(start),
            next_id: 1,
            generation: 0,
            pending: HashMap::new(),
            debts: BTreeMap::new(),
            debt_slots: 0,
            parked: BTreeMap::new(),
            processing: false,
            gaps: Vec::new(),
            rewinder: Rewinder::default(),
            stats: QueueStats::default(),
            work_returned: false,
        }
    }

    /// The position of a range in processing order (smaller first).
    fn order_of(&self, range: SyncRange) -> u64 {
        match self.direction {
            SyncDirection::Forward => range.start().0,
            SyncDirection::Backward => u64::MAX - range.last().0,
        }
    }

    /// One past the final slot, in the walking direction.
    fn end(&self) -> Cursor {
        Cursor::At(self.final_slot).advance(self.direction, 1)
    }

    pub(crate) fn len(&self) -> u64 {
        self.end().steps_ahead_of(self.out, self.direction)
    }

    pub(crate) fn total(&self) -> u64 {
        self.end()
            .steps_ahead_of(Cursor::At(self.start), self.direction)
    }

    pub(crate) fn pending_len(&self) -> u64 {
        self.inp.steps_ahead_of(self.out, self.direction)
    }

    pub(crate) fn debt_len(&self) -> u64 {
        self.debt_slots
    }

    pub(crate) fn outstanding(&self) -> usize {
        self.pending.len() + self.parked.len() + usize::from(self.processing)
    }

    /// Move the cursors past the safe slot (spec A.5.3). Returns whether `out` moved.
    pub(crate) fn advance_to_safe(&mut self, safe: Slot) -> bool {
        let before = self.out;
        match self.direction {
            SyncDirection::Forward => {
                for c in [&mut self.out, &mut self.inp] {
                    if let Cursor::At(s) = c
                        && *s < safe
                    {
                        *c = Cursor::At(safe);
                    }
                }
            }
            SyncDirection::Backward => {
                for c in [&mut self.out, &mut self.inp] {
                    if let Cursor::At(s) = c
                        && *s > safe
                    {
                        *c = Cursor::At(safe);
                    }
                }
            }
        }
        self.out != before
    }

    /// The part of `range` not yet behind `out`, if any (spec A.5.3, trimming a debt).
    fn trim(&self, range: SyncRange) -> Option<SyncRange> {
        let Cursor::At(o) = self.out else { return None };
        match self.direction {
            SyncDirection::Forward if o <= range.start() => Some(range),
            SyncDirection::Forward => SyncRange::from_bounds(o, range.last()),
            SyncDirection::Backward if o >= range.last() => Some(range),
            SyncDirection::Backward => SyncRange::from_bounds(range.start(), o),
        }
    }

    /// How many slots of `range` are already behind `out`.
    pub(crate) fn already_known(&self, range: SyncRange) -> u64 {
        let Cursor::At(o) = self.out else {
            return range.count();
        };
        let behind = match self.direction {
            SyncDirection::Forward => o.distance_from(range.start()),
            SyncDirection::Backward => range.last().distance_from(o),
        };
        behind.min(range.count())
    }

    fn issue(&mut self, track: Track<P>, peer: P) -> SyncRequest<P> {
        let id = RequestId(self.next_id);
        self.next_id += 1;
        let request = SyncRequest {
            id,
            direction: self.direction,
            range: track.range,
            peer,
        };
        self.pending.insert(id, track);
        self.stats.requests_issued += 1;
        request
    }

    /// Put a range back to be handed out again, without counting a failure.
    pub(crate) fn push_debt(&mut self, track: Track<P>) {
        self.insert_debt(track);
        self.work_returned = true;
    }

    /// Put a range among the debts as it is.
    fn insert_debt(&mut self, track: Track<P>) {
        self.debt_slots += track.range.count();
        let order = self.order_of(track.range);
        let mut tie = 0;
        while self.debts.contains_key(&(order, tie)) {
            tie += 1;
        }
        self.debts.insert((order, tie), track);
    }

    /// Put a range back to be handed out again.
    pub(crate) fn return_range(&mut self, track: Track<P>) {
        self.stats.requests_failed += 1;
        self.push_debt(track);
    }

    /// A request to `peer` came back failed (spec A.5.5). Ignored when it is not
    /// pending. The peer is not barred from the range (a timeout or a rate limit proves
    /// nothing), but it no longer counts as a peer that may still serve it when a barred
    /// peer waits for the range.
    pub(crate) fn fail(&mut self, id: RequestId, peer: &P) -> bool {
        match self.pending.remove(&id) {
            Some(mut track) => {
                if !track.tried_by.iter().any(|p| p.key() == peer.key()) {
                    track.tried_by.push(peer.clone());
                }
                self.return_range(track);
                true
            }
            None => false,
        }
    }

    /// Hand a request's range out again as if it had never been taken (nobody tried it).
    pub(crate) fn release(&mut self, id: RequestId) -> bool {
        match self.pending.remove(&id) {
            Some(track) => {
                self.push_debt(track);
                true
            }
            None => false,
        }
    }

    /// Park an answered request until it is its turn. Gives the reply channel back when
    /// the request is not pending (stale).
    pub(crate) fn park(
        &mut self,
        request: SyncRequest<P>,
        response: ValidatedResponse<B, S, C>,
        maybe_finalized: bool,
        reply: oneshot::Sender<PushOutcome>,
        on_verify: Option<OnVerify>,
    ) -> Result<(), oneshot::Sender<PushOutcome>> {
        let Some(track) = self.pending.remove(&request.id) else {
            self.stats.results_dropped += 1;
            return Err(reply);
        };
        let key = (self.order_of(request.range), request.id);
        let parked = Parked {
            request,
            track,
            response,
            maybe_finalized,
            reply: Some(reply),
            on_verify,
        };
        self.parked.insert(key, parked);
        Ok(())
    }

    /// Whether the first parked result can be processed now.
    fn front_is_ready(&self) -> bool {
        let Some((_, front)) = self.parked.first_key_value() else {
            return false;
        };
        match (self.out, self.direction) {
            (Cursor::Beyond, _) => true,
            (Cursor::At(o), SyncDirection::Forward) => front.request.range.start() <= o,
            (Cursor::At(o), SyncDirection::Backward) => front.request.range.last() >= o,
        }
    }

    /// Discard everything in flight and restart both cursors at `to` (spec A.5.9).
    ///
    /// Forward never moves forward here (`min(to, out)`); backward goes to `to` itself.
    /// Unlike the seed's `clearAndWakeup` (D.27), nothing is left behind: the debts, the
    /// parked results and the in-flight requests all go, and the ranges from the new
    /// cursor on are handed out afresh, so no slot is lost.
    pub(crate) fn reset(&mut self, to: Option<Slot>) {
        self.generation += 1;
        self.pending.clear();
        self.debts.clear();
        self.debt_slots = 0;
        for (_, mut parked) in std::mem::take(&mut self.parked) {
            self.stats.results_dropped += 1;
            if let Some(reply) = parked.reply.take() {
                let _ = reply.send(PushOutcome::Dropped);
            }
        }
        let target = match (to, self.direction) {
            (None, _) => self.out,
            (Some(t), SyncDirection::Backward) => Cursor::At(t),
            (Some(t), SyncDirection::Forward) => match self.out {
                Cursor::At(o) => Cursor::At(o.min(t)),
                Cursor::Beyond => Cursor::At(t),
            },
        };
        self.inp = target;
        self.out = target;
        self.work_returned = true;
    }

    /// Start over on a new range, keeping the counters (D.13).
    pub(crate) fn reinit(&mut self, start: Slot, final_slot: Slot) {
        self.reset(None);
        self.start = start;
        self.final_slot = final_slot;
        self.inp = Cursor::At(start);
        self.out = Cursor::At(start);
        self.gaps.clear();
        self.rewinder.clear();
        // A new start: what was accepted before says nothing about this run.
        self.stats.accepted_frontier = None;
    }

    /// Take the first parked result for verification, unless another task is verifying or
    /// it is not its turn. The blocks come in processing order.
    pub(crate) fn take_ready(&mut self) -> Option<Taken<P, B, S, C>>
    where
        B: sync_types::BlockView,
    {
        if self.processing || !self.front_is_ready() {
            return None;
        }
        let (_, mut parked) = self.parked.pop_first()?;
        if let Some(on_verify) = parked.on_verify.take() {
            on_verify();
        }
        self.processing = true;
        let range = parked.request.range;
        let mut blocks = parked.response.into_blocks();
        if self.direction == SyncDirection::Backward {
            blocks.reverse();
        }
        let slots: Vec<Slot> = blocks.iter().map(|b| b.block.slot()).collect();
        let end_gap = end_gap(self.direction, range, &slots);
        let job = Job {
            request: parked.request,
            track: parked.track,
            slots,
            end_gap,
            generation: self.generation,
            reply: parked.reply,
        };
        Some(Taken {
            job,
            blocks,
            maybe_finalized: parked.maybe_finalized,
        })
    }
}

/// The slots at the far end of `range` (in the walking direction) that `slots` leaves
/// without a block; the whole range when `slots` is empty.
///
/// The seed looked only at the high end in both directions; backward, the unproven slots
/// are the low ones.
pub(crate) fn end_gap(
    direction: SyncDirection,
    range: SyncRange,
    slots: &[Slot],
) -> Option<SyncRange> {
    match direction {
        SyncDirection::Forward => match slots.iter().max() {
            None => Some(range),
            Some(last) => SyncRange::from_bounds(last.checked_add(1)?, range.last()),
        },
        SyncDirection::Backward => match slots.iter().min() {
            None => Some(range),
            Some(first) => SyncRange::from_bounds(range.start(), first.checked_sub(1)?),
        },
    }
}
