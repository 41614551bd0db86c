//! Verifying the data columns of a range as they arrive, before the range reaches the
//! queue: every column against its block (header, signature bytes, commitments, inclusion
//! proof), then the cell proofs of all of them in one batch per core.

use sync_types::{ColumnRejection, Slot, VerifierFault};

use super::blobs::check_data_column;
use super::error::VerifyError;
use crate::block::Block;
use crate::column::Column;
use crate::kzg;

/// Verifies `columns[i]` against `blocks[i]`, all cell proofs in one batch per core.
///
/// # Errors
/// [`ColumnRejection::Invalid`] naming every bad column by `(slot, index)`, in the order
/// found; [`ColumnRejection::Fault`] when the KZG library itself failed.
pub fn verify_columns(blocks: &[Block], columns: &[Vec<Column>]) -> Result<(), ColumnRejection> {
    let bad = find_bad_columns(blocks, columns)?;
    if bad.is_empty() {
        Ok(())
    } else {
        let bad = bad
            .into_iter()
            .map(|(slot, index, _)| (slot, index))
            .collect();
        Err(ColumnRejection::Invalid { bad })
    }
}

/// Every column of `columns[i]` that fails against `blocks[i]`, with the check it failed:
/// structure, header, commitments or inclusion proof first, then the cell proofs of the
/// others in one batch per core.
///
/// # Errors
/// [`VerifierFault::Overloaded`] when the KZG library itself failed.
pub fn find_bad_columns(
    blocks: &[Block],
    columns: &[Vec<Column>],
) -> Result<Vec<(Slot, u64, VerifyError)>, VerifierFault> {
    let mut bad: Vec<(Slot, u64, VerifyError)> = Vec::new();
    let mut commitments = Vec::new();
    let mut cell_indices = Vec::new();
    let mut cells = Vec::new();
    let mut proofs = Vec::new();
    let mut owners: Vec<(u64, u64)> = Vec::new();
    for (block, group) in blocks.iter().zip(columns) {
        let slot = block.signed().slot();
        for column in group {
            let sidecar = column.sidecar();
            if let Err(error) = check_data_column(block, sidecar) {
                bad.push((Slot(slot), sidecar.index, error));
                continue;
            }
            for ((cell, commitment), proof) in sidecar
                .column
                .iter()
                .zip(sidecar.kzg_commitments.iter())
                .zip(sidecar.kzg_proofs.iter())
            {
                commitments.push(*commitment);
                cell_indices.push(sidecar.index);
                cells.push(cell);
                proofs.push(*proof);
                owners.push((slot, sidecar.index));
            }
        }
    }
    if let Err(error) = kzg::verify_cell_proofs(&commitments, &cell_indices, &cells, &proofs) {
        let Some(indices) = error.invalid_indices() else {
            return Err(VerifierFault::Overloaded);
        };
        for &(slot, index) in indices.iter().filter_map(|i| owners.get(*i)) {
            if !bad.iter().any(|(s, i, _)| *s == Slot(slot) && *i == index) {
                bad.push((
                    Slot(slot),
                    index,
                    VerifyError::KzgProofInvalid { slot, index },
                ));
            }
        }
    }
    Ok(bad)
}
