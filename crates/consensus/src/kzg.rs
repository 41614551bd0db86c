//! KZG checks for blobs (EIP-4844) and Fulu cells (EIP-7594), on top of `c-kzg`.
//!
//! A block's blobs are trusted only once their KZG proofs verify against the commitments the
//! block carries. This module wraps `c-kzg` so that the rest of the crate works on its own
//! byte types ([`Blob`], [`Cell`], [`KzgCommitment`], [`KzgProof`]) and gets typed errors.
//!
//! # Batch first, then find the culprits
//!
//! [`verify_blob_proofs`] and [`verify_cell_proofs`] make one batch call for all their items:
//! a batch of `n` blob proofs costs far less than `n` single checks, because the pairings are
//! shared through a random linear combination. Only when the batch fails do they check item by
//! item, so that the error names every bad position and the caller can blame the right peer.
//!
//! `c-kzg` reports a bad input in two ways: it returns `false` (the proof is a valid point but
//! the wrong one), or it returns `C_KZG_BADARGS` (a proof or commitment that is not a point of
//! the prime-order subgroup, a blob holding a field element that is not canonical, a cell index
//! out of range). Both mean that the data is invalid, and both end up in
//! [`KzgError::InvalidBlobProofs`] / [`KzgError::InvalidCellProofs`]. `C_KZG_ERROR` and
//! `C_KZG_MALLOC` are failures of the library itself and become [`KzgError::Internal`].
//!
//! # Trusted setup
//!
//! The mainnet trusted setup is compiled into `c-kzg` and parsed on first use (about 2 s),
//! then kept for the life of the process (`c_kzg::ethereum_kzg_settings` caches it in a
//! `OnceLock`). Call [`preload_trusted_setup`] at start-up to pay that cost before the first
//! verification. We load it with precompute [`PRECOMPUTE`] = 0: the precomputed tables speed
//! up only the FK20 cell-proof *computation* (devnet building, blob recovery), never
//! verification, and they cost 96 MiB at the usual setting of 8.
//!
//! # Copies
//!
//! `c-kzg` wants its items in contiguous arrays of its own types, so each call copies the
//! blobs (128 KiB each) and cells (2 KiB each) once. A copy takes microseconds, against about
//! a millisecond per blob for the verification itself; callers bound the batch size.

use std::slice;

use c_kzg::{Bytes48, CkzgError, KzgSettings};
use thiserror::Error;

use crate::primitives::{BYTES_PER_BLOB, Blob, Cell, Hash256, KzgCommitment, KzgProof};

/// `CELLS_PER_EXT_BLOB`: the number of cells (and columns) of an extended blob.
pub const CELLS_PER_EXT_BLOB: usize = c_kzg::CELLS_PER_EXT_BLOB;

/// The version byte of a versioned hash made from a KZG commitment.
pub const VERSIONED_HASH_VERSION_KZG: u8 = 0x01;

/// The precompute setting used to load the trusted setup (see the module docs).
pub const PRECOMPUTE: u64 = 0;

/// Why a KZG operation failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KzgError {
    /// Parallel input lists of a batch call have different lengths.
    #[error("{list} has {got} items but {reference} has {expected}")]
    LengthMismatch {
        /// The list whose length is wrong.
        list: &'static str,
        /// Its length.
        got: usize,
        /// The list it was compared with.
        reference: &'static str,
        /// The length of that list.
        expected: usize,
    },
    /// Some blob proofs do not verify; `indices` are their positions in the input, ascending.
    #[error("invalid blob KZG proofs at positions {indices:?}")]
    InvalidBlobProofs {
        /// Every position whose blob, commitment or proof is bad.
        indices: Vec<usize>,
    },
    /// Some cell proofs do not verify; `indices` are their positions in the input, ascending.
    #[error("invalid cell KZG proofs at positions {indices:?}")]
    InvalidCellProofs {
        /// Every position whose cell, cell index, commitment or proof is bad.
        indices: Vec<usize>,
    },
    /// `c-kzg` rejected the input of a computation (a field element that is not canonical, a
    /// commitment that is not a point, too few or repeated cells for a recovery).
    #[error("c-kzg rejected the input of {operation}")]
    InvalidInput {
        /// The `c-kzg` operation that was called.
        operation: &'static str,
    },
    /// `c-kzg` failed for a reason that is not about the input.
    #[error("c-kzg failed in {operation}: {reason}")]
    Internal {
        /// The `c-kzg` operation that was called.
        operation: &'static str,
        /// What went wrong.
        reason: &'static str,
    },
}

impl KzgError {
    /// Whether the data handed in is to blame (invalid proofs or input), rather than the
    /// library. Length mismatches count: the lists come from the same peer's sidecars.
    pub fn is_invalid_data(&self) -> bool {
        !matches!(self, Self::Internal { .. })
    }

    /// The positions named as bad by a failed verification, if this is one.
    pub fn invalid_indices(&self) -> Option<&[usize]> {
        match self {
            Self::InvalidBlobProofs { indices } | Self::InvalidCellProofs { indices } => {
                Some(indices)
            }
            _ => None,
        }
    }
}

/// Loads the mainnet trusted setup now if it is not loaded yet (about 2 s the first time,
/// free afterwards). Every function here loads it on first use anyway.
pub fn preload_trusted_setup() {
    settings();
}

fn settings() -> &'static KzgSettings {
    c_kzg::ethereum_kzg_settings(PRECOMPUTE)
}

/// How one `c-kzg` call ended, with the input-versus-library distinction made explicit.
enum Outcome {
    Valid,
    Invalid,
    Internal(&'static str),
}

fn outcome(result: Result<bool, c_kzg::Error>) -> Outcome {
    match result {
        Ok(true) => Outcome::Valid,
        Ok(false) => Outcome::Invalid,
        Err(err) => match internal_reason(&err) {
            Some(reason) => Outcome::Internal(reason),
            None => Outcome::Invalid,
        },
    }
}

/// `Some(reason)` when the error is the library's fault, `None` when it is about the input.
fn internal_reason(err: &c_kzg::Error) -> Option<&'static str> {
    match err {
        c_kzg::Error::CError(CkzgError::C_KZG_ERROR) => Some("internal error"),
        c_kzg::Error::CError(CkzgError::C_KZG_MALLOC) => Some("out of memory"),
        c_kzg::Error::InvalidTrustedSetup(_) | c_kzg::Error::LoadingTrustedSetupFailed(_) => {
            Some("bad trusted setup")
        }
        _ => None,
    }
}

fn map_err(operation: &'static str) -> impl Fn(c_kzg::Error) -> KzgError {
    move |err| match internal_reason(&err) {
        Some(reason) => KzgError::Internal { operation, reason },
        None => KzgError::InvalidInput { operation },
    }
}

fn check_len(
    list: &'static str,
    got: usize,
    reference: &'static str,
    expected: usize,
) -> Result<(), KzgError> {
    if got == expected {
        Ok(())
    } else {
        Err(KzgError::LengthMismatch {
            list,
            got,
            reference,
            expected,
        })
    }
}

// Our blob and c-kzg's have the same size, so copying one into the other cannot fail.
const _: () = assert!(BYTES_PER_BLOB == c_kzg::BYTES_PER_BLOB);

/// Copies blobs into c-kzg's type, straight into a heap buffer.
///
/// A c-kzg blob is a 128 KiB value. Building them with `c_kzg::Blob::from_bytes` and collecting
/// through iterator adapters put several such temporaries on the stack in unoptimised builds
/// and overflowed a 2 MiB thread stack (the default of test threads and tokio workers). Here
/// at most one zeroed blob passes through the stack per element.
fn to_ckzg_blobs(blobs: &[&Blob]) -> Vec<c_kzg::Blob> {
    let mut out = Vec::with_capacity(blobs.len());
    for blob in blobs {
        out.push(c_kzg::Blob::default());
        if let Some(slot) = out.last_mut() {
            // Same length on both sides, asserted at compile time above.
            slot.copy_from_slice(blob);
        }
    }
    out
}

/// Copies one blob into c-kzg's type on the heap (see [`to_ckzg_blobs`] for why).
fn to_boxed_ckzg_blob(blob: &Blob) -> Box<c_kzg::Blob> {
    let mut boxed = Box::new(c_kzg::Blob::default());
    boxed.copy_from_slice(blob);
    boxed
}

fn to_ckzg_cells(cells: &[&Cell]) -> Vec<c_kzg::Cell> {
    cells.iter().map(|cell| c_kzg::Cell::new(cell.0)).collect()
}

fn to_bytes48(bytes: &crate::primitives::FixedBytes<48>) -> Bytes48 {
    Bytes48::new(bytes.0)
}

/// Collects the positions whose single check failed, or returns the first library failure.
fn find_invalid(
    operation: &'static str,
    checks: impl Iterator<Item = Result<bool, c_kzg::Error>>,
) -> Result<Vec<usize>, KzgError> {
    let mut indices = Vec::new();
    for (position, check) in checks.enumerate() {
        match outcome(check) {
            Outcome::Valid => {}
            Outcome::Invalid => indices.push(position),
            Outcome::Internal(reason) => return Err(KzgError::Internal { operation, reason }),
        }
    }
    if indices.is_empty() {
        // A random-linear-combination batch can only fail if some item fails, so this is the
        // library misbehaving rather than the data.
        return Err(KzgError::Internal {
            operation,
            reason: "the batch failed but every item verified alone",
        });
    }
    Ok(indices)
}

/// The name of the threads [`verify_blob_proofs`] checks blobs on (so that profiles and
/// the bench's CPU accounting can tell their time apart).
pub const KZG_THREAD_NAME: &str = "kzg-verify";

/// Verifies blob KZG proofs in one batch: `proofs[i]` must prove `blobs[i]` against
/// `commitments[i]`. The blobs are split over all cores, on threads named
/// [`KZG_THREAD_NAME`].
///
/// On failure every bad position is named in [`KzgError::InvalidBlobProofs`]; a proof or
/// commitment that is not a valid point counts as bad. An empty batch is valid.
/// CPU-bound and blocking (the first call also loads the trusted setup, seconds): from
/// async code, call it inside `tokio::task::spawn_blocking`.
///
/// # Errors
///
/// [`KzgError::LengthMismatch`] if the three lists differ in length,
/// [`KzgError::InvalidBlobProofs`] if any item is bad, [`KzgError::Internal`] if `c-kzg` fails.
pub fn verify_blob_proofs(
    blobs: &[&Blob],
    commitments: &[KzgCommitment],
    proofs: &[KzgProof],
) -> Result<(), KzgError> {
    check_len("commitments", commitments.len(), "blobs", blobs.len())?;
    check_len("proofs", proofs.len(), "blobs", blobs.len())?;
    if blobs.is_empty() {
        // Nothing to check: no thread to start (a blob-free segment is the common case).
        return Ok(());
    }
    // One batch per core: c-kzg's batch check runs on one thread, and a segment's blobs
    // are independent, so splitting them keeps the random-linear-combination check per
    // part and uses both cores.
    in_parts(
        blobs.len(),
        MIN_BLOBS_PER_THREAD,
        "verify_blob_kzg_proof_batch",
        |part| {
            verify_blob_part(
                &blobs[part.clone()],
                &commitments[part.clone()],
                &proofs[part],
            )
        },
        |indices| KzgError::InvalidBlobProofs { indices },
    )
}

/// Runs `check` over parts of `0..len`, one part per core (at least `min_per_part` items
/// each) on threads named [`KZG_THREAD_NAME`], and gathers the bad positions every part
/// names (relative to its start) into one `invalid` error over the whole input.
fn in_parts(
    len: usize,
    min_per_part: usize,
    operation: &'static str,
    check: impl Fn(std::ops::Range<usize>) -> Result<(), KzgError> + Sync,
    invalid: fn(Vec<usize>) -> KzgError,
) -> Result<(), KzgError> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let parts = threads.min(len.div_ceil(min_per_part.max(1))).max(1);
    let part_len = len.div_ceil(parts).max(1);
    let check = &check;
    let results: Vec<(usize, Result<(), KzgError>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..len)
            .step_by(part_len)
            .map(|start| {
                let range = start..(start + part_len).min(len);
                let handle = std::thread::Builder::new()
                    .name(KZG_THREAD_NAME.to_owned())
                    .spawn_scoped(scope, move || check(range));
                (start, handle)
            })
            .collect();
        let failed = |reason| KzgError::Internal { operation, reason };
        handles
            .into_iter()
            .map(|(start, handle)| {
                let result = match handle {
                    Ok(handle) => handle
                        .join()
                        .unwrap_or(Err(failed("a verification thread panicked"))),
                    Err(_) => Err(failed("a verification thread could not start")),
                };
                (start, result)
            })
            .collect()
    });
    let mut bad = Vec::new();
    for (start, result) in results {
        match result {
            Ok(()) => {}
            Err(error) => match error.invalid_indices() {
                Some(indices) => bad.extend(indices.iter().map(|i| i + start)),
                None => return Err(error),
            },
        }
    }
    if bad.is_empty() {
        Ok(())
    } else {
        Err(invalid(bad))
    }
}

/// Below this many blobs per thread, splitting a batch costs more than it saves.
const MIN_BLOBS_PER_THREAD: usize = 2;

/// One batch over a part of the input; bad positions are reported relative to the part.
fn verify_blob_part(
    blobs: &[&Blob],
    commitments: &[KzgCommitment],
    proofs: &[KzgProof],
) -> Result<(), KzgError> {
    const OPERATION: &str = "verify_blob_kzg_proof_batch";
    let ckzg_blobs = to_ckzg_blobs(blobs);
    let ckzg_commitments: Vec<Bytes48> = commitments.iter().map(to_bytes48).collect();
    let ckzg_proofs: Vec<Bytes48> = proofs.iter().map(to_bytes48).collect();

    let kzg = settings();
    match outcome(kzg.verify_blob_kzg_proof_batch(&ckzg_blobs, &ckzg_commitments, &ckzg_proofs)) {
        Outcome::Valid => Ok(()),
        Outcome::Internal(reason) => Err(KzgError::Internal {
            operation: OPERATION,
            reason,
        }),
        Outcome::Invalid => {
            // The lists have the same length (checked by the caller), so the zip drops nothing.
            let singles = ckzg_blobs
                .iter()
                .zip(&ckzg_commitments)
                .zip(&ckzg_proofs)
                .map(|((blob, commitment), proof)| {
                    kzg.verify_blob_kzg_proof(blob, commitment, proof)
                });
            let indices = find_invalid(OPERATION, singles)?;
            Err(KzgError::InvalidBlobProofs { indices })
        }
    }
}

/// Verifies cell KZG proofs in one batch per core: `proofs[i]` must prove that `cells[i]` is cell
/// number `cell_indices[i]` of the extended blob committed to by `commitments[i]`.
///
/// A data column sidecar is checked by passing its column index as every `cell_indices`
/// entry; several columns can share one batch. On failure every bad position is named in
/// [`KzgError::InvalidCellProofs`]; an invalid point or a cell index of
/// [`CELLS_PER_EXT_BLOB`] or more counts as bad. An empty batch is valid.
///
/// # Errors
///
/// [`KzgError::LengthMismatch`] if the four lists differ in length,
/// [`KzgError::InvalidCellProofs`] if any item is bad, [`KzgError::Internal`] if `c-kzg` fails.
pub fn verify_cell_proofs(
    commitments: &[KzgCommitment],
    cell_indices: &[u64],
    cells: &[&Cell],
    proofs: &[KzgProof],
) -> Result<(), KzgError> {
    check_len("commitments", commitments.len(), "cells", cells.len())?;
    check_len("cell_indices", cell_indices.len(), "cells", cells.len())?;
    check_len("proofs", proofs.len(), "cells", cells.len())?;
    if cells.is_empty() {
        return Ok(());
    }
    // One batch per core, as for blobs: a segment's cells are independent.
    in_parts(
        cells.len(),
        MIN_CELLS_PER_THREAD,
        "verify_cell_kzg_proof_batch",
        |part| {
            verify_cell_part(
                &commitments[part.clone()],
                &cell_indices[part.clone()],
                &cells[part.clone()],
                &proofs[part],
            )
        },
        |indices| KzgError::InvalidCellProofs { indices },
    )
}

/// Below this many cells per thread, splitting a batch costs more than it saves (a cell
/// check is about a 64th of a blob's).
const MIN_CELLS_PER_THREAD: usize = 64;

/// One cell batch over a part of the input; bad positions relative to the part.
fn verify_cell_part(
    commitments: &[KzgCommitment],
    cell_indices: &[u64],
    cells: &[&Cell],
    proofs: &[KzgProof],
) -> Result<(), KzgError> {
    const OPERATION: &str = "verify_cell_kzg_proof_batch";
    let ckzg_cells = to_ckzg_cells(cells);
    let ckzg_commitments: Vec<Bytes48> = commitments.iter().map(to_bytes48).collect();
    let ckzg_proofs: Vec<Bytes48> = proofs.iter().map(to_bytes48).collect();

    let kzg = settings();
    let batch =
        kzg.verify_cell_kzg_proof_batch(&ckzg_commitments, cell_indices, &ckzg_cells, &ckzg_proofs);
    match outcome(batch) {
        Outcome::Valid => Ok(()),
        Outcome::Internal(reason) => Err(KzgError::Internal {
            operation: OPERATION,
            reason,
        }),
        Outcome::Invalid => {
            // Batches of one: c-kzg has no single-cell call. The lists have the same length
            // (checked by the caller), so the zip drops nothing.
            let singles = ckzg_commitments
                .iter()
                .zip(cell_indices)
                .zip(&ckzg_cells)
                .zip(&ckzg_proofs)
                .map(|(((commitment, index), cell), proof)| {
                    kzg.verify_cell_kzg_proof_batch(
                        slice::from_ref(commitment),
                        slice::from_ref(index),
                        slice::from_ref(cell),
                        slice::from_ref(proof),
                    )
                });
            let indices = find_invalid(OPERATION, singles)?;
            Err(KzgError::InvalidCellProofs { indices })
        }
    }
}

/// Computes the KZG commitment of a blob.
///
/// # Errors
///
/// [`KzgError::InvalidInput`] if the blob holds a field element that is not canonical.
pub fn blob_to_commitment(blob: &Blob) -> Result<KzgCommitment, KzgError> {
    let commitment = settings()
        .blob_to_kzg_commitment(&to_boxed_ckzg_blob(blob))
        .map_err(map_err("blob_to_kzg_commitment"))?;
    Ok(KzgCommitment::from(commitment.to_bytes().into_inner()))
}

/// Computes the KZG proof that `blob` matches `commitment` (the proof a `BlobSidecar` carries).
///
/// # Errors
///
/// [`KzgError::InvalidInput`] if the blob is not canonical or the commitment is not a point.
pub fn compute_blob_proof(blob: &Blob, commitment: &KzgCommitment) -> Result<KzgProof, KzgError> {
    let proof = settings()
        .compute_blob_kzg_proof(&to_boxed_ckzg_blob(blob), &to_bytes48(commitment))
        .map_err(map_err("compute_blob_kzg_proof"))?;
    Ok(KzgProof::from(proof.to_bytes().into_inner()))
}

fn from_ckzg_cells_and_proofs(
    cells: &[c_kzg::Cell],
    proofs: &[c_kzg::KzgProof],
) -> (Vec<Cell>, Vec<KzgProof>) {
    let cells = cells
        .iter()
        .map(|cell| Cell::from(cell.to_bytes()))
        .collect();
    let proofs = proofs
        .iter()
        .map(|proof| KzgProof::from(proof.to_bytes().into_inner()))
        .collect();
    (cells, proofs)
}

/// Extends a blob and computes its [`CELLS_PER_EXT_BLOB`] cells and their proofs; cell `i`
/// goes into data column `i`. The first half of the cells is the blob itself.
///
/// This is slow (about 150 ms per blob with [`PRECOMPUTE`] = 0); it serves the devnet
/// builder, not the sync path.
///
/// # Errors
///
/// [`KzgError::InvalidInput`] if the blob holds a field element that is not canonical.
pub fn compute_cells_and_proofs(blob: &Blob) -> Result<(Vec<Cell>, Vec<KzgProof>), KzgError> {
    let (cells, proofs) = settings()
        .compute_cells_and_kzg_proofs(&to_boxed_ckzg_blob(blob))
        .map_err(map_err("compute_cells_and_kzg_proofs"))?;
    Ok(from_ckzg_cells_and_proofs(&cells[..], &proofs[..]))
}

/// Rebuilds all [`CELLS_PER_EXT_BLOB`] cells of an extended blob, and their proofs, from at
/// least half of them. `cells[i]` is cell number `cell_indices[i]`; indices must be distinct
/// and below [`CELLS_PER_EXT_BLOB`]. The first half of the result is the blob itself.
///
/// # Errors
///
/// [`KzgError::LengthMismatch`] if the lists differ in length, [`KzgError::InvalidInput`] if
/// there are too few cells, an index repeats or is out of range, or a cell is not canonical.
pub fn recover_cells_and_proofs(
    cell_indices: &[u64],
    cells: &[&Cell],
) -> Result<(Vec<Cell>, Vec<KzgProof>), KzgError> {
    check_len("cell_indices", cell_indices.len(), "cells", cells.len())?;
    let ckzg_cells = to_ckzg_cells(cells);
    let (cells, proofs) = settings()
        .recover_cells_and_kzg_proofs(cell_indices, &ckzg_cells)
        .map_err(map_err("recover_cells_and_kzg_proofs"))?;
    Ok(from_ckzg_cells_and_proofs(&cells[..], &proofs[..]))
}

/// The versioned hash of a commitment, as listed in a blob transaction:
/// `0x01 ‖ sha256(commitment)[1..]`.
pub fn versioned_hash(commitment: &KzgCommitment) -> Hash256 {
    let mut hash = ethereum_hashing::hash_fixed(commitment.as_slice());
    hash[0] = VERSIONED_HASH_VERSION_KZG;
    Hash256::from(hash)
}
