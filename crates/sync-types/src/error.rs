//! The ways a peer's response can be wrong.

use crate::{
    column::ColumnSet,
    range::SyncRange,
    score,
    slot::{Root, Slot},
};

/// One variant per way a blocks-by-range, blob-sidecars-by-range or
/// data-column-sidecars-by-range response can be wrong. Every variant is the fault of the
/// peer that sent the response.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    /// More blocks than slots requested.
    #[error("{got} blocks for a {range} request of {max} slots")]
    TooManyBlocks {
        /// The range requested.
        range: SyncRange,
        /// Blocks received.
        got: usize,
        /// The most the range allows.
        max: u64,
    },
    /// A block outside the requested range.
    #[error("block at slot {slot} outside the requested range {range}")]
    BlockOutsideRange {
        /// The range requested.
        range: SyncRange,
        /// The offending block's slot.
        slot: Slot,
    },
    /// Block slots not strictly increasing (a duplicate or a reordering).
    #[error("block at slot {slot} follows slot {previous}: slots must strictly increase")]
    BlocksNotIncreasing {
        /// The slot of the block before.
        previous: Slot,
        /// The offending block's slot.
        slot: Slot,
    },
    /// More sidecars than the range can hold.
    #[error("{got} blob sidecars for {range}, at most {max} allowed")]
    TooManySidecars {
        /// The range requested.
        range: SyncRange,
        /// Sidecars received.
        got: usize,
        /// The most the range allows.
        max: u64,
    },
    /// A sidecar outside the requested range.
    #[error("blob sidecar at slot {slot} outside the requested range {range}")]
    SidecarOutsideRange {
        /// The range requested.
        range: SyncRange,
        /// The sidecar's slot.
        slot: Slot,
    },
    /// Sidecar slots going down.
    #[error("blob sidecar at slot {slot} follows one at slot {previous}")]
    SidecarsOutOfOrder {
        /// The slot of the sidecar before.
        previous: Slot,
        /// The offending sidecar's slot.
        slot: Slot,
    },
    /// A sidecar for a slot where the block response has no block.
    #[error("blob sidecar at slot {slot} has no block in the response")]
    SidecarWithoutBlock {
        /// The sidecar's slot.
        slot: Slot,
    },
    /// A sidecar whose block header is not the block's.
    #[error("blob sidecar {index} at slot {slot} names block {got}, the block is {expected}")]
    SidecarBlockRootMismatch {
        /// The sidecar's slot.
        slot: Slot,
        /// The sidecar's index.
        index: u64,
        /// The block root the sidecar names.
        got: Root,
        /// The root of the block at that slot.
        expected: Root,
    },
    /// A sidecar index at or above the fork's `MAX_BLOBS_PER_BLOCK`.
    #[error("blob sidecar index {index} at slot {slot} is not below the limit {max}")]
    SidecarIndexTooHigh {
        /// The sidecar's slot.
        slot: Slot,
        /// The sidecar's index.
        index: u64,
        /// `MAX_BLOBS_PER_BLOCK` at that slot.
        max: u64,
    },
    /// Sidecar indices of one block not exactly `0, 1, 2, ...` (a gap, a duplicate or a
    /// reordering).
    #[error("blob sidecar at slot {slot} has index {got}, expected {expected}")]
    SidecarIndexOutOfSequence {
        /// The sidecar's slot.
        slot: Slot,
        /// The index that was due.
        expected: u64,
        /// The index received.
        got: u64,
    },
    /// A block whose number of sidecars differs from its number of commitments.
    #[error("block at slot {slot} has {expected} blob commitments but {got} sidecars")]
    SidecarCountMismatch {
        /// The block's slot.
        slot: Slot,
        /// The block's commitment count.
        expected: u64,
        /// Sidecars received for it.
        got: u64,
    },
    /// More columns than the range and the requested columns allow.
    #[error("{got} data columns for {range}, at most {max} allowed")]
    TooManyColumns {
        /// The range requested.
        range: SyncRange,
        /// Columns received.
        got: usize,
        /// The most the range allows.
        max: u64,
    },
    /// A column outside the requested range.
    #[error("data column at slot {slot} outside the requested range {range}")]
    ColumnOutsideRange {
        /// The range requested.
        range: SyncRange,
        /// The column's slot.
        slot: Slot,
    },
    /// Columns not in strictly increasing `(slot, index)` order.
    #[error("data column {got:?} (slot, index) follows {previous:?}")]
    ColumnsOutOfOrder {
        /// The `(slot, index)` of the column before.
        previous: (Slot, u64),
        /// The offending column's `(slot, index)`.
        got: (Slot, u64),
    },
    /// A column index that was not requested.
    #[error("data column {index} at slot {slot} was not requested")]
    ColumnNotRequested {
        /// The column's slot.
        slot: Slot,
        /// The column's index.
        index: u64,
    },
    /// A column whose block header is not the block's.
    #[error("data column {index} at slot {slot} names block {got}, the block is {expected}")]
    ColumnBlockRootMismatch {
        /// The column's slot.
        slot: Slot,
        /// The column's index.
        index: u64,
        /// The block root the column names.
        got: Root,
        /// The root of the block at that slot.
        expected: Root,
    },
    /// A column whose cell count differs from its block's commitment count (a column for
    /// a block without blobs has the expected count 0).
    #[error("data column {index} at slot {slot} has {got} cells, its block {expected} commitments")]
    ColumnCellCountMismatch {
        /// The column's slot.
        slot: Slot,
        /// The column's index.
        index: u64,
        /// Cells in the column.
        got: u64,
        /// The block's commitment count.
        expected: u64,
    },
    /// Requested columns of a block with blobs were not sent.
    #[error("data columns {missing} of the block at slot {slot} were not sent")]
    ColumnsMissing {
        /// The block's slot.
        slot: Slot,
        /// The requested columns that did not come.
        missing: ColumnSet,
    },
}

impl ResponseError {
    /// The score change the peer gets for this response (spec A.2): a range or order
    /// violation is a bad response; columns missing or naming another block cost
    /// [`PEER_SCORE_MISSING_COLUMNS`](score::PEER_SCORE_MISSING_COLUMNS); sidecars missing
    /// for blocks the peer itself sent are a proven fault ([`PEER_SCORE_PROVEN_FAULT`](score::PEER_SCORE_PROVEN_FAULT); Nimbus
    /// charged -100, less than a withholder earned from its truthful answers).
    pub const fn penalty(&self) -> i64 {
        match self {
            ResponseError::SidecarCountMismatch { expected, got, .. } if *got < *expected => {
                score::PEER_SCORE_PROVEN_FAULT
            }
            // A peer on another branch near the head can answer so honestly.
            ResponseError::ColumnsMissing { .. }
            | ResponseError::ColumnBlockRootMismatch { .. } => score::PEER_SCORE_MISSING_COLUMNS,
            _ => score::PEER_SCORE_BAD_RESPONSE,
        }
    }
}
