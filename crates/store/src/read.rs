//! The read path by root and by slot: blocks and sidecars as decoded values or as the
//! stored SSZ bytes (for serving without re-encoding), the anchors, the network and the
//! record counts. Range queries are in [`crate::range`], data columns in
//! [`crate::columns`].
//!
//! Every call reads one snapshot (one read transaction), so an answer never mixes two
//! commits.

use consensus::primitives::Hash256;
use consensus::{Block, Fork, Sidecar};

use crate::anchors::{Anchors, BlockId, NetworkIdentity};
use crate::error::StoreError;
use crate::reader::StoreReader;
use crate::schema;
use crate::snapshot::Snapshot;

/// Where the message of a `SignedBeaconBlock` starts in its SSZ, in every fork: after the
/// message's 4-byte offset and the 96-byte signature. The slot is the message's first
/// field, a little-endian u64.
const SIGNED_BLOCK_MESSAGE_OFFSET: usize = 100;

/// A stored block as its SSZ bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBlock {
    /// The block's root and slot.
    pub id: BlockId,
    /// The fork of its layout (gives the context bytes on the wire).
    pub fork: Fork,
    /// SSZ `SignedBeaconBlock`.
    pub ssz: Vec<u8>,
}

/// A stored blob sidecar as its SSZ bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredSidecar {
    /// The root and slot of its block.
    pub block: BlockId,
    /// The blob index.
    pub index: u64,
    /// SSZ `BlobSidecar`.
    pub ssz: Vec<u8>,
}

/// How many records each table holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StoreStats {
    /// Blocks.
    pub blocks: u64,
    /// Chunks of the blocks' SSZ.
    pub block_chunks: u64,
    /// Entries of the slot index (one per stored block).
    pub canonical_slots: u64,
    /// Blob sidecars.
    pub blob_sidecars: u64,
    /// Chunks of the sidecars' SSZ.
    pub blob_sidecar_chunks: u64,
    /// Data column sidecars (zero in a database written before columns were stored).
    pub data_columns: u64,
    /// Chunks of the data columns' SSZ.
    pub data_column_chunks: u64,
}

type Result<T> = std::result::Result<T, StoreError>;

impl StoreReader {
    /// The committed anchors; `None` before [`Store::init_anchor`](crate::Store::init_anchor).
    ///
    /// # Errors
    /// Database failures and corrupt records.
    pub fn anchors(&self) -> Result<Option<Anchors>> {
        self.read("anchors", |s| schema::read_anchors(&s.meta))
    }

    /// The forward head; `None` before [`Store::init_anchor`](crate::Store::init_anchor).
    ///
    /// # Errors
    /// As [`StoreReader::anchors`].
    pub fn head(&self) -> Result<Option<BlockId>> {
        Ok(self.anchors()?.map(|anchors| anchors.head))
    }

    /// The network the database belongs to, as recorded when it was created; `None` for
    /// a database that records none (which [`Store::open`](crate::Store::open) refuses).
    ///
    /// # Errors
    /// Database failures and corrupt records.
    pub fn network(&self) -> Result<Option<NetworkIdentity>> {
        self.read("network", |s| schema::read_network(&s.meta))
    }

    /// The block with root `root`, as stored: its fork and SSZ bytes.
    ///
    /// # Errors
    /// Database failures and corrupt records.
    pub fn block_ssz(&self, root: Hash256) -> Result<Option<(Fork, Vec<u8>)>> {
        self.read("block", |s| s.block_ssz(&root))
    }

    /// The block with root `root` as stored, with its slot: read from the slot's fixed
    /// place in the SSZ (bytes 100..108 of every fork's `SignedBeaconBlock`), without
    /// decoding the block.
    ///
    /// # Errors
    /// Database failures; [`StoreError::CorruptRecord`] when the stored bytes are not
    /// laid out as a signed block.
    pub fn block_ssz_by_root(&self, root: Hash256) -> Result<Option<StoredBlock>> {
        let Some((fork, ssz)) = self.block_ssz(root)? else {
            return Ok(None);
        };
        let slot = slot_of_block_ssz(&root, &ssz)?;
        Ok(Some(StoredBlock {
            id: BlockId { root, slot },
            fork,
            ssz,
        }))
    }

    /// The block with root `root`, decoded.
    ///
    /// # Errors
    /// Database failures; [`StoreError::CorruptRecord`] when it does not decode.
    pub fn block(&self, root: Hash256) -> Result<Option<Block>> {
        self.block_ssz(root)?
            .map(|(fork, ssz)| decode_block(root, fork, &ssz))
            .transpose()
    }

    /// The root of the stored chain's block at `slot`; `None` for an empty or unknown slot.
    ///
    /// # Errors
    /// Database failures.
    pub fn block_root_at(&self, slot: u64) -> Result<Option<Hash256>> {
        self.read("block_root_at", |s| s.root_at(slot))
    }

    /// The stored chain's block with the highest slot at or below `slot` (inclusive): the
    /// block a node at `slot` sees as its head, when `slot` is empty. `None` when no stored
    /// block is that old (`slot` is below the backfill mark, or nothing is stored). One
    /// reverse step of the slot index, however many slots are empty.
    ///
    /// # Errors
    /// Database failures.
    pub fn block_at_or_before(&self, slot: u64) -> Result<Option<BlockId>> {
        self.read("block_at_or_before", |s| s.canonical_at_or_before(slot))
    }

    /// The stored blob sidecars of block `root`, in index order.
    ///
    /// # Errors
    /// Database failures and corrupt records.
    pub fn sidecars(&self, root: Hash256) -> Result<Vec<Sidecar>> {
        // The slot is not needed to find them; zero stands in.
        let stored = self.read("sidecars", |s| s.sidecars_of(BlockId { root, slot: 0 }))?;
        stored.iter().map(decode_sidecar).collect()
    }

    /// Blob sidecar `index` of block `root`.
    ///
    /// # Errors
    /// Database failures and corrupt records.
    pub fn sidecar(&self, root: Hash256, index: u64) -> Result<Option<Sidecar>> {
        let block = BlockId { root, slot: 0 };
        let stored = self.read("sidecar", |s| {
            let len = s.sidecar_len(&root, index)?;
            len.map(|len| s.sidecar_ssz(block, index, len)).transpose()
        })?;
        stored.as_ref().map(decode_sidecar).transpose()
    }

    /// How many records each table holds.
    ///
    /// # Errors
    /// Database failures.
    pub fn stats(&self) -> Result<StoreStats> {
        self.read("stats", Snapshot::stats)
    }
}

/// The slot of a stored `SignedBeaconBlock`, read from its fixed place; the message
/// offset must be where every fork puts it.
fn slot_of_block_ssz(root: &Hash256, ssz: &[u8]) -> Result<u64> {
    let read = |at: usize| -> Option<[u8; 8]> { ssz.get(at..at.checked_add(8)?)?.try_into().ok() };
    let offset = ssz
        .get(..4)
        .and_then(|bytes| <[u8; 4]>::try_from(bytes).ok())
        .map(u32::from_le_bytes)
        .and_then(|offset| usize::try_from(offset).ok());
    let slot = (offset == Some(SIGNED_BLOCK_MESSAGE_OFFSET))
        .then(|| read(SIGNED_BLOCK_MESSAGE_OFFSET))
        .flatten()
        .ok_or_else(|| StoreError::CorruptRecord {
            table: "blocks",
            key: root.to_string(),
            detail: format!(
                "{} bytes, not laid out as a signed block (message offset {}, expected \
                 {SIGNED_BLOCK_MESSAGE_OFFSET})",
                ssz.len(),
                offset.map_or_else(|| "missing".to_owned(), |at| at.to_string())
            ),
        })?;
    Ok(u64::from_le_bytes(slot))
}

pub(crate) fn decode_block(root: Hash256, fork: Fork, ssz: &[u8]) -> Result<Block> {
    let block = Block::from_ssz_bytes(ssz, fork).map_err(|error| StoreError::CorruptRecord {
        table: "blocks",
        key: root.to_string(),
        detail: error.to_string(),
    })?;
    if block.root() != root {
        return Err(StoreError::CorruptRecord {
            table: "blocks",
            key: root.to_string(),
            detail: format!("the stored block's root is {}", block.root()),
        });
    }
    Ok(block)
}

pub(crate) fn decode_sidecar(stored: &StoredSidecar) -> Result<Sidecar> {
    let corrupt = |detail: String| StoreError::CorruptRecord {
        table: "blob_sidecars",
        key: format!("{}/{}", stored.block.root, stored.index),
        detail,
    };
    let sidecar = Sidecar::from_ssz_bytes(&stored.ssz).map_err(|e| corrupt(e.to_string()))?;
    if sidecar.block_root() != stored.block.root || sidecar.sidecar().index != stored.index {
        return Err(corrupt(format!(
            "the stored sidecar is index {} of block {}",
            sidecar.sidecar().index,
            sidecar.block_root()
        )));
    }
    Ok(sidecar)
}
