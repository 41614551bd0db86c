//! Blobs from data columns (Fulu): a node that holds at least half of a block's columns
//! rebuilds every blob, and with it the blob sidecars the beacon API still serves.

use ssz_types::FixedVector;

use crate::block::Block;
use crate::column::Column;
use crate::containers::{BlobSidecar, NUMBER_OF_COLUMNS};
use crate::kzg::{self, KzgError};
use crate::merkle::commitment_inclusion_proof;
use crate::primitives::{BYTES_PER_BLOB, BYTES_PER_CELL, Blob, Cell};

/// The fewest columns a block's blobs can be rebuilt from: half of them.
pub const MIN_COLUMNS_TO_RECOVER: usize = (NUMBER_OF_COLUMNS / 2) as usize;

/// Why a block's blobs could not be rebuilt.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RecoverError {
    /// Fewer columns than [`MIN_COLUMNS_TO_RECOVER`] are held.
    #[error("only {held} of the {total} data columns are held; rebuilding blobs needs {needed}")]
    TooFewColumns {
        /// Distinct columns held.
        held: usize,
        /// [`MIN_COLUMNS_TO_RECOVER`].
        needed: usize,
        /// `NUMBER_OF_COLUMNS`.
        total: u64,
    },
    /// A column does not belong to the block or has the wrong number of cells.
    #[error("data column {index} does not match the block")]
    ColumnMismatch {
        /// The column's index.
        index: u64,
    },
    /// The KZG library refused the cells (they were verified when stored, so this is
    /// not expected).
    #[error("rebuilding the blobs failed: {0}")]
    Kzg(#[from] KzgError),
}

/// Rebuilds the blob sidecars of `block` from its data `columns` (verified, distinct
/// indices, any order): with all of the first 64 columns the blobs are read off them,
/// otherwise every blob's cells are recovered from at least 64 columns. Each sidecar
/// gets its blob KZG proof and commitment inclusion proof computed anew.
///
/// # Errors
///
/// [`RecoverError`]: too few columns, a column of another block, or a KZG failure.
pub fn blob_sidecars_from_columns(
    block: &Block,
    columns: &[Column],
) -> Result<Vec<BlobSidecar>, RecoverError> {
    let commitments = block.signed().blob_kzg_commitments();
    if commitments.is_empty() {
        return Ok(Vec::new());
    }
    let mut by_index: Vec<&Column> = columns.iter().collect();
    by_index.sort_by_key(|c| c.sidecar().index);
    by_index.dedup_by_key(|c| c.sidecar().index);
    if by_index.len() < MIN_COLUMNS_TO_RECOVER {
        return Err(RecoverError::TooFewColumns {
            held: by_index.len(),
            needed: MIN_COLUMNS_TO_RECOVER,
            total: NUMBER_OF_COLUMNS,
        });
    }
    for column in &by_index {
        let sidecar = column.sidecar();
        if column.block_root() != block.root() || sidecar.column.len() != commitments.len() {
            return Err(RecoverError::ColumnMismatch {
                index: sidecar.index,
            });
        }
    }
    // The first half of an extended blob's cells is the blob itself.
    let first_half = by_index
        .iter()
        .take(MIN_COLUMNS_TO_RECOVER)
        .enumerate()
        .all(|(position, c)| c.sidecar().index == position as u64);
    let header = block.signed_header();
    let mut sidecars = Vec::with_capacity(commitments.len());
    for (blob_index, commitment) in commitments.iter().enumerate() {
        let cells: Vec<&Cell> = by_index
            .iter()
            .map(|c| &c.sidecar().column[blob_index])
            .collect();
        let blob = if first_half {
            blob_of(&cells[..MIN_COLUMNS_TO_RECOVER])
        } else {
            let indices: Vec<u64> = by_index.iter().map(|c| c.sidecar().index).collect();
            let (all, _) = kzg::recover_cells_and_proofs(&indices, &cells)?;
            let refs: Vec<&Cell> = all.iter().take(MIN_COLUMNS_TO_RECOVER).collect();
            blob_of(&refs)
        };
        let blob = blob.ok_or(RecoverError::ColumnMismatch { index: 0 })?;
        let kzg_proof = kzg::compute_blob_proof(&blob, commitment)?;
        let proof = commitment_inclusion_proof(block.signed(), blob_index)
            .ok_or(RecoverError::ColumnMismatch { index: 0 })?;
        sidecars.push(BlobSidecar {
            index: blob_index as u64,
            blob,
            kzg_commitment: *commitment,
            kzg_proof,
            signed_block_header: header,
            kzg_commitment_inclusion_proof: FixedVector::new(proof)
                .map_err(|_| RecoverError::ColumnMismatch { index: 0 })?,
        });
    }
    Ok(sidecars)
}

/// The blob made of these 64 cells, in order (`None` for another number of cells).
fn blob_of(cells: &[&Cell]) -> Option<Blob> {
    let mut bytes = Vec::with_capacity(BYTES_PER_BLOB);
    for cell in cells {
        bytes.extend_from_slice(&cell.0);
    }
    Blob::new(bytes).ok()
}

const _: () = assert!(MIN_COLUMNS_TO_RECOVER * BYTES_PER_CELL == BYTES_PER_BLOB);
