//! What a devnet serving peer serves: the source chain, through two optional twists.
//!
//! - A lie. A [`Lie::Blobs`] peer serves the true blocks but changes one byte of every blob
//!   and data column cell it serves, so no KZG proof holds; a [`Lie::Signatures`] peer
//!   changes a byte of every block signature (forged blocks). A syncing node must find it
//!   out, charge it and drop it, and sync from the honest peers.
//! - A custody set. The serving peers share one store that holds every column; a peer at
//!   the minimum custody serves only its custody columns, as a real one would, and answers
//!   for the others as a peer that does not hold them (nothing).

use bytes::Bytes;
use consensus::containers::{BlobIdentifier, DataColumnsByRootIdentifier};
use consensus::primitives::Hash256;
use net::{BlockBytes, ChainInfo, ChainSource, SidecarBytes, SourceError};
use sync_types::ColumnSet;

/// Where a blob lie goes in a `BlobSidecar`'s SSZ: the blob follows the 8-byte index;
/// byte 31 is the low byte of its first field element (still a valid field element).
const BLOB_LIE_OFFSET: usize = 8 + 31;
/// Where a blob lie goes in a `DataColumnSidecar`'s SSZ: the first cell follows the
/// 356-byte fixed part; byte 31 is the low byte of its first field element, so its cell
/// proof no longer holds.
const COLUMN_LIE_OFFSET: usize = 356 + 31;
/// Where a signature lie goes in a `SignedBeaconBlock`'s SSZ: the signature follows the
/// 4-byte offset of the message; its last byte.
const SIGNATURE_LIE_OFFSET: usize = 4 + 95;

/// What an adversarial peer lies about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lie {
    /// Every blob and every data column it serves has one byte changed.
    Blobs,
    /// Every block it serves has one byte of its signature changed.
    Signatures,
}

/// A [`ChainSource`] that forwards to `inner`, lying if it is an adversary and serving
/// only its custody columns if it has a custody set.
#[derive(Debug)]
pub struct DevnetServer<S> {
    inner: S,
    lie: Option<Lie>,
    custody: ColumnSet,
}

impl<S: ChainSource> DevnetServer<S> {
    /// Serves `inner` as it is, every column included (a supernode).
    pub fn honest(inner: S) -> DevnetServer<S> {
        DevnetServer {
            inner,
            lie: None,
            custody: ColumnSet::ALL,
        }
    }

    /// Serves `inner` with `lie`.
    pub fn lying(inner: S, lie: Lie) -> DevnetServer<S> {
        DevnetServer {
            lie: Some(lie),
            ..DevnetServer::honest(inner)
        }
    }

    /// Serves only the columns in `custody`.
    #[must_use]
    pub fn with_custody(self, custody: ColumnSet) -> DevnetServer<S> {
        DevnetServer { custody, ..self }
    }
}

fn flip(bytes: &Bytes, offset: usize) -> Bytes {
    let mut out = bytes.to_vec();
    if let Some(byte) = out.get_mut(offset) {
        *byte ^= 1;
    }
    Bytes::from(out)
}

impl<S> DevnetServer<S> {
    fn sidecars(&self, sidecars: Vec<SidecarBytes>) -> Vec<SidecarBytes> {
        self.lie_about_blobs(sidecars, BLOB_LIE_OFFSET)
    }

    /// `items` (blob sidecars or columns) with the byte at `offset` flipped, for a
    /// [`Lie::Blobs`] peer.
    fn lie_about_blobs(&self, items: Vec<SidecarBytes>, offset: usize) -> Vec<SidecarBytes> {
        if self.lie != Some(Lie::Blobs) {
            return items;
        }
        items
            .into_iter()
            .map(|s| SidecarBytes {
                slot: s.slot,
                ssz: flip(&s.ssz, offset),
            })
            .collect()
    }

    fn blocks(&self, blocks: Vec<BlockBytes>) -> Vec<BlockBytes> {
        if self.lie != Some(Lie::Signatures) {
            return blocks;
        }
        blocks
            .into_iter()
            .map(|b| BlockBytes {
                ssz: flip(&b.ssz, SIGNATURE_LIE_OFFSET),
                ..b
            })
            .collect()
    }
}

impl<S: ChainSource> ChainSource for DevnetServer<S> {
    fn chain_info(&self) -> ChainInfo {
        self.inner.chain_info()
    }

    fn block_root_at_slot(&self, slot: u64) -> Option<Hash256> {
        self.inner.block_root_at_slot(slot)
    }

    fn blocks_by_range(
        &self,
        start_slot: u64,
        count: u64,
        limit: usize,
    ) -> Result<Vec<BlockBytes>, SourceError> {
        self.inner
            .blocks_by_range(start_slot, count, limit)
            .map(|b| self.blocks(b))
    }

    fn blocks_by_root(
        &self,
        roots: &[Hash256],
        limit: usize,
    ) -> Result<Vec<BlockBytes>, SourceError> {
        self.inner
            .blocks_by_root(roots, limit)
            .map(|b| self.blocks(b))
    }

    fn blob_sidecars_by_range(
        &self,
        start_slot: u64,
        count: u64,
        limit: usize,
    ) -> Result<Vec<SidecarBytes>, SourceError> {
        self.inner
            .blob_sidecars_by_range(start_slot, count, limit)
            .map(|s| self.sidecars(s))
    }

    fn blob_sidecars_by_root(
        &self,
        ids: &[BlobIdentifier],
        limit: usize,
    ) -> Result<Vec<SidecarBytes>, SourceError> {
        self.inner
            .blob_sidecars_by_root(ids, limit)
            .map(|s| self.sidecars(s))
    }

    fn data_column_sidecars_by_range(
        &self,
        start_slot: u64,
        count: u64,
        columns: &[u64],
        limit: usize,
    ) -> Result<Vec<SidecarBytes>, SourceError> {
        let held: Vec<u64> = columns
            .iter()
            .copied()
            .filter(|index| self.custody.contains(*index))
            .collect();
        if held.is_empty() {
            return Ok(Vec::new());
        }
        self.inner
            .data_column_sidecars_by_range(start_slot, count, &held, limit)
            .map(|c| self.lie_about_blobs(c, COLUMN_LIE_OFFSET))
    }

    fn data_column_sidecars_by_root(
        &self,
        ids: &[DataColumnsByRootIdentifier],
        limit: usize,
    ) -> Result<Vec<SidecarBytes>, SourceError> {
        let held: Vec<DataColumnsByRootIdentifier> = ids
            .iter()
            .map(|id| DataColumnsByRootIdentifier {
                block_root: id.block_root,
                columns: id
                    .columns
                    .iter()
                    .copied()
                    .filter(|index| self.custody.contains(*index))
                    .collect::<Vec<u64>>()
                    .try_into()
                    .expect("invariant: a subset of a valid list fits its bound"),
            })
            .collect();
        self.inner
            .data_column_sidecars_by_root(&held, limit)
            .map(|c| self.lie_about_blobs(c, COLUMN_LIE_OFFSET))
    }
}
