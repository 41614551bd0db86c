//! The read path by root and by slot: blocks and sidecars as decoded values or as the
//! stored SSZ bytes (for serving without re-encoding), the anchors, the network and the
//! record counts. Range queries are in [`crate::range`].
//!
//! Every call reads one snapshot (one read transaction), so an answer never mixes two
//! commits.

use consensus::primitives::Hash256;
use consensus::{Block, Fork, Sidecar};
use redb::{ReadOnlyTable, ReadTransaction, ReadableTableMetadata};

use crate::anchors::{Anchors, BlockId, NetworkIdentity};
use crate::chunks::Assembler;
use crate::error::{Failure, StoreError};
use crate::reader::StoreReader;
use crate::schema::{
    self, BLOB_SIDECAR_CHUNKS, BLOB_SIDECARS, BLOCK_CHUNKS, BLOCKS, CANONICAL_SLOTS, META,
};
use crate::store::key;

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
}

type Result<T> = std::result::Result<T, StoreError>;

/// The tables of one snapshot.
pub(crate) struct Snapshot {
    blocks: ReadOnlyTable<&'static [u8; 32], &'static [u8]>,
    block_chunks: ReadOnlyTable<(&'static [u8; 32], u32), &'static [u8]>,
    slots: ReadOnlyTable<u64, &'static [u8; 32]>,
    sidecars: ReadOnlyTable<(&'static [u8; 32], u64), u32>,
    sidecar_chunks: ReadOnlyTable<(&'static [u8; 32], u64, u32), &'static [u8]>,
    pub(crate) meta: ReadOnlyTable<&'static str, &'static [u8]>,
}

pub(crate) type Snap<T> = std::result::Result<T, Failure>;

impl Snapshot {
    /// Opens every table in `txn`.
    pub(crate) fn open(txn: &ReadTransaction) -> Snap<Snapshot> {
        Ok(Snapshot {
            blocks: txn.open_table(BLOCKS)?,
            block_chunks: txn.open_table(BLOCK_CHUNKS)?,
            slots: txn.open_table(CANONICAL_SLOTS)?,
            sidecars: txn.open_table(BLOB_SIDECARS)?,
            sidecar_chunks: txn.open_table(BLOB_SIDECAR_CHUNKS)?,
            meta: txn.open_table(META)?,
        })
    }

    /// The fork and SSZ length of block `root`, from its record (no chunk is read).
    pub(crate) fn block_record(&self, root: &Hash256) -> Snap<Option<(Fork, u32)>> {
        let Some(record) = self.blocks.get(key(root))? else {
            return Ok(None);
        };
        Ok(Some(schema::decode_block(root, record.value())?))
    }

    /// The fork and SSZ of block `root`.
    pub(crate) fn block_ssz(&self, root: &Hash256) -> Snap<Option<(Fork, Vec<u8>)>> {
        let Some((fork, len)) = self.block_record(root)? else {
            return Ok(None);
        };
        Ok(Some((fork, self.block_chunks_of(root, len)?)))
    }

    /// The `len` bytes of block `root`'s SSZ, from its chunks.
    pub(crate) fn block_chunks_of(&self, root: &Hash256, len: u32) -> Snap<Vec<u8>> {
        let corrupt = |detail| corrupt_chunks("block_chunks", root.to_string(), detail);
        let mut assembler = Assembler::new(len);
        for entry in self
            .block_chunks
            .range((key(root), 0)..=(key(root), u32::MAX))?
        {
            let (k, v) = entry?;
            assembler.push(k.value().1, v.value()).map_err(corrupt)?;
        }
        assembler.finish().map_err(corrupt)
    }

    /// Sidecar `index` of `block`, whose record says it is `len` bytes.
    pub(crate) fn sidecar_ssz(&self, block: BlockId, index: u64, len: u32) -> Snap<StoredSidecar> {
        let root = key(&block.root);
        let corrupt = |detail| {
            corrupt_chunks(
                "blob_sidecar_chunks",
                format!("{}/{index}", block.root),
                detail,
            )
        };
        let mut assembler = Assembler::new(len);
        for entry in self
            .sidecar_chunks
            .range((root, index, 0)..=(root, index, u32::MAX))?
        {
            let (k, v) = entry?;
            assembler.push(k.value().2, v.value()).map_err(corrupt)?;
        }
        Ok(StoredSidecar {
            block,
            index,
            ssz: assembler.finish().map_err(corrupt)?,
        })
    }

    /// The stored chain's blocks in slots `range`, ascending.
    pub(crate) fn canonical(
        &self,
        range: std::ops::Range<u64>,
    ) -> Snap<impl Iterator<Item = Snap<BlockId>> + '_> {
        Ok(self.slots.range(range)?.map(|entry| {
            let (slot, root) = entry?;
            Ok(BlockId {
                slot: slot.value(),
                root: Hash256::from(*root.value()),
            })
        }))
    }

    /// The stored chain's block with the highest slot at or below `slot`: one step of a
    /// reverse scan of the slot index.
    fn canonical_at_or_before(&self, slot: u64) -> Snap<Option<BlockId>> {
        let Some(entry) = self.slots.range(..=slot)?.next_back() else {
            return Ok(None);
        };
        let (slot, root) = entry?;
        Ok(Some(BlockId {
            slot: slot.value(),
            root: Hash256::from(*root.value()),
        }))
    }

    /// The indices and lengths of the sidecars of `root`.
    pub(crate) fn sidecar_lengths(&self, root: &Hash256) -> Snap<Vec<(u64, u32)>> {
        let mut out = Vec::new();
        for entry in self
            .sidecars
            .range((key(root), 0)..=(key(root), u64::MAX))?
        {
            let (k, v) = entry?;
            out.push((k.value().1, v.value()));
        }
        Ok(out)
    }

    /// Every sidecar of `block`, in index order.
    pub(crate) fn sidecars_of(&self, block: BlockId) -> Snap<Vec<StoredSidecar>> {
        self.sidecar_lengths(&block.root)?
            .into_iter()
            .map(|(index, len)| self.sidecar_ssz(block, index, len))
            .collect()
    }

    /// How many records each table holds.
    pub(crate) fn stats(&self) -> Snap<StoreStats> {
        Ok(StoreStats {
            blocks: self.blocks.len()?,
            block_chunks: self.block_chunks.len()?,
            canonical_slots: self.slots.len()?,
            blob_sidecars: self.sidecars.len()?,
            blob_sidecar_chunks: self.sidecar_chunks.len()?,
        })
    }
}

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
        self.read("block_root_at", |s| {
            Ok(s.slots.get(slot)?.map(|root| Hash256::from(*root.value())))
        })
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
            let len = s.sidecars.get((key(&root), index))?.map(|v| v.value());
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

pub(crate) fn missing_block(id: BlockId) -> Failure {
    Failure::Store(StoreError::CorruptRecord {
        table: "canonical_slots",
        key: id.slot.to_string(),
        detail: format!("names block {} which is not stored", id.root),
    })
}

fn corrupt_chunks(table: &'static str, key: String, detail: String) -> Failure {
    Failure::Store(StoreError::CorruptRecord { table, key, detail })
}
