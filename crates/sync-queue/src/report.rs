//! What the queue tells its callers.

use std::{fmt, time::Duration};

use sync_types::{Slot, VerifierFault};

/// Why [`SyncQueue::pop`](crate::SyncQueue::pop) handed out nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoRequest {
    /// The peer's head is below the next range to hand out (forward), or the peer does
    /// not hold the whole range (backward), or it pruned the slots of the next range:
    /// try another peer.
    PeerBehind,
    /// Nothing fresh is left for this peer, and the ranges waiting to be handed out again
    /// are barred for it (it answered them empty or wrongly). Try another peer; come back
    /// with this one after `retry_in`, when a range no other present peer can take goes
    /// back to it.
    Barred {
        /// When this peer may be given a barred range (or, if another peer may take
        /// them, when it is worth asking again).
        retry_in: Duration,
    },
    /// Every slot up to the final slot is handed out or done.
    Exhausted,
    /// Too many requests are outstanding; call
    /// [`SyncQueue::process_ready`](crate::SyncQueue::process_ready) or wait for pushes.
    Backlog,
}

impl fmt::Display for NoRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NoRequest::PeerBehind => "peer cannot serve the next range",
            NoRequest::Barred { .. } => "the ranges left are barred for this peer",
            NoRequest::Exhausted => "every range is handed out",
            NoRequest::Backlog => "too many outstanding requests",
        })
    }
}

/// What became of a pushed result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PushOutcome {
    /// The result was verified; the report says how it went.
    Processed(ProcessReport),
    /// The request was no longer pending (a reset happened since it was handed out, or it
    /// was already returned): the data was dropped at once.
    Stale,
    /// The result was waiting for its turn when a reset or rewind discarded it.
    Dropped,
}

/// The outcome of verifying one result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessReport {
    /// Blocks the verifier imported.
    pub imported: usize,
    /// Blocks the verifier already had.
    pub duplicates: usize,
    /// Slots the queue's output moved by.
    pub advanced: u64,
    /// The verdict on the response.
    pub verdict: Verdict,
}

/// The verdict on one verified response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Accepted; the queue moved past the range.
    Accepted,
    /// The peer found no block in the range; the queue waits for another peer to confirm
    /// it is empty (D.19) and handed the range out again.
    EmptyNeedsConfirmation,
    /// A block failed verification; the range is retried.
    Invalid,
    /// A block is on an unviable fork; the range is retried.
    UnviableFork,
    /// Blob sidecars were missing or did not match; the range is retried.
    MissingSidecars,
    /// A block's parent is unknown. `rewind` is where the queue restarted, if it did.
    MissingParent {
        /// The slot of the block whose parent is missing.
        slot: Slot,
        /// The rewind target, when the failure rewound the queue.
        rewind: Option<Slot>,
    },
    /// Our own verifier failed; the peer is not blamed and the range is retried.
    OurFault(VerifierFault),
}

impl Verdict {
    /// Whether the range was accepted.
    pub const fn is_accepted(&self) -> bool {
        matches!(self, Verdict::Accepted)
    }
}

/// Counters of one queue. They are monotonic across
/// [`SyncQueue::reinit`](crate::SyncQueue::reinit), so a speed computed from them never
/// jumps back (D.13).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueStats {
    /// Slots the output moved past, in total.
    pub slots_processed: u64,
    /// Blocks imported.
    pub blocks_imported: u64,
    /// Blocks the verifier already had.
    pub blocks_duplicate: u64,
    /// Requests handed out.
    pub requests_issued: u64,
    /// Requests returned as failed (by `push_failed`, a dropped ticket, or a failed
    /// verification).
    pub requests_failed: u64,
    /// Results verified.
    pub results_processed: u64,
    /// Results dropped as stale or by a reset.
    pub results_dropped: u64,
    /// Empty responses waiting for another peer's confirmation.
    pub empty_unconfirmed: u64,
    /// Empty ranges skipped on the word of fewer than
    /// [`empty_confirmations`](crate::QueueConfig::empty_confirmations) peers, because no
    /// other present peer could confirm them within the barred wait (a sync with one
    /// peer).
    pub empty_skipped_unconfirmed: u64,
    /// Times a barred range went back to a peer barred from it, because no other present
    /// peer could take it.
    pub barred_lifts: u64,
    /// Rewinds after a missing parent.
    pub rewinds: u64,
    /// Rewinds that could not go back any further ([`RewindPoint::exhausted`](crate::RewindPoint)).
    pub rewinds_exhausted: u64,
    /// Failures of our own verifier.
    pub verifier_faults: u64,
    /// Forward sync: the slot of the last block the verifier accepted (imported, or
    /// already had) since the queue last started: the sync's true frontier, which runs
    /// ahead of a chain whose durable commits lag the verifier. `None` before the first,
    /// after a restart, and in backfill.
    pub accepted_frontier: Option<Slot>,
}
