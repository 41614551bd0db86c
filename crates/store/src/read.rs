//! The read path: blocks and sidecars by root, by slot and by range, as decoded values or
//! as the stored SSZ bytes (for serving without re-encoding).
//!
//! Every call reads one snapshot (one read transaction), so a range never mixes two
//! commits. Range queries walk the slot index of the stored chain in ascending order,
//! skip empty slots, and are bounded by [`StoreConfig`](crate::StoreConfig).

use consensus::primitives::Hash256;
use consensus::{Block, Fork, Sidecar};
use redb::{ReadOnlyTable, ReadableDatabase, ReadableTableMetadata};

use crate::anchors::{Anchors, BlockId};
use crate::chunks::Assembler;
use crate::error::{Failure, StoreError};
use crate::schema::{
    self, BLOB_SIDECAR_CHUNKS, BLOB_SIDECARS, BLOCK_CHUNKS, BLOCKS, CANONICAL_SLOTS, META,
};
use crate::store::{Store, key};

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
struct Snapshot {
    blocks: ReadOnlyTable<&'static [u8; 32], &'static [u8]>,
    block_chunks: ReadOnlyTable<(&'static [u8; 32], u32), &'static [u8]>,
    slots: ReadOnlyTable<u64, &'static [u8; 32]>,
    sidecars: ReadOnlyTable<(&'static [u8; 32], u64), u32>,
    sidecar_chunks: ReadOnlyTable<(&'static [u8; 32], u64, u32), &'static [u8]>,
    meta: ReadOnlyTable<&'static str, &'static [u8]>,
}

type Snap<T> = std::result::Result<T, Failure>;

impl Snapshot {
    fn block_ssz(&self, root: &Hash256) -> Snap<Option<(Fork, Vec<u8>)>> {
        let Some(record) = self.blocks.get(key(root))? else {
            return Ok(None);
        };
        let (fork, len) = schema::decode_block(root, record.value())?;
        let corrupt = |detail| corrupt_chunks("block_chunks", root.to_string(), detail);
        let mut assembler = Assembler::new(len);
        for entry in self
            .block_chunks
            .range((key(root), 0)..=(key(root), u32::MAX))?
        {
            let (k, v) = entry?;
            assembler.push(k.value().1, v.value()).map_err(corrupt)?;
        }
        Ok(Some((fork, assembler.finish().map_err(corrupt)?)))
    }

    fn sidecar_ssz(&self, block: BlockId, index: u64, len: u32) -> Snap<StoredSidecar> {
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

    /// The stored chain's (slot, root) pairs in `start..start + count`, capped.
    fn canonical(&self, start: u64, count: u64, max: u64) -> Snap<Vec<BlockId>> {
        let end = start.saturating_add(count.min(max));
        let mut ids = Vec::new();
        for entry in self.slots.range(start..end)? {
            let (slot, root) = entry?;
            ids.push(BlockId {
                slot: slot.value(),
                root: Hash256::from(*root.value()),
            });
        }
        Ok(ids)
    }

    /// The indices and lengths of the sidecars of `root`.
    fn sidecar_lengths(&self, root: &Hash256) -> Snap<Vec<(u64, u32)>> {
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

    fn sidecars_of(&self, block: BlockId) -> Snap<Vec<StoredSidecar>> {
        self.sidecar_lengths(&block.root)?
            .into_iter()
            .map(|(index, len)| self.sidecar_ssz(block, index, len))
            .collect()
    }
}

impl Store {
    fn snapshot(&self) -> std::result::Result<Snapshot, Failure> {
        let txn = self.inner.db.begin_read()?;
        Ok(Snapshot {
            blocks: txn.open_table(BLOCKS)?,
            block_chunks: txn.open_table(BLOCK_CHUNKS)?,
            slots: txn.open_table(CANONICAL_SLOTS)?,
            sidecars: txn.open_table(BLOB_SIDECARS)?,
            sidecar_chunks: txn.open_table(BLOB_SIDECAR_CHUNKS)?,
            meta: txn.open_table(META)?,
        })
    }

    fn read<T>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&Snapshot) -> std::result::Result<T, Failure>,
    ) -> Result<T> {
        self.snapshot()
            .and_then(|snapshot| f(&snapshot))
            .map_err(|failure| failure.at(&self.inner.path, operation))
    }

    /// The committed anchors; `None` before [`Store::init_anchor`].
    ///
    /// # Errors
    /// Database failures and corrupt records.
    pub fn anchors(&self) -> Result<Option<Anchors>> {
        self.read("anchors", |s| schema::read_anchors(&s.meta))
    }

    /// The forward head; `None` before [`Store::init_anchor`].
    ///
    /// # Errors
    /// As [`Store::anchors`].
    pub fn head(&self) -> Result<Option<BlockId>> {
        Ok(self.anchors()?.map(|anchors| anchors.head))
    }

    /// The block with root `root`, as stored: its fork and SSZ bytes.
    ///
    /// # Errors
    /// Database failures and corrupt records.
    pub fn block_ssz(&self, root: Hash256) -> Result<Option<(Fork, Vec<u8>)>> {
        self.read("block", |s| s.block_ssz(&root))
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

    /// The stored chain's blocks in slots `start..start + count` (count capped at
    /// [`StoreConfig::max_slots_per_query`](crate::StoreConfig::max_slots_per_query)),
    /// ascending, as stored bytes; empty slots are skipped.
    ///
    /// # Errors
    /// Database failures and corrupt records.
    pub fn blocks_ssz_by_range(&self, start: u64, count: u64) -> Result<Vec<StoredBlock>> {
        let max = self.inner.config.max_slots_per_query;
        self.read("blocks_by_range", |s| {
            let mut out = Vec::new();
            for id in s.canonical(start, count, max)? {
                let (fork, ssz) = s.block_ssz(&id.root)?.ok_or_else(|| missing_block(id))?;
                out.push(StoredBlock { id, fork, ssz });
            }
            Ok(out)
        })
    }

    /// Like [`Store::blocks_ssz_by_range`], decoded.
    ///
    /// # Errors
    /// Database failures and corrupt records.
    pub fn blocks_by_range(&self, start: u64, count: u64) -> Result<Vec<Block>> {
        self.blocks_ssz_by_range(start, count)?
            .into_iter()
            .map(|stored| decode_block(stored.id.root, stored.fork, &stored.ssz))
            .collect()
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

    /// The blob sidecars of the stored chain's blocks in slots `start..start + count`
    /// (count capped like [`Store::blocks_ssz_by_range`]), by slot then index, as stored
    /// bytes. At most
    /// [`StoreConfig::max_blob_sidecars_per_query`](crate::StoreConfig::max_blob_sidecars_per_query)
    /// sidecars, ending at a whole block (the first block's are always included).
    ///
    /// # Errors
    /// Database failures.
    pub fn blob_sidecars_ssz_by_range(&self, start: u64, count: u64) -> Result<Vec<StoredSidecar>> {
        let max_slots = self.inner.config.max_slots_per_query;
        let max_sidecars = self.inner.config.max_blob_sidecars_per_query;
        self.read("blob_sidecars_by_range", |s| {
            let mut out = Vec::new();
            for id in s.canonical(start, count, max_slots)? {
                let sidecars = s.sidecars_of(id)?;
                if !out.is_empty() && out.len() + sidecars.len() > max_sidecars {
                    break;
                }
                out.extend(sidecars);
            }
            Ok(out)
        })
    }

    /// Like [`Store::blob_sidecars_ssz_by_range`], decoded.
    ///
    /// # Errors
    /// Database failures and corrupt records.
    pub fn blob_sidecars_by_range(&self, start: u64, count: u64) -> Result<Vec<Sidecar>> {
        self.blob_sidecars_ssz_by_range(start, count)?
            .iter()
            .map(decode_sidecar)
            .collect()
    }

    /// How many records each table holds.
    ///
    /// # Errors
    /// Database failures.
    pub fn stats(&self) -> Result<StoreStats> {
        self.read("stats", |s| {
            Ok(StoreStats {
                blocks: s.blocks.len()?,
                block_chunks: s.block_chunks.len()?,
                canonical_slots: s.slots.len()?,
                blob_sidecars: s.sidecars.len()?,
                blob_sidecar_chunks: s.sidecar_chunks.len()?,
            })
        })
    }
}

fn decode_block(root: Hash256, fork: Fork, ssz: &[u8]) -> Result<Block> {
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

fn decode_sidecar(stored: &StoredSidecar) -> Result<Sidecar> {
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

fn missing_block(id: BlockId) -> Failure {
    Failure::Store(StoreError::CorruptRecord {
        table: "canonical_slots",
        key: id.slot.to_string(),
        detail: format!("names block {} which is not stored", id.root),
    })
}

fn corrupt_chunks(table: &'static str, key: String, detail: String) -> Failure {
    Failure::Store(StoreError::CorruptRecord { table, key, detail })
}
