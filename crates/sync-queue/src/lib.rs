//! # sync-queue: the range-sync queue
//!
//! [`SyncQueue`] is the heart of range sync, after Nimbus's `SyncQueue`
//! (`beacon_chain/sync/sync_queue.nim`, March 2023) with the seed's bugs fixed. It sits
//! between the sync workers (which own peers and the network) and a [`BlockVerifier`]
//! (which owns the chain): it depends only on `sync-types`, and on tokio for its `sync`
//! primitives.
//!
//! ## How it works
//!
//! - **Handing out.** [`SyncQueue::pop`] gives a peer the next range: ranges that failed
//!   before come first (trimmed past the safe slot), then fresh ranges of
//!   [`QueueConfig::chunk_size`] slots. Forward, a fresh range is clipped to the peer's
//!   head; backward, only a peer holding the whole range gets it. A popped request is a
//!   [`RequestTicket`]: dropping it returns the range, so no path can leak one.
//! - **Ordering.** [`SyncQueue::push`] parks a checked response
//!   ([`ValidatedResponse`](sync_types::ValidatedResponse)) and waits. Results are
//!   verified strictly in slot order (decreasing slots backward); a result that is ahead
//!   waits its turn instead of triggering a rewind. Whoever pushes the awaited result
//!   verifies every result that is then in order, on behalf of all pushers.
//! - **Judging.** Each verified result moves the output, rewards the peer (+100) and the
//!   peers of the gap list, or fails: invalid (-1100), unviable (-200), missing sidecars
//!   and a hole inside the peer's own linked answer (a proven fault, -1100: more than
//!   any peer can have earned) and missing parents (see below) hand the range out
//!   again; a fault of our own verifier costs nobody anything. Peers that called a
//!   range empty pay the proven fault when another peer's answer for it verifies; peers
//!   whose answer did not link pay -1100 then.
//! - **Empty ranges.** A range without blocks is only skipped when
//!   [`QueueConfig::empty_confirmations`] distinct peers (default 2) say so; a peer is not
//!   asked again for a range it answered empty. A lying peer can no longer make the queue
//!   skip blocks on its own word.
//! - **Barred ranges stay live.** A range a peer answered empty or wrongly is barred for
//!   it: [`SyncQueue::pop_for`] tells that peer [`NoRequest::Barred`] so its worker asks
//!   another peer at once. When no other present peer can serve the range (a sync with
//!   one peer), it goes back to a barred peer after [`QueueConfig::barred_wait`]
//!   (doubling per return); a second empty answer from that peer then skips it, counted
//!   in [`QueueStats::empty_skipped_unconfirmed`].
//! - **Reach.** A peer is only handed ranges inside its [`PeerReach`]: from its earliest
//!   available slot (status v2) to its head, so a peer that pruned history is never asked
//!   (or charged) for it.
//! - **Holes.** A missing parent with no linked block before it means a range behind us
//!   was answered falsely (empty, or cut short). After
//!   [`QueueConfig::rewind_failure_threshold`] failures of the same range (default 2, so
//!   one bad answer never rewinds), the queue rewinds exponentially (1, 2, 4, ... epochs,
//!   never below the finalized slot) and the peers that vouched for the hole pay an
//!   escalating gap penalty.
//! - **Bounds.** At most [`QueueConfig::max_outstanding_requests`] requests are handed
//!   out or parked at once, so memory is proportional to in-flight work, not to the
//!   range.
//!
//! ## Example
//!
//! ```
//! use sync_queue::{PushOutcome, QueueConfig, SyncQueue};
//! use sync_types::{
//!     test_utils::{ChainVerifier, TestChain, TestPeer},
//!     ChainSpec, Slot, SyncDirection, ValidatedResponse,
//! };
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let chain = TestChain::full(Slot(63));
//! let verifier = ChainVerifier::forward(&chain.blocks()[0]);
//! let queue = SyncQueue::new(
//!     SyncDirection::Forward,
//!     Slot(1),
//!     Slot(63),
//!     QueueConfig::default(),
//!     &ChainSpec::mainnet(),
//!     Box::new(|| Slot(0)), // the finalized slot
//!     verifier.clone(),
//! );
//! let peer = TestPeer::new(7);
//! while let Ok(ticket) = queue.pop(Slot(63), peer.clone()) {
//!     // A worker downloads the range from the peer and checks the answer...
//!     let response = ValidatedResponse::blocks_only(ticket.range, chain.blocks_in(ticket.range))
//!         .expect("honest answer");
//!     // ...then hands it to the queue, which verifies it in order.
//!     let outcome = queue.push(ticket, response, false).await;
//!     assert!(matches!(outcome, PushOutcome::Processed(r) if r.verdict.is_accepted()));
//! }
//! assert!(queue.is_empty());
//! assert_eq!(verifier.imported().len(), 63);
//! # });
//! ```
//!
//! ## Features
//!
//! None. Tests use `sync-types`' `test-utils` feature for scripted peers and verifiers.
//!
//! [`BlockVerifier`]: sync_types::BlockVerifier

#![cfg_attr(docsrs, feature(doc_cfg))]

mod config;
mod process;
mod queue;
mod reach;
mod report;
mod rewind;
mod signal;
mod state;
mod ticket;

pub use config::QueueConfig;
pub use queue::{SafeSlot, SyncQueue};
pub use reach::PeerReach;
pub use report::{NoRequest, ProcessReport, PushOutcome, QueueStats, Verdict};
pub use rewind::{RewindPoint, Rewinder};
pub use signal::{Listener, Signal};
pub use state::OnVerify;
pub use ticket::RequestTicket;
