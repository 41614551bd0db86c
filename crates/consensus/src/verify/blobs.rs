//! Checks of blob sidecars and data columns against their (signature-verified) block.
//!
//! In range sync the block arrives with its sidecars, so a sidecar is checked against the
//! block rather than on its own: its header must be the block's header and carry the
//! block's signature (which the segment's batch verifies), its commitment must be the
//! block's, and its inclusion proof must lead to the block's body root. KZG proofs are
//! left to the caller so that a whole segment's blobs go into one batch.
//!
//! [`verify_blob_sidecar`] and [`verify_data_column`] check a sidecar alone, as gossip
//! would: the header signature against the proposer's key, the inclusion proof and KZG.

use tree_hash::TreeHash;

use super::error::VerifyError;
use super::proposers::Proposers;
use crate::block::Block;
use crate::bls;
use crate::config::ChainConfig;
use crate::containers::{
    BlobSidecar, DataColumnSidecar, NUMBER_OF_COLUMNS, SignedBeaconBlockHeader,
};
use crate::kzg;
use crate::merkle::{verify_commitment_inclusion, verify_commitments_inclusion};
use crate::sidecar::Sidecar;

/// Checks `sidecars` against `block`, all but their KZG proofs: count, index order,
/// header, header signature, commitment and inclusion proof.
///
/// # Errors
/// The first failure found.
pub fn check_blob_sidecars(block: &Block, sidecars: &[Sidecar]) -> Result<(), VerifyError> {
    let slot = block.signed().slot();
    let commitments = block.signed().blob_kzg_commitments();
    if sidecars.len() != commitments.len() {
        return Err(VerifyError::SidecarCount {
            slot,
            got: sidecars.len(),
            expected: commitments.len(),
        });
    }
    let header = block.signed_header();
    for (position, (sidecar, commitment)) in sidecars.iter().zip(commitments).enumerate() {
        let sidecar = sidecar.sidecar();
        let index = sidecar.index;
        if usize::try_from(index).ok() != Some(position) {
            return Err(VerifyError::SidecarIndexOutOfRange { slot, index });
        }
        check_header(&sidecar.signed_block_header, &header, slot, index)?;
        if sidecar.kzg_commitment != *commitment {
            return Err(VerifyError::CommitmentMismatch { slot, index });
        }
        if !verify_commitment_inclusion(
            &sidecar.kzg_commitment,
            index,
            &sidecar.kzg_commitment_inclusion_proof,
            block.body_root(),
        ) {
            return Err(VerifyError::InclusionProofInvalid { slot, index });
        }
    }
    Ok(())
}

/// Checks a data column against `block`, all but its cell proofs: structure, header,
/// header signature, commitments and the commitments' inclusion proof.
///
/// # Errors
/// The first failure found.
pub fn check_data_column(block: &Block, column: &DataColumnSidecar) -> Result<(), VerifyError> {
    let slot = block.signed().slot();
    check_column_structure(column, slot)?;
    check_header(
        &column.signed_block_header,
        &block.signed_header(),
        slot,
        column.index,
    )?;
    if &column.kzg_commitments[..] != block.signed().blob_kzg_commitments() {
        return Err(VerifyError::CommitmentMismatch {
            slot,
            index: column.index,
        });
    }
    check_column_inclusion(column, slot)
}

/// Verifies the cell proofs of `columns` (all of one block's slot) in one batch.
///
/// # Errors
/// [`VerifyError::KzgProofInvalid`] naming the first bad column.
pub fn verify_column_cells(columns: &[&DataColumnSidecar], slot: u64) -> Result<(), VerifyError> {
    let mut commitments = Vec::new();
    let mut cell_indices = Vec::new();
    let mut cells = Vec::new();
    let mut proofs = Vec::new();
    let mut owner = Vec::new();
    for column in columns {
        for ((cell, commitment), proof) in column
            .column
            .iter()
            .zip(column.kzg_commitments.iter())
            .zip(column.kzg_proofs.iter())
        {
            commitments.push(*commitment);
            cell_indices.push(column.index);
            cells.push(cell);
            proofs.push(*proof);
            owner.push(column.index);
        }
    }
    kzg::verify_cell_proofs(&commitments, &cell_indices, &cells, &proofs).map_err(|error| {
        let index = error
            .invalid_indices()
            .and_then(|bad| bad.first())
            .and_then(|first| owner.get(*first))
            .or(owner.first())
            .copied()
            .unwrap_or_default();
        VerifyError::KzgProofInvalid { slot, index }
    })
}

/// Verifies a blob sidecar on its own: index bound, inclusion proof, header signature
/// against the proposer's key, and its KZG proof.
///
/// # Errors
/// The first failure found.
pub fn verify_blob_sidecar(
    sidecar: &BlobSidecar,
    config: &ChainConfig,
    proposers: &Proposers,
) -> Result<(), VerifyError> {
    let header = &sidecar.signed_block_header;
    let slot = header.message.slot;
    let index = sidecar.index;
    let max_blobs = config.max_blobs_per_block_at_epoch(config.slot_to_epoch(slot));
    if index >= max_blobs {
        return Err(VerifyError::SidecarIndexOutOfRange { slot, index });
    }
    if !verify_commitment_inclusion(
        &sidecar.kzg_commitment,
        index,
        &sidecar.kzg_commitment_inclusion_proof,
        header.message.body_root,
    ) {
        return Err(VerifyError::InclusionProofInvalid { slot, index });
    }
    verify_header_signature(header, config, proposers, index)?;
    kzg::verify_blob_proofs(
        &[&sidecar.blob],
        &[sidecar.kzg_commitment],
        &[sidecar.kzg_proof],
    )
    .map_err(|_| VerifyError::KzgProofInvalid { slot, index })
}

/// Verifies a data column on its own: structure, inclusion proof, header signature against
/// the proposer's key, and its cell proofs.
///
/// # Errors
/// The first failure found.
pub fn verify_data_column(
    column: &DataColumnSidecar,
    config: &ChainConfig,
    proposers: &Proposers,
) -> Result<(), VerifyError> {
    let slot = column.signed_block_header.message.slot;
    check_column_structure(column, slot)?;
    check_column_inclusion(column, slot)?;
    verify_header_signature(&column.signed_block_header, config, proposers, column.index)?;
    verify_column_cells(&[column], slot)
}

fn check_header(
    got: &SignedBeaconBlockHeader,
    block: &SignedBeaconBlockHeader,
    slot: u64,
    index: u64,
) -> Result<(), VerifyError> {
    if got.message != block.message {
        return Err(VerifyError::SidecarHeaderMismatch { slot, index });
    }
    if got.signature != block.signature {
        return Err(VerifyError::SidecarHeaderSignatureInvalid { slot, index });
    }
    Ok(())
}

fn check_column_structure(column: &DataColumnSidecar, slot: u64) -> Result<(), VerifyError> {
    let cells = column.column.len();
    if column.index >= NUMBER_OF_COLUMNS
        || cells == 0
        || column.kzg_commitments.len() != cells
        || column.kzg_proofs.len() != cells
    {
        return Err(VerifyError::ColumnStructureInvalid {
            slot,
            index: column.index,
        });
    }
    Ok(())
}

fn check_column_inclusion(column: &DataColumnSidecar, slot: u64) -> Result<(), VerifyError> {
    if verify_commitments_inclusion(
        column.kzg_commitments.tree_hash_root(),
        &column.kzg_commitments_inclusion_proof,
        column.signed_block_header.message.body_root,
    ) {
        Ok(())
    } else {
        Err(VerifyError::InclusionProofInvalid {
            slot,
            index: column.index,
        })
    }
}

fn verify_header_signature(
    header: &SignedBeaconBlockHeader,
    config: &ChainConfig,
    proposers: &Proposers,
    index: u64,
) -> Result<(), VerifyError> {
    let slot = header.message.slot;
    let proposer_index = header.message.proposer_index;
    let pubkey = proposers
        .get(proposer_index)
        .ok_or(VerifyError::UnknownProposer {
            slot,
            proposer_index,
            validators: proposers.len(),
        })?;
    let signing_root = config.proposer_signing_root(slot, header.message.tree_hash_root());
    if bls::verify_single(pubkey, signing_root, &header.signature) {
        Ok(())
    } else {
        Err(VerifyError::SidecarHeaderSignatureInvalid { slot, index })
    }
}
