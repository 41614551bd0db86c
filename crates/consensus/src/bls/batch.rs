//! Batch verification of many independent signatures.
//!
//! Checking `n` signatures one by one costs `2n` pairings. Instead, each signature `σᵢ` on
//! message `mᵢ` under key `pkᵢ` gets a fresh random non-zero 64-bit scalar `rᵢ`, and one
//! equation is checked:
//!
//! `e(g1, Σ rᵢ·σᵢ) = Π e(rᵢ·pkᵢ, H(mᵢ))`
//!
//! That is `n + 1` Miller loops and a single final exponentiation. Without the scalars an
//! attacker could submit two bad signatures whose errors cancel; with them, a batch holding an
//! invalid signature passes with probability about 2⁻⁶⁴. The scalars come from the operating
//! system's RNG; if it fails we return [`BatchError::Randomness`] rather than weaken the check
//! with predictable scalars.
//!
//! The sets are split into contiguous chunks, one per thread (`std::thread::scope`), each
//! chunk verified as its own batch; a chunk is never smaller than [`MIN_SETS_PER_THREAD`], so
//! small batches stay on the calling thread. A chunk that fails is re-checked one signature at
//! a time on the same thread, so the error names every bad signature, not only the first.

use std::num::NonZeroUsize;

use blst::{BLST_ERROR, Pairing};

use super::{DST, PublicKey, Signature};
use crate::primitives::{Hash256, SignatureBytes};

/// The smallest number of signatures worth a thread of its own: below this, thread start-up and
/// the extra final exponentiation cost more than the parallel Miller loops save.
pub const MIN_SETS_PER_THREAD: usize = 4;

/// Bits of each random scalar (the batch's soundness error is about 2^-64).
const RANDOM_SCALAR_BITS: usize = 64;

/// One signature to verify: `signature` over `signing_root` by `pubkey`.
#[derive(Debug, Clone, Copy)]
pub struct SignatureSet<'a> {
    /// The signer's validated public key.
    pub pubkey: &'a PublicKey,
    /// The 32-byte root that was signed.
    pub signing_root: Hash256,
    /// The signature as received; it is parsed and group-checked during verification.
    pub signature: &'a SignatureBytes,
}

/// Why a batch of signatures was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// Some signatures are invalid or do not parse.
    #[error("{} invalid signature(s) in the batch, at indices {indices:?}", indices.len())]
    Invalid {
        /// Positions (in input order, ascending) of every signature that failed.
        indices: Vec<usize>,
    },
    /// The operating system's random number generator failed; nothing was verified.
    #[error("cannot draw batch verification scalars: {source}")]
    Randomness {
        /// The RNG failure.
        source: getrandom::Error,
    },
}

/// Verifies all `sets`, spreading the work over every available core.
///
/// An empty slice is `Ok`.
///
/// # Errors
/// [`BatchError::Invalid`] naming every signature that fails (or does not parse), in input
/// order; [`BatchError::Randomness`] if the OS RNG fails.
pub fn verify_signature_sets(sets: &[SignatureSet<'_>]) -> Result<(), BatchError> {
    let threads = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    verify_signature_sets_with_threads(sets, threads)
}

/// Verifies all `sets` using at most `threads` threads (including the caller's; `0` counts
/// as `1`). Otherwise the same as [`verify_signature_sets`].
///
/// # Errors
/// As [`verify_signature_sets`].
pub fn verify_signature_sets_with_threads(
    sets: &[SignatureSet<'_>],
    threads: usize,
) -> Result<(), BatchError> {
    if sets.is_empty() {
        return Ok(());
    }
    let scalars = random_scalars(sets.len())?;
    let threads = threads.clamp(1, sets.len().div_ceil(MIN_SETS_PER_THREAD));
    let chunk_len = sets.len().div_ceil(threads);
    let invalid = if threads == 1 {
        verify_chunk(sets, &scalars, 0)
    } else {
        std::thread::scope(|scope| {
            let mut chunks = sets.chunks(chunk_len).zip(scalars.chunks(chunk_len));
            let first = chunks.next();
            let handles: Vec<_> = chunks
                .enumerate()
                .map(|(position, (chunk, chunk_scalars))| {
                    let offset = (position + 1) * chunk_len;
                    scope.spawn(move || verify_chunk(chunk, chunk_scalars, offset))
                })
                .collect();
            // The calling thread takes the first chunk instead of idling.
            let mut invalid = first
                .map(|(chunk, chunk_scalars)| verify_chunk(chunk, chunk_scalars, 0))
                .unwrap_or_default();
            for handle in handles {
                match handle.join() {
                    Ok(indices) => invalid.extend(indices),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            invalid
        })
    };
    if invalid.is_empty() {
        Ok(())
    } else {
        Err(BatchError::Invalid { indices: invalid })
    }
}

/// Draws one non-zero 64-bit scalar per set, little-endian as `blst` reads scalars.
fn random_scalars(count: usize) -> Result<Vec<[u8; 8]>, BatchError> {
    let mut scalars = vec![[0_u8; 8]; count];
    getrandom::fill(scalars.as_flattened_mut())
        .map_err(|source| BatchError::Randomness { source })?;
    for scalar in &mut scalars {
        // A zero scalar would drop its signature from the check; redraw (p = 2^-64).
        while *scalar == [0; 8] {
            getrandom::fill(scalar).map_err(|source| BatchError::Randomness { source })?;
        }
    }
    Ok(scalars)
}

/// Verifies one chunk; returns the input-order indices (`offset` + position) of the bad sets.
fn verify_chunk(sets: &[SignatureSet<'_>], scalars: &[[u8; 8]], offset: usize) -> Vec<usize> {
    let mut invalid = Vec::new();
    let mut parsed = Vec::with_capacity(sets.len());
    for ((position, set), scalar) in sets.iter().enumerate().zip(scalars) {
        match Signature::from_bytes(set.signature) {
            Ok(signature) => parsed.push((position, set, signature, scalar)),
            Err(_) => invalid.push(offset + position),
        }
    }
    if !is_batch_valid(&parsed) {
        for (position, set, signature, _) in &parsed {
            if !signature.verify(set.pubkey, set.signing_root) {
                invalid.push(offset + position);
            }
        }
        invalid.sort_unstable();
    }
    invalid
}

/// Checks the random linear combination of the parsed signatures (see the module docs).
fn is_batch_valid(parsed: &[(usize, &SignatureSet<'_>, Signature, &[u8; 8])]) -> bool {
    if parsed.is_empty() {
        return true;
    }
    let mut pairing = Pairing::new(true, DST);
    for (_, set, signature, scalar) in parsed {
        // Keys and signatures were validated when parsed; no group checks are repeated.
        let outcome = pairing.mul_n_aggregate(
            set.pubkey.affine(),
            false,
            signature.affine(),
            false,
            scalar.as_slice(),
            RANDOM_SCALAR_BITS,
            set.signing_root.as_slice(),
            &[],
        );
        if outcome != BLST_ERROR::BLST_SUCCESS {
            return false;
        }
    }
    pairing.commit();
    pairing.finalverify(None)
}
