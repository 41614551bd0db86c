//! Helpers shared by the response-check tests.
#![allow(dead_code, unreachable_pub, missing_docs)]

#[allow(unused_imports)]
pub use sync_types::test_utils::{TestColumn, TestData, TestResponse};

use sync_types::{
    ChainSpec, Epoch, ResponseError, Root, Slot, SyncRange, group_sidecars,
    test_utils::{TestBlock, TestSidecar, test_root},
};

// ----------------------------------------------------------------------------------------
// Helpers
// ----------------------------------------------------------------------------------------

/// The range of `count` slots from `start`.
#[track_caller]
pub fn range(start: u64, count: u64) -> SyncRange {
    SyncRange::new(Slot(start), count).expect("test ranges are non-empty")
}

/// Slots from plain numbers.
pub fn slots(numbers: &[u64]) -> Vec<Slot> {
    numbers.iter().copied().map(Slot).collect()
}

/// The minimal preset (8 slots per epoch) with Deneb, and its limit of 6 blobs, from
/// genesis and Electra, with 9, from epoch 2: slot 15 allows 6 blobs, slot 16 allows 9.
pub fn deneb_spec() -> ChainSpec {
    ChainSpec::minimal().with_deneb_at(Epoch(0), Epoch(2))
}

/// A block at `slot` that commits to `blobs` blobs.
pub fn block(slot: u64, blobs: u64) -> TestBlock {
    TestBlock {
        slot: Slot(slot),
        root: test_root(Slot(slot), 0),
        parent_root: Root::ZERO,
        blobs,
    }
}

/// The sidecar of `block` at `index`, naming the block's root.
pub fn sidecar(block: &TestBlock, index: u64) -> TestSidecar {
    TestSidecar {
        slot: block.slot,
        index,
        block_root: block.root,
    }
}

/// Every sidecar of `blocks`, in the order an honest peer sends them.
pub fn all_sidecars(blocks: &[TestBlock]) -> Vec<TestSidecar> {
    blocks.iter().flat_map(TestBlock::sidecars).collect()
}

/// Group `sidecars` and expect the response to be rejected.
#[track_caller]
pub fn expect_rejected(
    range: SyncRange,
    blocks: &[TestBlock],
    sidecars: Vec<TestSidecar>,
    spec: &ChainSpec,
) -> ResponseError {
    group_sidecars(range, blocks, sidecars, spec).expect_err("the response must be rejected")
}

/// Group `sidecars` and expect the response to be accepted.
#[track_caller]
pub fn expect_grouped(
    range: SyncRange,
    blocks: &[TestBlock],
    sidecars: Vec<TestSidecar>,
    spec: &ChainSpec,
) -> Vec<Vec<TestSidecar>> {
    group_sidecars(range, blocks, sidecars, spec).expect("the response must be accepted")
}
