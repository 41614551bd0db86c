//! The data column sidecar as the sync carries it: shared, with its block root computed
//! once.

use std::sync::Arc;

use ssz::{Decode, Encode};
use tree_hash::TreeHash;

use crate::containers::DataColumnSidecar;
use crate::primitives::{Hash256, to_root};

/// A `DataColumnSidecar` that could not be decoded.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("invalid data column sidecar ({len} bytes): {detail:?}")]
pub struct ColumnDecodeError {
    /// The input length.
    pub len: usize,
    /// What the SSZ decoder found.
    pub detail: ssz::DecodeError,
}

/// A decoded data column sidecar with the root of its block header computed once.
///
/// Cloning is cheap (the cells are shared).
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    inner: Arc<DataColumnSidecar>,
    block_root: Hash256,
}

impl Column {
    /// Wraps `column`, computing its block root.
    pub fn new(column: DataColumnSidecar) -> Column {
        let block_root = column.signed_block_header.message.tree_hash_root();
        Column {
            inner: Arc::new(column),
            block_root,
        }
    }

    /// Decodes a `DataColumnSidecar`.
    ///
    /// # Errors
    /// [`ColumnDecodeError`] when the bytes are not a data column sidecar.
    pub fn from_ssz_bytes(bytes: &[u8]) -> Result<Column, ColumnDecodeError> {
        DataColumnSidecar::from_ssz_bytes(bytes)
            .map(Column::new)
            .map_err(|detail| ColumnDecodeError {
                len: bytes.len(),
                detail,
            })
    }

    /// The SSZ encoding.
    pub fn as_ssz_bytes(&self) -> Vec<u8> {
        self.inner.as_ssz_bytes()
    }

    /// The column sidecar.
    pub fn sidecar(&self) -> &DataColumnSidecar {
        &self.inner
    }

    /// The hash tree root of the `DataColumnSidecar` itself, computed on each call.
    pub fn root(&self) -> Hash256 {
        self.inner.tree_hash_root()
    }

    /// The root of the block the column claims to belong to.
    pub fn block_root(&self) -> Hash256 {
        self.block_root
    }
}

impl sync_types::ColumnView for Column {
    fn slot(&self) -> sync_types::Slot {
        sync_types::Slot(self.inner.signed_block_header.message.slot)
    }

    fn index(&self) -> u64 {
        self.inner.index
    }

    fn block_root(&self) -> sync_types::Root {
        to_root(self.block_root)
    }

    fn cell_count(&self) -> u64 {
        self.inner.column.len() as u64
    }
}
