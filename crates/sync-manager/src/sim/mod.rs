//! A simulated network for tests and the examples (feature `test-utils`): an in-memory
//! chain position ([`SimChain`]) and a verifier that moves it ([`SimVerifier`]). The
//! peers are `sync_types::test_utils::MockPeer`s.
//!
//! [`sweep`] runs many seeded simulated syncs of the real [`SyncManager`](crate::SyncManager)
//! over this network and reports hangs, stalls, wrong imports and unfair blame.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use sync_types::{
    BlockData, BlockOutcome, BlockVerifier, ColumnRejection, Slot, SyncDirection, VerifierFault,
    test_utils::{ChainVerifier, TestBlock, TestColumn, TestSidecar},
};

use crate::chain::SyncChain;

pub mod sweep;

/// Our chain's positions as plain numbers; the [`SimVerifier`] moves head and backfill.
#[derive(Debug, Default)]
pub struct SimChain {
    wall: AtomicU64,
    head: AtomicU64,
    finalized: AtomicU64,
    backfill: AtomicU64,
    frontfill: AtomicU64,
}

impl SimChain {
    /// A chain whose head and finalized slot are `head`, at wall slot `wall`.
    pub fn forward(head: Slot, wall: Slot) -> Arc<Self> {
        let c = SimChain::default();
        c.head.store(head.0, Ordering::Relaxed);
        c.finalized.store(head.0, Ordering::Relaxed);
        c.wall.store(wall.0, Ordering::Relaxed);
        c.backfill.store(head.0, Ordering::Relaxed);
        Arc::new(c)
    }

    /// A checkpoint-synced chain: blocks from `anchor` up (head and wall there), to be
    /// backfilled down to `frontfill`.
    pub fn backfill(anchor: Slot, frontfill: Slot) -> Arc<Self> {
        let c = SimChain::default();
        for a in [&c.head, &c.finalized, &c.wall, &c.backfill] {
            a.store(anchor.0, Ordering::Relaxed);
        }
        c.frontfill.store(frontfill.0, Ordering::Relaxed);
        Arc::new(c)
    }

    /// Move the wall clock.
    pub fn set_wall(&self, slot: Slot) {
        self.wall.store(slot.0, Ordering::Relaxed);
    }

    fn record(&self, direction: SyncDirection, slot: Slot) {
        match direction {
            SyncDirection::Forward => self.head.fetch_max(slot.0, Ordering::Relaxed),
            SyncDirection::Backward => self.backfill.fetch_min(slot.0, Ordering::Relaxed),
        };
    }
}

impl SyncChain for SimChain {
    fn head_slot(&self) -> Slot {
        Slot(self.head.load(Ordering::Relaxed))
    }
    fn wall_slot(&self) -> Slot {
        Slot(self.wall.load(Ordering::Relaxed))
    }
    fn finalized_slot(&self) -> Slot {
        Slot(self.finalized.load(Ordering::Relaxed))
    }
    fn backfill_slot(&self) -> Slot {
        Slot(self.backfill.load(Ordering::Relaxed))
    }
    fn frontfill_slot(&self) -> Slot {
        Slot(self.frontfill.load(Ordering::Relaxed))
    }
}

/// A [`ChainVerifier`] that moves a [`SimChain`]'s head (forward) or backfill slot
/// (backward) as it imports blocks. Clones share state.
#[derive(Clone, Debug)]
pub struct SimVerifier {
    inner: ChainVerifier,
    chain: Arc<SimChain>,
    direction: SyncDirection,
}

impl SimVerifier {
    /// Wrap `inner`, which must verify in `direction`.
    pub fn new(inner: ChainVerifier, chain: Arc<SimChain>, direction: SyncDirection) -> Self {
        SimVerifier {
            inner,
            chain,
            direction,
        }
    }

    /// The wrapped verifier (imported slots, scripts, faults).
    pub fn inner(&self) -> &ChainVerifier {
        &self.inner
    }
}

impl BlockVerifier for SimVerifier {
    type Block = TestBlock;
    type Sidecar = TestSidecar;
    type Column = TestColumn;

    async fn verify_columns(
        &self,
        blocks: Vec<TestBlock>,
        columns: Vec<Vec<TestColumn>>,
    ) -> Result<Vec<Vec<TestColumn>>, ColumnRejection> {
        self.inner.verify_columns(blocks, columns).await
    }

    async fn verify_segment(
        &self,
        segment: Vec<BlockData<TestBlock, TestSidecar, TestColumn>>,
        maybe_finalized: bool,
    ) -> Result<Vec<BlockOutcome>, VerifierFault> {
        let slots: Vec<Slot> = segment.iter().map(|b| b.block.slot).collect();
        let outcomes = self.inner.verify_segment(segment, maybe_finalized).await?;
        for (slot, outcome) in slots.iter().zip(&outcomes) {
            if *outcome == BlockOutcome::Ok {
                self.chain.record(self.direction, *slot);
            }
        }
        Ok(outcomes)
    }
}
