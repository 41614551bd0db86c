//! The `SyncChain` seam: what the manager needs to know about our own chain and clock.

use sync_types::{Slot, SyncDirection};

/// Our chain's positions, re-read on every decision (Nimbus's slot callbacks, spec A.6.1).
pub trait SyncChain: Send + Sync + 'static {
    /// The slot of our head block.
    fn head_slot(&self) -> Slot;
    /// The slot the wall clock is at.
    fn wall_slot(&self) -> Slot;
    /// The slot of our finalized checkpoint.
    fn finalized_slot(&self) -> Slot;
    /// Backfill: the lowest slot we hold a block for (the backfill cursor). The default,
    /// slot 0, is for a client that never backfills (forward sync only).
    fn backfill_slot(&self) -> Slot {
        Slot(0)
    }
    /// Backfill: the slot backfill should reach (genesis, or the retention horizon).
    /// The default, slot 0, is for a client that never backfills.
    fn frontfill_slot(&self) -> Slot {
        Slot(0)
    }
}

/// The first, last and safe slots of a sync in `direction` (spec A.6.1).
pub(crate) fn bounds<C: SyncChain + ?Sized>(
    chain: &C,
    direction: SyncDirection,
) -> (Slot, Slot, Slot) {
    match direction {
        SyncDirection::Forward => (chain.head_slot(), chain.wall_slot(), chain.finalized_slot()),
        SyncDirection::Backward => {
            let b = chain.backfill_slot();
            (b, chain.frontfill_slot(), b)
        }
    }
}

/// Slots left before the sync counts as done.
pub(crate) fn remaining<C: SyncChain + ?Sized>(chain: &C, direction: SyncDirection) -> u64 {
    match direction {
        SyncDirection::Forward => chain.wall_slot().distance_from(chain.head_slot()),
        SyncDirection::Backward => chain.backfill_slot().distance_from(chain.frontfill_slot()),
    }
}
