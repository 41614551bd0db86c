//! Data column sidecars (Fulu, PeerDAS) by block root and by range.
//!
//! A Fulu segment's columns are committed with its blocks, in the same transaction, keyed
//! by (block root, column index): a node stores the columns it samples, so a block may
//! have any subset of the 128 columns, or none (no blobs, or synced before columns were
//! stored). Each record keeps the fork of its layout and the SSZ length; the SSZ is
//! chunked like a blob sidecar's (see [`crate::schema`]).
//!
//! Range reads serve `DataColumnSidecarsByRange`: they walk the slot index of the stored
//! chain like the blob sidecar reads, and for each block take the requested columns it
//! holds, in index order, going by whole blocks under the soft bounds (see
//! [`crate::range`]). A block's column records are scanned and filtered by the
//! requested set: at most 128 small records per block, read before any chunk.

use consensus::Column;
use consensus::Fork;
use consensus::primitives::Hash256;
use sync_types::ColumnSet;

use crate::anchors::BlockId;
use crate::error::StoreError;
use crate::range::{Limits, RangePage, span, whole_blocks};
use crate::reader::StoreReader;

type Result<T> = std::result::Result<T, StoreError>;

/// A stored data column sidecar as its SSZ bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredColumn {
    /// The root and slot of its block.
    pub block: BlockId,
    /// The column index.
    pub index: u64,
    /// The fork of its layout, its block's (with the slot, gives the context bytes on the
    /// wire).
    pub fork: Fork,
    /// SSZ `DataColumnSidecar`.
    pub ssz: Vec<u8>,
}

impl StoreReader {
    /// The stored data columns of block `root`, in column index order; empty when none is
    /// stored.
    ///
    /// # Errors
    /// Database failures and corrupt records.
    pub fn columns(&self, root: Hash256) -> Result<Vec<Column>> {
        // The slot is not needed to find them; zero stands in.
        let block = BlockId { root, slot: 0 };
        let stored = self.read("columns", |s| {
            s.column_records(&root)?
                .into_iter()
                .map(|record| s.column_ssz(block, record))
                .collect::<std::result::Result<Vec<_>, _>>()
        })?;
        stored.iter().map(decode_column).collect()
    }

    /// Data column `index` of block `root`, if it is stored.
    ///
    /// # Errors
    /// Database failures and corrupt records.
    pub fn column(&self, root: Hash256, index: u64) -> Result<Option<Column>> {
        let block = BlockId { root, slot: 0 };
        let stored = self.read("column", |s| {
            let record = s.column_record(&root, index)?;
            record.map(|record| s.column_ssz(block, record)).transpose()
        })?;
        stored.as_ref().map(decode_column).transpose()
    }

    /// The indices of the data columns stored for block `root` (empty when none is),
    /// from their records alone.
    ///
    /// # Errors
    /// Database failures and corrupt records.
    pub fn column_indices(&self, root: Hash256) -> Result<ColumnSet> {
        let records = self.read("column_indices", |s| s.column_records(&root))?;
        Ok(records.iter().map(|record| record.index).collect())
    }

    /// The data columns with an index in `columns` of the stored chain's blocks in slots
    /// `start..start + count`, by slot then column index, as stored bytes: the columns
    /// the store holds of those asked for (indices it holds none of are left out, as are
    /// repeated or out-of-range ones). At most `max_items` columns. The answer ends at a
    /// whole block before the block whose columns would take it past `max_bytes` of SSZ
    /// or past
    /// [`StoreConfig::max_data_column_sidecars_per_query`](crate::StoreConfig::max_data_column_sidecars_per_query),
    /// or past `max_items`; the first block's columns are always returned (only
    /// `max_items` may cut them). The slot span is cut like
    /// [`StoreReader::blocks_ssz_by_range_within`].
    ///
    /// # Errors
    /// Database failures and corrupt records.
    pub fn data_column_sidecars_ssz_by_range_within(
        &self,
        start: u64,
        count: u64,
        columns: &[u64],
        max_items: usize,
        max_bytes: usize,
    ) -> Result<RangePage<StoredColumn>> {
        let wanted: ColumnSet = columns.iter().copied().collect();
        let config = self.config();
        let slots = span(start, count, config.max_slots_per_query);
        let limits = Limits {
            max_items,
            max_bytes,
            max_per_query: config.max_data_column_sidecars_per_query,
        };
        self.read("data_column_sidecars_by_range", |s| {
            whole_blocks(
                s,
                slots,
                limits,
                |s, root| {
                    let records = s.column_records(root)?.into_iter();
                    Ok(records
                        .filter(|record| wanted.contains(record.index))
                        .map(|record| (record, record.len))
                        .collect())
                },
                |s, block, record, _| s.column_ssz(block, *record),
            )
        })
    }

    /// The data columns with an index in `columns` of the stored chain's blocks in slots
    /// `start..start + count` (count capped like [`StoreReader::blocks_ssz_by_range`]),
    /// by slot then column index, as stored bytes. At most
    /// [`StoreConfig::max_data_column_sidecars_per_query`](crate::StoreConfig::max_data_column_sidecars_per_query)
    /// columns, ending at a whole block (the first block's are always included).
    ///
    /// # Errors
    /// Database failures and corrupt records.
    pub fn data_column_sidecars_ssz_by_range(
        &self,
        start: u64,
        count: u64,
        columns: &[u64],
    ) -> Result<Vec<StoredColumn>> {
        let page = self.data_column_sidecars_ssz_by_range_within(
            start,
            count,
            columns,
            usize::MAX,
            usize::MAX,
        )?;
        Ok(page.items)
    }

    /// Like [`StoreReader::data_column_sidecars_ssz_by_range`], decoded.
    ///
    /// # Errors
    /// Database failures and corrupt records.
    pub fn data_column_sidecars_by_range(
        &self,
        start: u64,
        count: u64,
        columns: &[u64],
    ) -> Result<Vec<Column>> {
        self.data_column_sidecars_ssz_by_range(start, count, columns)?
            .iter()
            .map(decode_column)
            .collect()
    }
}

/// Decodes a stored column, checking that it is the column its key names.
pub(crate) fn decode_column(stored: &StoredColumn) -> Result<Column> {
    let corrupt = |detail: String| StoreError::CorruptRecord {
        table: "data_columns",
        key: format!("{}/{}", stored.block.root, stored.index),
        detail,
    };
    let column = Column::from_ssz_bytes(&stored.ssz).map_err(|e| corrupt(e.to_string()))?;
    if column.block_root() != stored.block.root || column.sidecar().index != stored.index {
        return Err(corrupt(format!(
            "the stored column is index {} of block {}",
            column.sidecar().index,
            column.block_root()
        )));
    }
    Ok(column)
}
