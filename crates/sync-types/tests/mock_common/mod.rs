//! Helpers shared by the mock-peer tests.
#![allow(dead_code, unreachable_pub, missing_docs)]

#[allow(unused_imports)]
pub use sync_types::test_utils::{TestColumn, TestData, TestResponse};

use std::sync::Arc;

use sync_types::{
    Slot, SyncPeer, SyncRange,
    test_utils::{MockPeer, TestBlock, TestChain, TestSidecar},
};

/// Slots 0..=63, every third slot skipped, blocks at even slots with two blobs.
pub fn chain() -> Arc<TestChain> {
    Arc::new(TestChain::build(
        Slot(63),
        |s| s.0 % 3 == 2,
        |s| if s.0 % 2 == 0 { 2 } else { 0 },
    ))
}

#[track_caller]
pub fn range(start: u64, count: u64) -> SyncRange {
    SyncRange::new(Slot(start), count).expect("non-empty range")
}

pub fn slots(blocks: &[TestBlock]) -> Vec<u64> {
    blocks.iter().map(|b| b.slot.0).collect()
}

pub fn sidecar_keys(sidecars: &[TestSidecar]) -> Vec<(u64, u64)> {
    sidecars.iter().map(|s| (s.slot.0, s.index)).collect()
}

pub async fn blocks(peer: &MockPeer, r: SyncRange) -> Vec<TestBlock> {
    peer.blocks_by_range(r).await.expect("blocks answered")
}

pub async fn sidecars(peer: &MockPeer, r: SyncRange) -> Vec<TestSidecar> {
    peer.blob_sidecars_by_range(r)
        .await
        .expect("sidecars answered")
}
