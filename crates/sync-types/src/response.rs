//! Checks on a peer's response, as pure functions, and the checked response type the
//! queue accepts.
//!
//! [`check_response`] is Nimbus's `checkResponse` (spec A.4). [`group_sidecars`] pairs blob
//! sidecars with their blocks **per block** (fixing D.3, D.5, D.7 and D.28 of the seed):
//! each block gets exactly its `0..n` sidecars, paired by slot and block root, never by a
//! running counter. [`ValidatedResponse`] can only be built through these checks, so the
//! queue never sees unchecked data.

use crate::{
    column::{ColumnSet, ColumnView, group_columns},
    error::ResponseError,
    range::SyncRange,
    slot::Slot,
    spec::ChainSpec,
    view::{BlockData, BlockView, SidecarView},
};

/// Check block slots against the request: at most `range.count()` of them, strictly
/// increasing, all inside the range. An empty list is fine.
pub fn check_response(range: SyncRange, slots: &[Slot]) -> Result<(), ResponseError> {
    if u64::try_from(slots.len()).map_or(true, |n| n > range.count()) {
        return Err(ResponseError::TooManyBlocks {
            range,
            got: slots.len(),
            max: range.count(),
        });
    }
    let mut previous: Option<Slot> = None;
    for &slot in slots {
        if !range.contains(slot) {
            return Err(ResponseError::BlockOutsideRange { range, slot });
        }
        if let Some(previous) = previous.filter(|p| *p >= slot) {
            return Err(ResponseError::BlocksNotIncreasing { previous, slot });
        }
        previous = Some(slot);
    }
    Ok(())
}

/// Pair blob sidecars (in the order a peer sent them) with `blocks` (already checked by
/// [`check_response`]): one group per block, in block order.
///
/// Each block must get exactly `blob_commitment_count` sidecars with indices `0..n` in
/// order, naming its root; a sidecar may not be outside the range, for a slot without a
/// block, or at an index at or above the fork's `MAX_BLOBS_PER_BLOCK`. An empty sidecar
/// list is valid when no block has commitments (the seed crashed on it, D.3).
///
/// A block left with too few sidecars is reported only if the rest of the response has no
/// other fault: a sidecar out of order, out of range or without a block is named first.
pub fn group_sidecars<B: BlockView, S: SidecarView>(
    range: SyncRange,
    blocks: &[B],
    sidecars: Vec<S>,
    spec: &ChainSpec,
) -> Result<Vec<Vec<S>>, ResponseError> {
    let limit = spec.max_blobs_per_block_at(spec.epoch_of(range.last()));
    let max_total = range.count().saturating_mul(limit);
    if u64::try_from(sidecars.len()).map_or(true, |n| n > max_total) {
        return Err(ResponseError::TooManySidecars {
            range,
            got: sidecars.len(),
            max: max_total,
        });
    }
    let mut groups: Vec<Vec<S>> = blocks.iter().map(|_| Vec::new()).collect();
    let mut at = 0usize; // the block the next sidecar may belong to
    let mut previous: Option<Slot> = None;
    let mut first_short: Option<ResponseError> = None; // reported after worse faults
    for sidecar in sidecars {
        let slot = sidecar.slot();
        if !range.contains(slot) {
            return Err(ResponseError::SidecarOutsideRange { range, slot });
        }
        if let Some(previous) = previous.filter(|p| *p > slot) {
            return Err(ResponseError::SidecarsOutOfOrder { previous, slot });
        }
        previous = Some(slot);
        while blocks.get(at).is_some_and(|b| b.slot() < slot) {
            if let Err(short) = check_group_complete(&blocks[at], &groups[at]) {
                first_short.get_or_insert(short);
            }
            at += 1;
        }
        let Some(block) = blocks.get(at).filter(|b| b.slot() == slot) else {
            return Err(ResponseError::SidecarWithoutBlock { slot });
        };
        let index = sidecar.index();
        let max = spec.max_blobs_per_block_at(spec.epoch_of(slot));
        if index >= max {
            return Err(ResponseError::SidecarIndexTooHigh { slot, index, max });
        }
        if sidecar.block_root() != block.root() {
            return Err(ResponseError::SidecarBlockRootMismatch {
                slot,
                index,
                got: sidecar.block_root(),
                expected: block.root(),
            });
        }
        let group = &mut groups[at];
        let expected = group.len() as u64;
        if index != expected {
            return Err(ResponseError::SidecarIndexOutOfSequence {
                slot,
                expected,
                got: index,
            });
        }
        if expected >= block.blob_commitment_count() {
            return Err(ResponseError::SidecarCountMismatch {
                slot,
                expected: block.blob_commitment_count(),
                got: expected + 1,
            });
        }
        group.push(sidecar);
    }
    if let Some(short) = first_short {
        return Err(short);
    }
    for (block, group) in blocks.iter().zip(&groups).skip(at) {
        check_group_complete(block, group)?;
    }
    Ok(groups)
}

fn check_group_complete<B: BlockView, S>(block: &B, group: &[S]) -> Result<(), ResponseError> {
    let got = group.len() as u64;
    if got == block.blob_commitment_count() {
        Ok(())
    } else {
        Err(ResponseError::SidecarCountMismatch {
            slot: block.slot(),
            expected: block.blob_commitment_count(),
            got,
        })
    }
}

/// One character per slot of `range`: `x` where a block is, `.` where none is.
///
/// Always exactly `range.count()` characters, whatever `slots` holds (fixes D.20).
/// Example: range 10:6 with blocks at 11, 12 and 14 gives `.xx.x.`.
pub fn short_map(range: SyncRange, slots: &[Slot]) -> String {
    let mut sorted: Vec<Slot> = slots
        .iter()
        .copied()
        .filter(|s| range.contains(*s))
        .collect();
    sorted.sort_unstable();
    let mut it = sorted.into_iter().peekable();
    let mut out = String::new();
    let mut slot = range.start();
    loop {
        let mut here = false;
        while it.next_if(|s| *s <= slot).is_some() {
            here = true;
        }
        out.push(if here { 'x' } else { '.' });
        if slot >= range.last() {
            break;
        }
        slot = slot.saturating_add(1);
    }
    out
}

/// The blob counterpart of [`short_map`]: per slot, the number of sidecars (`1`-`9`, `+`
/// for more) or `.`. Never panics on short, empty or unsorted input (fixes D.4).
pub fn sidecar_short_map(range: SyncRange, sidecar_slots: &[Slot]) -> String {
    let mut counts = std::collections::BTreeMap::<Slot, u64>::new();
    for s in sidecar_slots.iter().filter(|s| range.contains(**s)) {
        *counts.entry(*s).or_default() += 1;
    }
    let mut out = String::new();
    let mut slot = range.start();
    loop {
        out.push(match counts.get(&slot).copied().unwrap_or(0) {
            0 => '.',
            n @ 1..=9 => char::from_digit(u32::try_from(n).unwrap_or(9), 10).unwrap_or('+'),
            _ => '+',
        });
        if slot >= range.last() {
            break;
        }
        slot = slot.saturating_add(1);
    }
    out
}

/// A response that passed [`check_response`] (and [`group_sidecars`] or
/// [`group_columns`] when sidecars or columns were requested). The queue only accepts
/// this type.
#[derive(Clone, Debug)]
pub struct ValidatedResponse<B, S, C> {
    range: SyncRange,
    blocks: Vec<BlockData<B, S, C>>,
}

impl<B: BlockView, S: SidecarView, C> ValidatedResponse<B, S, C> {
    /// Check a blocks-only response (the range is outside the blob window).
    pub fn blocks_only(range: SyncRange, blocks: Vec<B>) -> Result<Self, ResponseError> {
        check_blocks(range, &blocks)?;
        let blocks = blocks.into_iter().map(BlockData::block_only).collect();
        Ok(ValidatedResponse { range, blocks })
    }

    /// Check a response of blocks and their blob sidecars.
    pub fn with_sidecars(
        range: SyncRange,
        blocks: Vec<B>,
        sidecars: Vec<S>,
        spec: &ChainSpec,
    ) -> Result<Self, ResponseError> {
        Self::with_sidecars_in(range, blocks, range, sidecars, spec)
    }
}

impl<B: BlockView, S: SidecarView, C> ValidatedResponse<B, S, C> {
    /// Check a response whose sidecars were asked for `sidecar_range` only: the part of
    /// `range` inside the blob retention window. Blocks outside it carry no sidecars (they
    /// are not checked for blobs); blocks inside it must have all of theirs.
    ///
    /// Nimbus's first Deneb code asked for the sidecars of a whole range that straddled
    /// the retention boundary, so a peer that had pruned the older part was charged for
    /// an honest answer; its later code splits such ranges by epoch.
    ///
    /// # Errors
    ///
    /// As [`with_sidecars`](Self::with_sidecars); a sidecar outside `sidecar_range` is
    /// [`ResponseError::SidecarOutsideRange`]. A `sidecar_range` that is not inside
    /// `range` is clipped to it.
    pub fn with_sidecars_in(
        range: SyncRange,
        blocks: Vec<B>,
        sidecar_range: SyncRange,
        sidecars: Vec<S>,
        spec: &ChainSpec,
    ) -> Result<Self, ResponseError> {
        check_blocks(range, &blocks)?;
        let lo = sidecar_range.start().max(range.start());
        let hi = sidecar_range.last().min(range.last());
        let Some(inner) = SyncRange::from_bounds(lo, hi) else {
            return match sidecars.first() {
                Some(s) => Err(ResponseError::SidecarOutsideRange {
                    range: sidecar_range,
                    slot: s.slot(),
                }),
                None => Self::blocks_only(range, blocks),
            };
        };
        let first_inside = blocks.partition_point(|b| b.slot() < inner.start());
        let end_inside = blocks.partition_point(|b| b.slot() <= inner.last());
        let groups = group_sidecars(inner, &blocks[first_inside..end_inside], sidecars, spec)?;
        let mut groups = groups.into_iter();
        let blocks = blocks
            .into_iter()
            .enumerate()
            .map(|(i, block)| BlockData {
                block,
                sidecars: (first_inside..end_inside)
                    .contains(&i)
                    .then(|| groups.next().unwrap_or_default()),
                columns: None,
            })
            .collect();
        Ok(ValidatedResponse { range, blocks })
    }
}

impl<B: BlockView, S, C: ColumnView> ValidatedResponse<B, S, C> {
    /// Check blocks together with the data columns gathered for `column_range` (the part
    /// of `range` inside the column window), perhaps from several peers: `columns` in
    /// `(slot, index)` order, every block of `column_range` with blob commitments having
    /// exactly the `sampled` columns, one without having none, as [`group_columns`]
    /// checks. Blocks outside `column_range` carry no columns.
    ///
    /// # Errors
    ///
    /// As [`check_response`] for the blocks, as [`group_columns`] for the columns.
    pub fn with_columns_in(
        range: SyncRange,
        blocks: Vec<B>,
        column_range: SyncRange,
        sampled: ColumnSet,
        columns: Vec<C>,
    ) -> Result<Self, ResponseError> {
        check_blocks(range, &blocks)?;
        let blocks = blocks.into_iter().map(BlockData::block_only).collect();
        ValidatedResponse { range, blocks }.add_columns(column_range, sampled, columns)
    }

    /// Add the data columns gathered for `column_range` to the blocks inside it, as
    /// [`with_columns_in`](Self::with_columns_in) checks them. For a range that straddles
    /// the Fulu fork: its older blocks got their blob sidecars from
    /// [`with_sidecars_in`](Self::with_sidecars_in), its newer ones get columns here.
    ///
    /// # Errors
    ///
    /// As [`group_columns`]; a block inside `column_range` that already has blob
    /// sidecars (the ranges overlap) is [`ResponseError::ColumnOutsideRange`].
    pub fn add_columns(
        mut self,
        column_range: SyncRange,
        sampled: ColumnSet,
        columns: Vec<C>,
    ) -> Result<Self, ResponseError> {
        let lo = column_range.start().max(self.range.start());
        let hi = column_range.last().min(self.range.last());
        let Some(inner) = SyncRange::from_bounds(lo, hi) else {
            return match columns.first() {
                Some(c) => Err(ResponseError::ColumnOutsideRange {
                    range: column_range,
                    slot: c.slot(),
                }),
                None => Ok(self),
            };
        };
        let first = self
            .blocks
            .partition_point(|b| b.block.slot() < inner.start());
        let end = self
            .blocks
            .partition_point(|b| b.block.slot() <= inner.last());
        let inside = &mut self.blocks[first..end];
        if let Some(with_sidecars) = inside.iter().find(|b| b.sidecars.is_some()) {
            return Err(ResponseError::ColumnOutsideRange {
                range: column_range,
                slot: with_sidecars.block.slot(),
            });
        }
        // `group_columns` reads the blocks only: look at them through a thin view.
        let views: Vec<SlotRoot> = inside.iter().map(|b| SlotRoot::of(&b.block)).collect();
        let groups = group_columns(inner, &views, columns, sampled)?;
        for (data, group) in inside.iter_mut().zip(groups) {
            data.columns = Some(group);
        }
        Ok(self)
    }
}

/// The block fields [`group_columns`] reads, copied out of a [`BlockData`].
struct SlotRoot {
    slot: Slot,
    root: crate::slot::Root,
    commitments: u64,
}

impl SlotRoot {
    fn of<B: BlockView>(block: &B) -> Self {
        SlotRoot {
            slot: block.slot(),
            root: block.root(),
            commitments: block.blob_commitment_count(),
        }
    }
}

impl BlockView for SlotRoot {
    fn slot(&self) -> Slot {
        self.slot
    }
    fn root(&self) -> crate::slot::Root {
        self.root
    }
    fn parent_root(&self) -> crate::slot::Root {
        crate::slot::Root::ZERO // not read by `group_columns`
    }
    fn blob_commitment_count(&self) -> u64 {
        self.commitments
    }
}

impl<B: BlockView, S, C> ValidatedResponse<B, S, C> {
    /// The range this response answers.
    pub fn range(&self) -> SyncRange {
        self.range
    }

    /// The blocks with their sidecars, in increasing slot order.
    pub fn blocks(&self) -> &[BlockData<B, S, C>] {
        &self.blocks
    }

    /// Take the blocks out.
    pub fn into_blocks(self) -> Vec<BlockData<B, S, C>> {
        self.blocks
    }

    /// Whether the peer returned no block at all.
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    /// Whether the response ends before the range does: it is empty, or its last block is
    /// not at the range's last slot.
    pub fn has_end_gap(&self) -> bool {
        self.blocks
            .last()
            .is_none_or(|b| b.block.slot() != self.range.last())
    }

    /// The slot of the last block, or the range's start if there is none.
    pub fn last_non_empty_slot(&self) -> Slot {
        self.blocks
            .last()
            .map_or(self.range.start(), |b| b.block.slot())
    }

    /// The block slots, in order.
    pub fn slots(&self) -> Vec<Slot> {
        self.blocks.iter().map(|b| b.block.slot()).collect()
    }
}

fn check_blocks<B: BlockView>(range: SyncRange, blocks: &[B]) -> Result<(), ResponseError> {
    let slots: Vec<Slot> = blocks.iter().map(BlockView::slot).collect();
    check_response(range, &slots)
}
