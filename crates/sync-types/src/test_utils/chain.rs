//! A deterministic test chain.

use crate::{
    column::{ColumnSet, ColumnView},
    range::SyncRange,
    slot::{Root, Slot},
    view::{BlockView, SidecarView},
};

/// A block of a [`TestChain`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TestBlock {
    /// Its slot.
    pub slot: Slot,
    /// Its root.
    pub root: Root,
    /// Its parent's root.
    pub parent_root: Root,
    /// How many blobs it commits to.
    pub blobs: u64,
}

/// A blob sidecar of a [`TestBlock`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TestSidecar {
    /// Its block's slot.
    pub slot: Slot,
    /// Its index.
    pub index: u64,
    /// Its block's root.
    pub block_root: Root,
}

/// A data column sidecar of a [`TestBlock`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TestColumn {
    /// Its block's slot.
    pub slot: Slot,
    /// Its column index.
    pub index: u64,
    /// Its block's root.
    pub block_root: Root,
    /// Its cell count (its block's blob count).
    pub cells: u64,
    /// Whether its cell proofs are valid: a [`ChainVerifier`](super::ChainVerifier)
    /// rejects a column whose proofs are not.
    pub proofs_valid: bool,
}

impl ColumnView for TestColumn {
    fn slot(&self) -> Slot {
        self.slot
    }
    fn index(&self) -> u64 {
        self.index
    }
    fn block_root(&self) -> Root {
        self.block_root
    }
    fn cell_count(&self) -> u64 {
        self.cells
    }
}

impl BlockView for TestBlock {
    fn slot(&self) -> Slot {
        self.slot
    }
    fn root(&self) -> Root {
        self.root
    }
    fn parent_root(&self) -> Root {
        self.parent_root
    }
    fn blob_commitment_count(&self) -> u64 {
        self.blobs
    }
}

impl SidecarView for TestSidecar {
    fn slot(&self) -> Slot {
        self.slot
    }
    fn index(&self) -> u64 {
        self.index
    }
    fn block_root(&self) -> Root {
        self.block_root
    }
}

impl TestBlock {
    /// The block's sidecars, indices `0..blobs`.
    pub fn sidecars(&self) -> Vec<TestSidecar> {
        (0..self.blobs)
            .map(|index| TestSidecar {
                slot: self.slot,
                index,
                block_root: self.root,
            })
            .collect()
    }
}

impl TestBlock {
    /// The block's valid columns of `set`, by index; none for a block without blobs.
    pub fn columns(&self, set: ColumnSet) -> Vec<TestColumn> {
        if self.blobs == 0 {
            return Vec::new();
        }
        set.iter()
            .map(|index| TestColumn {
                slot: self.slot,
                index,
                block_root: self.root,
                cells: self.blobs,
                proofs_valid: true,
            })
            .collect()
    }
}

/// A root that encodes a slot and a fork tag, so different forks never collide.
pub fn test_root(slot: Slot, fork: u64) -> Root {
    let mut r = [0u8; 32];
    r[..8].copy_from_slice(&slot.0.to_le_bytes());
    r[8..16].copy_from_slice(&fork.to_le_bytes());
    r[31] = 1; // never the zero root
    Root(r)
}

/// The byte of a root that [`invalid_root`] marks; every [`test_root`] leaves it 0.
const INVALID_MARK_BYTE: usize = 30;
/// The value [`invalid_root`] writes into [`INVALID_MARK_BYTE`].
const INVALID_MARK: u8 = 0xBA;

/// `root` marked as the root of a block that fails verification: byte 30 set to `0xBA`.
///
/// A [`ChainVerifier`](super::ChainVerifier) answers
/// [`BlockOutcome::Invalid`](crate::BlockOutcome::Invalid) for a block with such a root,
/// whatever its parent; [`Behaviour::InvalidBlocks`](super::Behaviour::InvalidBlocks)
/// sends one. No [`test_root`] is invalid, and the mark differs from `root` unless `root`
/// is already marked.
pub fn invalid_root(root: Root) -> Root {
    let mut r = root.0;
    r[INVALID_MARK_BYTE] = INVALID_MARK;
    Root(r)
}

/// Whether `root` was marked by [`invalid_root`].
pub fn is_invalid_root(root: &Root) -> bool {
    root.0[INVALID_MARK_BYTE] == INVALID_MARK
}

/// A chain from a genesis block at slot 0 up to a last slot, with some slots skipped.
/// Blocks are kept only for non-skipped slots, so memory is proportional to blocks.
#[derive(Clone, Debug)]
pub struct TestChain {
    blocks: Vec<TestBlock>,
}

impl TestChain {
    /// Slots `0 ..= last`; `skipped(slot)` says which have no block (slot 0 always has
    /// one); `blobs(slot)` how many blobs each block commits to.
    pub fn build(last: Slot, skipped: impl Fn(Slot) -> bool, blobs: impl Fn(Slot) -> u64) -> Self {
        Self::build_fork(last, 0, skipped, blobs)
    }

    /// As [`TestChain::build`], with another fork tag: same slots, different roots.
    pub fn build_fork(
        last: Slot,
        fork: u64,
        skipped: impl Fn(Slot) -> bool,
        blobs: impl Fn(Slot) -> u64,
    ) -> Self {
        let mut blocks = Vec::new();
        let mut parent = Root::ZERO;
        let mut slot = Slot(0);
        loop {
            if slot == Slot(0) || !skipped(slot) {
                let root = test_root(slot, fork);
                blocks.push(TestBlock {
                    slot,
                    root,
                    parent_root: parent,
                    blobs: blobs(slot),
                });
                parent = root;
            }
            if slot >= last {
                break;
            }
            slot = slot.saturating_add(1);
        }
        TestChain { blocks }
    }

    /// A chain where every slot has a block and no blobs.
    pub fn full(last: Slot) -> Self {
        Self::build(last, |_| false, |_| 0)
    }

    /// A chain with a pseudo-random `skip_percent` of skipped slots and up to `max_blobs`
    /// blobs per block, from `seed`.
    pub fn pseudo_random(last: Slot, seed: u64, skip_percent: u64, max_blobs: u64) -> Self {
        let mix = move |slot: Slot, salt: u64| {
            let mut x = slot.0 ^ seed.rotate_left(17) ^ salt;
            x = x.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            x ^= x >> 31;
            x.wrapping_mul(0xBF58_476D_1CE4_E5B9) ^ (x >> 29)
        };
        Self::build(
            last,
            |s| mix(s, 1) % 100 < skip_percent,
            |s| mix(s, 2) % (max_blobs + 1),
        )
    }

    /// All blocks, by increasing slot.
    pub fn blocks(&self) -> &[TestBlock] {
        &self.blocks
    }

    /// The block at `slot`, if the slot is not skipped.
    pub fn block_at(&self, slot: Slot) -> Option<&TestBlock> {
        self.blocks
            .binary_search_by_key(&slot, |b| b.slot)
            .ok()
            .map(|i| &self.blocks[i])
    }

    /// The blocks inside `range`, by increasing slot.
    pub fn blocks_in(&self, range: SyncRange) -> Vec<TestBlock> {
        let from = self.blocks.partition_point(|b| b.slot < range.start());
        self.blocks[from..]
            .iter()
            .take_while(|b| b.slot <= range.last())
            .copied()
            .collect()
    }

    /// The sidecars of the blocks inside `range`, by slot then index.
    pub fn sidecars_in(&self, range: SyncRange) -> Vec<TestSidecar> {
        self.blocks_in(range)
            .iter()
            .flat_map(TestBlock::sidecars)
            .collect()
    }
}
