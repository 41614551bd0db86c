//! How a [`MockPeer`] builds its answer to one request from a [`Behaviour`].
//!
//! An answer is a list of blocks plus what to do to their sidecars. A blocks request gets
//! the blocks; a sidecars request gets the sidecars of those same blocks, edited. So a
//! behaviour that garbles blocks (another fork, out of range, unordered, duplicated,
//! invalid) garbles the sidecars the same way: they still name the blocks sent. A behaviour
//! that garbles sidecars (withheld, corrupt, reordered) sends honest blocks.

use std::{sync::OnceLock, time::Duration};

use super::{
    chain::{TestBlock, TestChain, TestColumn, TestSidecar, invalid_root, test_root},
    mock_peer::{Behaviour, MockPeer},
};
use crate::{
    column::ColumnSet,
    peer::RequestError,
    range::SyncRange,
    slot::{Root, Slot},
};

/// The fork tag of the chain a [`Behaviour::Lie`] answers from. The honest chain of a
/// [`TestChain::build`] has tag 0; any other tag gives other roots at the same slots.
const LIE_FORK_TAG: u64 = 0x0bad_f0c4;

/// The fork tag of the made-up block a [`Behaviour::OutOfRange`] answer adds where the
/// chain has none.
const OUT_OF_RANGE_FORK_TAG: u64 = 0x0bad_0002;

/// The byte of a sidecar's block root that [`Behaviour::CorruptSidecars`] flips; not the
/// byte [`invalid_root`] marks, so a corrupt root never reads as an invalid block's.
const CORRUPT_ROOT_BYTE: usize = 29;

/// What to send back, decided when a request is first polled.
pub(super) enum Answer {
    /// This reply, now.
    Now(Reply),
    /// This reply, after the delay on tokio's clock.
    After(Duration, Reply),
    /// This error, now.
    Fail(RequestError),
    /// This error, after the delay on tokio's clock.
    FailAfter(Duration, RequestError),
    /// Nothing, ever.
    Never,
}

/// The blocks a request is answered with, and what happens to their sidecars.
pub(super) struct Reply {
    blocks: Vec<TestBlock>,
    sidecars: SidecarEdit,
}

/// What a sidecars reply does to the sidecars of the reply's blocks.
#[derive(Clone, Copy)]
enum SidecarEdit {
    /// All of them, by slot then index.
    Keep,
    /// None of them.
    Withhold,
    /// All of them, the first one naming another block root.
    CorruptFirst,
    /// All of them, in reverse order.
    Reverse,
    /// All of them; for data columns, the first one with a bad cell proof (blob sidecars
    /// are sent unchanged).
    BadProof,
}

impl Reply {
    fn new(blocks: Vec<TestBlock>) -> Self {
        Reply {
            blocks,
            sidecars: SidecarEdit::Keep,
        }
    }

    fn editing_sidecars(blocks: Vec<TestBlock>, sidecars: SidecarEdit) -> Self {
        Reply { blocks, sidecars }
    }

    /// The reply to a blocks request.
    pub(super) fn into_blocks(self) -> Vec<TestBlock> {
        self.blocks
    }

    /// The reply to a sidecars request.
    pub(super) fn into_sidecars(self) -> Vec<TestSidecar> {
        let mut sidecars: Vec<TestSidecar> =
            self.blocks.iter().flat_map(TestBlock::sidecars).collect();
        match self.sidecars {
            SidecarEdit::Keep => {}
            SidecarEdit::Withhold => sidecars.clear(),
            SidecarEdit::CorruptFirst => {
                if let Some(first) = sidecars.first_mut() {
                    first.block_root.0[CORRUPT_ROOT_BYTE] ^= 0xFF;
                }
            }
            SidecarEdit::Reverse => sidecars.reverse(),
            SidecarEdit::BadProof => {}
        }
        sidecars
    }

    /// The reply to a data columns request for `set`.
    pub(super) fn into_columns(self, set: ColumnSet) -> Vec<TestColumn> {
        let mut columns: Vec<TestColumn> =
            self.blocks.iter().flat_map(|b| b.columns(set)).collect();
        match self.sidecars {
            SidecarEdit::Keep => {}
            SidecarEdit::Withhold => columns.clear(),
            SidecarEdit::CorruptFirst => {
                if let Some(first) = columns.first_mut() {
                    first.block_root.0[CORRUPT_ROOT_BYTE] ^= 0xFF;
                }
            }
            SidecarEdit::Reverse => columns.reverse(),
            SidecarEdit::BadProof => {
                if let Some(first) = columns.first_mut() {
                    first.proofs_valid = false;
                }
            }
        }
        columns
    }
}

/// One request, as the answer to it needs to see it.
pub(super) struct Request<'a> {
    /// The range asked for.
    pub(super) range: SyncRange,
    /// The peer's current (true) head: no honest block above it is served.
    pub(super) head: Slot,
    /// The chain the peer serves.
    pub(super) chain: &'a TestChain,
    /// The chain [`Behaviour::Lie`] answers from, built on first use.
    pub(super) lie_fork: &'a OnceLock<TestChain>,
}

impl<'a> Request<'a> {
    /// The answer `behaviour` gives.
    pub(super) fn answer(&self, behaviour: Behaviour) -> Answer {
        match behaviour {
            Behaviour::Honest => Answer::Now(Reply::new(self.honest())),
            Behaviour::Partial { keep } => {
                let mut blocks = self.honest();
                blocks.truncate(keep);
                Answer::Now(Reply::new(blocks))
            }
            Behaviour::Empty => Answer::Now(Reply::new(Vec::new())),
            Behaviour::Lie => Answer::Now(Reply::new(
                self.served()
                    .map(|r| self.lie_fork().blocks_in(r))
                    .unwrap_or_default(),
            )),
            Behaviour::WithholdSidecars => self.edit_sidecars(SidecarEdit::Withhold),
            Behaviour::CorruptSidecars => self.edit_sidecars(SidecarEdit::CorruptFirst),
            Behaviour::ReorderSidecars => self.edit_sidecars(SidecarEdit::Reverse),
            Behaviour::BadColumnProof => self.edit_sidecars(SidecarEdit::BadProof),
            Behaviour::OutOfRange => Answer::Now(Reply::new(self.out_of_range(self.honest()))),
            Behaviour::Unordered => Answer::Now(Reply::new(self.unordered())),
            Behaviour::DuplicateSlots => Answer::Now(Reply::new(self.duplicate_slots())),
            Behaviour::InvalidBlocks => {
                let mut blocks = self.honest();
                if let Some(last) = blocks.last_mut() {
                    last.root = invalid_root(last.root);
                }
                Answer::Now(Reply::new(blocks))
            }
            Behaviour::Stall => Answer::Never,
            Behaviour::Delay(delay) => Answer::After(delay, Reply::new(self.honest())),
            Behaviour::Timeout => Answer::Fail(RequestError::Timeout),
            Behaviour::Disconnect => Answer::Fail(RequestError::Disconnected),
            Behaviour::DisconnectMidRequest(delay) => {
                Answer::FailAfter(delay, RequestError::Disconnected)
            }
            Behaviour::RateLimit => Answer::Fail(RequestError::RateLimited {
                retry_after: Some(MockPeer::RATE_LIMIT_RETRY_AFTER),
            }),
        }
    }

    /// The range clipped to the head; `None` when it lies wholly above the head.
    fn served(&self) -> Option<SyncRange> {
        SyncRange::from_bounds(self.range.start(), self.range.last().min(self.head))
    }

    /// The chain's blocks in the range, up to the head.
    fn honest(&self) -> Vec<TestBlock> {
        self.served()
            .map(|r| self.chain.blocks_in(r))
            .unwrap_or_default()
    }

    /// Honest blocks with edited sidecars.
    fn edit_sidecars(&self, edit: SidecarEdit) -> Answer {
        Answer::Now(Reply::editing_sidecars(self.honest(), edit))
    }

    /// The served chain's slots and blob counts under another fork tag.
    fn lie_fork(&self) -> &'a TestChain {
        let chain = self.chain;
        self.lie_fork.get_or_init(|| {
            let last = chain.blocks().last().map_or(Slot(0), |b| b.slot);
            TestChain::build_fork(
                last,
                LIE_FORK_TAG,
                |slot| chain.block_at(slot).is_none(),
                |slot| chain.block_at(slot).map_or(0, |b| b.blobs),
            )
        })
    }

    /// `blocks` plus one block just outside the range: after its last slot, or before its
    /// first when the range ends at [`Slot::MAX`]. The chain's block at that slot if it has
    /// one, else a made-up block without blobs.
    ///
    /// When `blocks` fill every slot of the range, the last one is dropped first, so that
    /// [`check_response`](crate::check_response) finds the block outside the range rather
    /// than too many blocks.
    fn out_of_range(&self, mut blocks: Vec<TestBlock>) -> Vec<TestBlock> {
        if blocks.len() as u64 >= self.range.count() {
            blocks.pop();
        }
        match self.range.last().checked_add(1) {
            Some(after) => {
                let parent = blocks.last().map_or(Root::ZERO, |b| b.root);
                blocks.push(self.block_or_made_up(after, parent));
            }
            None => {
                // A range ending at `Slot::MAX` holds fewer than 2^64 slots, so it starts
                // above slot 0.
                let before = self.range.start().saturating_sub(1);
                blocks.insert(0, self.block_or_made_up(before, Root::ZERO));
            }
        }
        blocks
    }

    fn block_or_made_up(&self, slot: Slot, parent_root: Root) -> TestBlock {
        self.chain
            .block_at(slot)
            .copied()
            .unwrap_or_else(|| TestBlock {
                slot,
                root: test_root(slot, OUT_OF_RANGE_FORK_TAG),
                parent_root,
                blobs: 0,
            })
    }

    /// Honest blocks with the first two swapped; out of range when there are fewer than two.
    fn unordered(&self) -> Vec<TestBlock> {
        let mut blocks = self.honest();
        if blocks.len() < 2 {
            return self.out_of_range(blocks);
        }
        blocks.swap(0, 1);
        blocks
    }

    /// Honest blocks with the first one sent twice (the last one dropped if the range would
    /// overflow); out of range when there is no block or the range has a single slot, which
    /// cannot hold a duplicate without holding too many blocks.
    fn duplicate_slots(&self) -> Vec<TestBlock> {
        let mut blocks = self.honest();
        let Some(&first) = blocks.first() else {
            return self.out_of_range(blocks);
        };
        if self.range.count() < 2 {
            return self.out_of_range(blocks);
        }
        if blocks.len() as u64 >= self.range.count() {
            blocks.pop();
        }
        blocks.insert(1, first);
        blocks
    }
}
