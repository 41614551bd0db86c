//! The ways a peer's response can be wrong.

use crate::{
    range::SyncRange,
    score,
    slot::{Root, Slot},
};

/// One variant per way a blocks-by-range or blob-sidecars-by-range response can be wrong.
/// Every variant is the peer's fault.
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
}

impl ResponseError {
    /// The score change the peer gets for this response (spec A.2): a range or order
    /// violation is a bad response; sidecars missing for blocks the peer itself sent are
    /// a proven fault ([`PEER_SCORE_PROVEN_FAULT`](score::PEER_SCORE_PROVEN_FAULT); Nimbus
    /// charged -100, less than a withholder earned from its truthful answers).
    pub const fn penalty(&self) -> i64 {
        match self {
            ResponseError::SidecarCountMismatch { expected, got, .. } if *got < *expected => {
                score::PEER_SCORE_PROVEN_FAULT
            }
            _ => score::PEER_SCORE_BAD_RESPONSE,
        }
    }
}
