//! What the sync needs to see of a block and of a blob sidecar (for data columns, see
//! [`ColumnView`](crate::ColumnView)).
//!
//! The real containers live in the `consensus` crate; the queue and the checks here only
//! read these few fields, so any client's types can be plugged in.

use crate::slot::{Root, Slot};

/// The fields of a signed beacon block that range sync reads.
pub trait BlockView {
    /// The block's slot.
    fn slot(&self) -> Slot;
    /// `hash_tree_root` of the block message.
    fn root(&self) -> Root;
    /// The root of the parent block.
    fn parent_root(&self) -> Root;
    /// The number of KZG commitments in the body (0 before Deneb): how many blob sidecars
    /// belong to this block.
    fn blob_commitment_count(&self) -> u64;
}

/// The fields of a blob sidecar that range sync reads.
pub trait SidecarView {
    /// The slot of the block the sidecar belongs to (from its signed block header).
    fn slot(&self) -> Slot;
    /// The blob's index within its block.
    fn index(&self) -> u64;
    /// The root of the block the sidecar belongs to (the root of its signed block header).
    fn block_root(&self) -> Root;
}

/// The sidecar and column type of a chain without blob data (before Deneb, or a client
/// that syncs blocks only): no value of it exists, so a [`SyncPeer`](crate::SyncPeer) or
/// [`BlockVerifier`](crate::BlockVerifier) that names it as its `Sidecar` and `Column`
/// types needs no view implementations of its own. A sync whose
/// [`ChainSpec`](crate::ChainSpec) schedules no blobs never asks for either.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NoBlobs {}

impl SidecarView for NoBlobs {
    fn slot(&self) -> Slot {
        match *self {}
    }
    fn index(&self) -> u64 {
        match *self {}
    }
    fn block_root(&self) -> Root {
        match *self {}
    }
}

impl crate::ColumnView for NoBlobs {
    fn slot(&self) -> Slot {
        match *self {}
    }
    fn index(&self) -> u64 {
        match *self {}
    }
    fn block_root(&self) -> Root {
        match *self {}
    }
    fn cell_count(&self) -> u64 {
        match *self {}
    }
}

/// A block together with its blob data: blob sidecars (Deneb, Electra) or the data
/// columns the node samples (Fulu on), each in index order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockData<B, S, C> {
    /// The block.
    pub block: B,
    /// `None` when sidecars were not requested (the block is outside the blob window, or
    /// from Fulu on); `Some` with exactly `blob_commitment_count` sidecars otherwise.
    pub sidecars: Option<Vec<S>>,
    /// `None` when columns were not requested (before Fulu, or outside the column
    /// window); `Some` with every sampled column for a block with blob commitments, and
    /// an empty list for one without.
    pub columns: Option<Vec<C>>,
}

impl<B, S, C> BlockData<B, S, C> {
    /// A block without blob data (before Deneb, or outside the data windows).
    pub const fn block_only(block: B) -> Self {
        BlockData {
            block,
            sidecars: None,
            columns: None,
        }
    }

    /// A block with its blob sidecars.
    pub const fn with_sidecars(block: B, sidecars: Vec<S>) -> Self {
        BlockData {
            block,
            sidecars: Some(sidecars),
            columns: None,
        }
    }

    /// A block with its sampled data columns.
    pub const fn with_columns(block: B, columns: Vec<C>) -> Self {
        BlockData {
            block,
            sidecars: None,
            columns: Some(columns),
        }
    }
}
