//! One read transaction's tables, and the record-level reads every query is made of:
//! records by key, values put back together from their chunks, and the slot index.
//!
//! The data column tables are optional: a version 2 database written before they existed
//! has none (see [`crate::schema`]), and a read-only open cannot create them, so a
//! snapshot without them reads as holding no columns.

use consensus::Fork;
use consensus::primitives::Hash256;
use redb::{ReadOnlyTable, ReadTransaction, ReadableTableMetadata, TableDefinition, TableError};

use crate::anchors::BlockId;
use crate::chunks::Assembler;
use crate::columns::StoredColumn;
use crate::error::{Failure, StoreError};
use crate::read::{StoreStats, StoredSidecar};
use crate::schema::{
    self, BLOB_SIDECAR_CHUNKS, BLOB_SIDECARS, BLOCK_CHUNKS, BLOCKS, CANONICAL_SLOTS,
    DATA_COLUMN_CHUNKS, DATA_COLUMNS, META, key,
};

/// A result inside a snapshot, before it is tied to the database's path.
pub(crate) type Snap<T> = std::result::Result<T, Failure>;

type Root = &'static [u8; 32];
/// A table of byte values (records with a fork byte, or chunks) under keys `K`.
type Bytes<K> = ReadOnlyTable<K, &'static [u8]>;

/// The tables of one snapshot.
pub(crate) struct Snapshot {
    blocks: Bytes<Root>,
    block_chunks: Bytes<(Root, u32)>,
    slots: ReadOnlyTable<u64, Root>,
    sidecars: ReadOnlyTable<(Root, u64), u32>,
    sidecar_chunks: Bytes<(Root, u64, u32)>,
    /// `None` in a database written before columns were stored.
    columns: Option<Bytes<(Root, u64)>>,
    /// `None` in a database written before columns were stored.
    column_chunks: Option<Bytes<(Root, u64, u32)>>,
    pub(crate) meta: Bytes<&'static str>,
}

/// The record of a stored data column: its index, fork and SSZ length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ColumnRecord {
    /// The column index.
    pub(crate) index: u64,
    /// The fork of its layout (its block's).
    pub(crate) fork: Fork,
    /// The SSZ length.
    pub(crate) len: u32,
}

impl Snapshot {
    /// Opens every table in `txn`.
    pub(crate) fn open(txn: &ReadTransaction) -> Snap<Snapshot> {
        Ok(Snapshot {
            blocks: txn.open_table(BLOCKS)?,
            block_chunks: txn.open_table(BLOCK_CHUNKS)?,
            slots: txn.open_table(CANONICAL_SLOTS)?,
            sidecars: txn.open_table(BLOB_SIDECARS)?,
            sidecar_chunks: txn.open_table(BLOB_SIDECAR_CHUNKS)?,
            columns: open_optional(txn, DATA_COLUMNS)?,
            column_chunks: open_optional(txn, DATA_COLUMN_CHUNKS)?,
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

    /// The root of the stored chain's block at `slot`.
    pub(crate) fn root_at(&self, slot: u64) -> Snap<Option<Hash256>> {
        Ok(self
            .slots
            .get(slot)?
            .map(|root| Hash256::from(*root.value())))
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
    pub(crate) fn canonical_at_or_before(&self, slot: u64) -> Snap<Option<BlockId>> {
        let Some(entry) = self.slots.range(..=slot)?.next_back() else {
            return Ok(None);
        };
        let (slot, root) = entry?;
        Ok(Some(BlockId {
            slot: slot.value(),
            root: Hash256::from(*root.value()),
        }))
    }

    /// The SSZ length of sidecar `index` of block `root`, if it is stored.
    pub(crate) fn sidecar_len(&self, root: &Hash256, index: u64) -> Snap<Option<u32>> {
        Ok(self.sidecars.get((key(root), index))?.map(|v| v.value()))
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

    /// Every sidecar of `block`, in index order.
    pub(crate) fn sidecars_of(&self, block: BlockId) -> Snap<Vec<StoredSidecar>> {
        self.sidecar_lengths(&block.root)?
            .into_iter()
            .map(|(index, len)| self.sidecar_ssz(block, index, len))
            .collect()
    }

    /// The record of column `index` of block `root`, if it is stored.
    pub(crate) fn column_record(&self, root: &Hash256, index: u64) -> Snap<Option<ColumnRecord>> {
        let Some(columns) = &self.columns else {
            return Ok(None);
        };
        let Some(value) = columns.get((key(root), index))? else {
            return Ok(None);
        };
        let (fork, len) = schema::decode_column(root, index, value.value())?;
        Ok(Some(ColumnRecord { index, fork, len }))
    }

    /// The records of the columns of block `root`, in index order.
    pub(crate) fn column_records(&self, root: &Hash256) -> Snap<Vec<ColumnRecord>> {
        let Some(columns) = &self.columns else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for entry in columns.range((key(root), 0)..=(key(root), u64::MAX))? {
            let (k, v) = entry?;
            let index = k.value().1;
            let (fork, len) = schema::decode_column(root, index, v.value())?;
            out.push(ColumnRecord { index, fork, len });
        }
        Ok(out)
    }

    /// The column of `block` that `record` describes, from its chunks.
    pub(crate) fn column_ssz(&self, block: BlockId, record: ColumnRecord) -> Snap<StoredColumn> {
        let ColumnRecord { index, fork, len } = record;
        let corrupt = |detail| {
            let key = format!("{}/{index}", block.root);
            corrupt_chunks("data_column_chunks", key, detail)
        };
        let mut assembler = Assembler::new(len);
        if let Some(chunks) = &self.column_chunks {
            let root = key(&block.root);
            for entry in chunks.range((root, index, 0)..=(root, index, u32::MAX))? {
                let (k, v) = entry?;
                assembler.push(k.value().2, v.value()).map_err(corrupt)?;
            }
        }
        Ok(StoredColumn {
            block,
            index,
            fork,
            ssz: assembler.finish().map_err(corrupt)?,
        })
    }

    /// How many records each table holds.
    pub(crate) fn stats(&self) -> Snap<StoreStats> {
        Ok(StoreStats {
            blocks: self.blocks.len()?,
            block_chunks: self.block_chunks.len()?,
            canonical_slots: self.slots.len()?,
            blob_sidecars: self.sidecars.len()?,
            blob_sidecar_chunks: self.sidecar_chunks.len()?,
            data_columns: optional_len(self.columns.as_ref())?,
            data_column_chunks: optional_len(self.column_chunks.as_ref())?,
        })
    }
}

/// Opens `table` in `txn`; `None` when the database has no such table.
fn open_optional<K: redb::Key + 'static, V: redb::Value + 'static>(
    txn: &ReadTransaction,
    table: TableDefinition<'static, K, V>,
) -> Snap<Option<ReadOnlyTable<K, V>>> {
    match txn.open_table(table) {
        Ok(table) => Ok(Some(table)),
        Err(TableError::TableDoesNotExist(_)) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// The length of an optional table; zero when it does not exist.
fn optional_len(table: Option<&impl ReadableTableMetadata>) -> Snap<u64> {
    Ok(table
        .map(ReadableTableMetadata::len)
        .transpose()?
        .unwrap_or(0))
}

/// A slot index entry that names a block the store does not hold.
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
