//! The write path's two halves: checking and encoding a block with its blob sidecars and
//! data columns ([`prepare`], before the write lock is taken), and writing prepared
//! blocks with the anchors into one write transaction ([`write_blocks`]).
//!
//! Blob sidecars and data columns are checked the same way: each must name the block it
//! is given with, and their indices must rise strictly (two records under one key would
//! leave the first one's chunks behind). A column index must also be below
//! `NUMBER_OF_COLUMNS`, so every stored column can be asked for by range.

use consensus::config::ChainConfig;
use consensus::{Block, Column, Fork, Sidecar};
use sync_types::NUMBER_OF_COLUMNS;

use crate::anchors::Anchors;
use crate::chunks;
use crate::error::{Failure, StoreError};
use crate::schema::{
    self, BLOB_SIDECAR_CHUNKS, BLOB_SIDECARS, BLOCK_CHUNKS, BLOCKS, CANONICAL_SLOTS,
    DATA_COLUMN_CHUNKS, DATA_COLUMNS, META,
};
use crate::segment::Link;

/// A blob sidecar or data column ready to be written.
pub(crate) struct Encoded {
    /// The blob or column index.
    pub(crate) index: u64,
    /// The SSZ length, checked to fit the record.
    pub(crate) len: u32,
    /// The SSZ.
    pub(crate) ssz: Vec<u8>,
}

/// A block ready to be written: its identity, fork and SSZ, and its sidecars and columns,
/// with their lengths checked to fit the records.
pub(crate) struct Prepared {
    pub(crate) link: Link,
    pub(crate) fork: Fork,
    pub(crate) ssz: Vec<u8>,
    pub(crate) len: u32,
    pub(crate) sidecars: Vec<Encoded>,
    pub(crate) columns: Vec<Encoded>,
}

impl Prepared {
    /// The SSZ bytes of the block, its sidecars and its columns.
    pub(crate) fn bytes(&self) -> usize {
        let children = self.sidecars.iter().chain(&self.columns);
        children.fold(self.ssz.len(), |sum, child| sum + child.ssz.len())
    }
}

/// Checks `block` against the chain's fork schedule and `sidecars` and `columns` against
/// the block, and encodes them.
pub(crate) fn prepare(
    chain: &ChainConfig,
    block: &Block,
    sidecars: Option<&[Sidecar]>,
    columns: Option<&[Column]>,
) -> Result<Prepared, StoreError> {
    let signed = block.signed();
    let slot = signed.slot();
    let expected = chain.fork_at_slot(slot);
    if signed.fork() != expected {
        return Err(StoreError::WrongFork {
            slot,
            got: signed.fork(),
            expected,
        });
    }
    let root = block.root();
    let sidecars = sidecars
        .unwrap_or_default()
        .iter()
        .map(|sidecar| {
            let index = sidecar.sidecar().index;
            if sidecar.block_root() != root {
                let got = sidecar.block_root();
                return Err(StoreError::SidecarMismatch {
                    index,
                    expected: root,
                    got,
                });
            }
            encode(index, "blob sidecar", sidecar.as_ssz_bytes())
        })
        .collect::<Result<Vec<_>, _>>()?;
    check_order(&sidecars, |index, previous| StoreError::SidecarOrder {
        root,
        index,
        previous,
    })?;
    let columns = columns
        .unwrap_or_default()
        .iter()
        .map(|column| {
            let index = column.sidecar().index;
            if column.block_root() != root {
                let got = column.block_root();
                return Err(StoreError::ColumnMismatch {
                    index,
                    expected: root,
                    got,
                });
            }
            if index >= NUMBER_OF_COLUMNS {
                return Err(StoreError::ColumnIndex { root, index });
            }
            encode(index, "data column", column.as_ssz_bytes())
        })
        .collect::<Result<Vec<_>, _>>()?;
    check_order(&columns, |index, previous| StoreError::ColumnOrder {
        root,
        index,
        previous,
    })?;
    let ssz = signed.as_ssz_bytes();
    Ok(Prepared {
        link: Link {
            root,
            parent_root: signed.parent_root(),
            slot,
        },
        fork: signed.fork(),
        len: record_len("block", &ssz)?,
        ssz,
        sidecars,
        columns,
    })
}

fn encode(index: u64, what: &'static str, ssz: Vec<u8>) -> Result<Encoded, StoreError> {
    Ok(Encoded {
        index,
        len: record_len(what, &ssz)?,
        ssz,
    })
}

/// Refuses indices that do not rise strictly, with `error(index, previous)`.
fn check_order(
    encoded: &[Encoded],
    error: impl Fn(u64, u64) -> StoreError,
) -> Result<(), StoreError> {
    for pair in encoded.windows(2) {
        if let [previous, next] = pair
            && next.index <= previous.index
        {
            return Err(error(next.index, previous.index));
        }
    }
    Ok(())
}

/// The length of a record, which must fit its u32 length field.
fn record_len(what: &'static str, ssz: &[u8]) -> Result<u32, StoreError> {
    u32::try_from(ssz.len()).map_err(|_| StoreError::RecordTooLarge {
        what,
        len: ssz.len(),
    })
}

/// Writes blocks, their slots, their sidecars and columns and the anchors into `txn`.
pub(crate) fn write_blocks(
    txn: &redb::WriteTransaction,
    prepared: &[Prepared],
    anchors: &Anchors,
) -> Result<(), Failure> {
    {
        let mut blocks = txn.open_table(BLOCKS)?;
        let mut block_chunks = txn.open_table(BLOCK_CHUNKS)?;
        let mut slots = txn.open_table(CANONICAL_SLOTS)?;
        for block in prepared {
            let root: &[u8; 32] = &block.link.root.0;
            blocks.insert(
                root,
                schema::encode_record(block.fork, block.len).as_slice(),
            )?;
            for (number, chunk) in chunks::split(&block.ssz) {
                block_chunks.insert((root, number), chunk)?;
            }
            slots.insert(block.link.slot, root)?;
        }
    }
    write_block_data(txn, prepared)?;
    let mut meta = txn.open_table(META)?;
    schema::write_anchors(&mut meta, anchors)?;
    Ok(())
}

/// Writes the blob sidecars and data columns of `prepared` (not the blocks themselves)
/// into `txn`.
///
/// Opening the column tables here creates them in a database written before they
/// existed (see [`crate::schema`]), inside the same transaction.
pub(crate) fn write_block_data(
    txn: &redb::WriteTransaction,
    prepared: &[Prepared],
) -> Result<(), Failure> {
    let mut sidecars = txn.open_table(BLOB_SIDECARS)?;
    let mut sidecar_chunks = txn.open_table(BLOB_SIDECAR_CHUNKS)?;
    let mut columns = txn.open_table(DATA_COLUMNS)?;
    let mut column_chunks = txn.open_table(DATA_COLUMN_CHUNKS)?;
    for block in prepared {
        let root: &[u8; 32] = &block.link.root.0;
        for sidecar in &block.sidecars {
            sidecars.insert((root, sidecar.index), sidecar.len)?;
            for (number, chunk) in chunks::split(&sidecar.ssz) {
                sidecar_chunks.insert((root, sidecar.index, number), chunk)?;
            }
        }
        for column in &block.columns {
            let record = schema::encode_record(block.fork, column.len);
            columns.insert((root, column.index), record.as_slice())?;
            for (number, chunk) in chunks::split(&column.ssz) {
                column_chunks.insert((root, column.index, number), chunk)?;
            }
        }
    }
    Ok(())
}
