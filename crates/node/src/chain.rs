//! [`NodeChain`]: the node's own chain as the sync managers see it ([`SyncChain`]), the
//! wall slot from one shared clock and the anchors the store sink publishes, read without
//! touching the database.

use std::sync::Arc;

use consensus::config::ChainConfig;
use consensus::containers::Checkpoint;
use net::WallClock;
use store::Anchors;
use sync_manager::SyncChain;
use sync_types::Slot;
use tokio::sync::watch;

/// The node's chain positions: the committed anchors (published after each commit), the
/// finalized checkpoint we trust, the slot backfill aims at, and the wall clock.
pub struct NodeChain {
    config: ChainConfig,
    clock: Arc<dyn WallClock>,
    anchors: watch::Sender<Anchors>,
    finalized: Checkpoint,
    frontfill: u64,
}

impl std::fmt::Debug for NodeChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeChain")
            .field("anchors", &*self.anchors.borrow())
            .field("finalized", &self.finalized)
            .field("frontfill", &self.frontfill)
            .finish_non_exhaustive()
    }
}

impl NodeChain {
    /// A chain at `anchors` (as read from the store when it opened). `finalized` is the
    /// checkpoint our status reports (epoch 0 and a zero root from genesis, as the spec
    /// says); `frontfill` is the lowest slot backfill should reach.
    pub fn new(
        config: ChainConfig,
        clock: Arc<dyn WallClock>,
        anchors: Anchors,
        finalized: Checkpoint,
        frontfill: u64,
    ) -> NodeChain {
        NodeChain {
            config,
            clock,
            anchors: watch::Sender::new(anchors),
            finalized,
            frontfill,
        }
    }

    /// The chain's configuration.
    pub fn config(&self) -> &ChainConfig {
        &self.config
    }

    /// The wall clock.
    pub fn clock(&self) -> &Arc<dyn WallClock> {
        &self.clock
    }

    /// The anchors of the last committed segment.
    pub fn anchors(&self) -> Anchors {
        *self.anchors.borrow()
    }

    /// Changes of the anchors, from now on.
    pub fn subscribe(&self) -> watch::Receiver<Anchors> {
        self.anchors.subscribe()
    }

    /// Publishes the anchors a commit left (called by the store sink).
    pub fn publish(&self, anchors: Anchors) {
        self.anchors.send_replace(anchors);
    }

    /// The finalized checkpoint our status reports.
    pub fn finalized(&self) -> Checkpoint {
        self.finalized
    }

    /// The slot the wall clock is at.
    pub fn wall_slot_now(&self) -> u64 {
        net::clock::slot_at(&self.config, self.clock.unix_time())
    }

    /// Whether backfill has nothing left to do: it reached genesis or the slot it aims at.
    pub fn is_backfill_done(&self) -> bool {
        self.is_backfill_done_at(&self.anchors())
    }

    /// Whether backfill would have nothing left to do at `anchors`.
    pub fn is_backfill_done_at(&self, anchors: &Anchors) -> bool {
        anchors.is_backfill_complete() || anchors.backfill.slot <= self.frontfill
    }
}

impl SyncChain for NodeChain {
    fn head_slot(&self) -> Slot {
        Slot(self.anchors.borrow().head.slot)
    }

    fn wall_slot(&self) -> Slot {
        Slot(self.wall_slot_now())
    }

    fn finalized_slot(&self) -> Slot {
        // Nothing is finalized by us (no fork choice): the trusted anchor is the floor
        // that forward sync never rewinds below.
        Slot(self.anchors.borrow().trusted.slot)
    }

    fn backfill_slot(&self) -> Slot {
        Slot(self.anchors.borrow().backfill.slot)
    }

    fn frontfill_slot(&self) -> Slot {
        Slot(self.frontfill)
    }
}
