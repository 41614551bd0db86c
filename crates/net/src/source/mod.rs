//! Where the server gets what it serves: the [`ChainSource`] seam, and [`MemorySource`],
//! an in-memory chain of verified blocks, blob sidecars and data columns (the devnet's serving peers
//! use it; a store-backed source implements the same trait).
//!
//! Items come out as SSZ bytes ([`bytes::Bytes`], so an in-memory source hands out
//! shared buffers without copying), with the slot the server needs for the context bytes.
//! Every query takes a `limit`: a source never returns more items than that.

use bytes::Bytes;
use consensus::Fork;
use consensus::containers::{BlobIdentifier, Checkpoint, DataColumnsByRootIdentifier};
use consensus::primitives::Hash256;

mod memory;

pub use self::memory::MemorySource;

/// What our status says about the chain we serve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainInfo {
    /// The finalized checkpoint (epoch 0 and a zero root at genesis).
    pub finalized: Checkpoint,
    /// The head block's root.
    pub head_root: Hash256,
    /// The head block's slot.
    pub head_slot: u64,
    /// The earliest slot from which blocks (and, in the window, blobs) are served.
    pub earliest_available_slot: u64,
}

/// A block to serve: its SSZ, its fork (the SSZ layout) and its slot (the context bytes
/// are the fork digest of the slot's epoch).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockBytes {
    /// The block's slot.
    pub slot: u64,
    /// The block's fork.
    pub fork: Fork,
    /// The `SignedBeaconBlock` SSZ.
    pub ssz: Bytes,
}

/// A blob sidecar or data column sidecar to serve: its SSZ and the slot of its block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SidecarBytes {
    /// The slot of the sidecar's block.
    pub slot: u64,
    /// The `BlobSidecar` SSZ.
    pub ssz: Bytes,
}

/// A source failed to read its data (a database error, say). The server answers
/// `ServerError`.
#[derive(Debug, thiserror::Error)]
#[error("chain source failed: {source}")]
pub struct SourceError {
    /// What failed.
    #[source]
    pub source: Box<dyn std::error::Error + Send + Sync>,
}

/// The chain a node serves to its peers. Methods are synchronous and may block briefly
/// (the server calls them on tokio's blocking pool).
pub trait ChainSource: Send + Sync + 'static {
    /// Finalized checkpoint, head and earliest available slot, for our status.
    fn chain_info(&self) -> ChainInfo;

    /// The root of our canonical block at `slot`, or of the last one before it; `None`
    /// if we have no block at or before `slot`.
    fn block_root_at_slot(&self, slot: u64) -> Option<Hash256>;

    /// The canonical blocks in slots `start_slot .. start_slot + count`, ascending, at
    /// most `limit` of them.
    ///
    /// # Errors
    ///
    /// [`SourceError`] when the data cannot be read.
    fn blocks_by_range(
        &self,
        start_slot: u64,
        count: u64,
        limit: usize,
    ) -> Result<Vec<BlockBytes>, SourceError>;

    /// The blocks with these roots that we have, in request order, at most `limit`.
    ///
    /// # Errors
    ///
    /// [`SourceError`] when the data cannot be read.
    fn blocks_by_root(
        &self,
        roots: &[Hash256],
        limit: usize,
    ) -> Result<Vec<BlockBytes>, SourceError>;

    /// The blob sidecars of the canonical blocks in slots `start_slot .. start_slot +
    /// count`, in (slot, index) order, at most `limit`.
    ///
    /// # Errors
    ///
    /// [`SourceError`] when the data cannot be read.
    fn blob_sidecars_by_range(
        &self,
        start_slot: u64,
        count: u64,
        limit: usize,
    ) -> Result<Vec<SidecarBytes>, SourceError>;

    /// The blob sidecars with these identifiers that we have, in request order, at most
    /// `limit`.
    ///
    /// # Errors
    ///
    /// [`SourceError`] when the data cannot be read.
    fn blob_sidecars_by_root(
        &self,
        ids: &[BlobIdentifier],
        limit: usize,
    ) -> Result<Vec<SidecarBytes>, SourceError>;

    /// The data column sidecars with these indices (ascending, distinct) of the canonical
    /// blocks in slots `start_slot .. start_slot + count` that we hold, in (slot, index)
    /// order, at most `limit`.
    ///
    /// # Errors
    ///
    /// [`SourceError`] when the data cannot be read.
    fn data_column_sidecars_by_range(
        &self,
        start_slot: u64,
        count: u64,
        columns: &[u64],
        limit: usize,
    ) -> Result<Vec<SidecarBytes>, SourceError>;

    /// The data column sidecars with these (block root, column indices) that we hold, in
    /// request order (columns in the order asked), at most `limit`.
    ///
    /// # Errors
    ///
    /// [`SourceError`] when the data cannot be read.
    fn data_column_sidecars_by_root(
        &self,
        ids: &[DataColumnsByRootIdentifier],
        limit: usize,
    ) -> Result<Vec<SidecarBytes>, SourceError>;
}
