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
//! Work is shared over the threads (`std::thread::scope`, the caller's included) one set at a
//! time through an atomic counter, so a thread on a busier core simply takes fewer sets. Each
//! thread accumulates the sets it took into its own pairing and checks that sub-batch with one
//! final exponentiation. A batch gets at most one thread per [`MIN_SETS_PER_THREAD`] sets, so
//! small batches stay on the calling thread. If a sub-batch fails, its sets are re-checked one by one (again shared over the
//! threads), so the error names every bad signature, not only the first.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};

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
/// An empty slice is `Ok`. CPU-bound and blocking (it waits for its threads): from async
/// code, call it inside `tokio::task::spawn_blocking`.
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

    let next_set = AtomicUsize::new(0);
    let outcomes = on_threads(threads, || verify_claimed_sets(sets, &scalars, &next_set));
    let mut invalid = Vec::new();
    let mut suspects = Vec::new();
    for outcome in outcomes {
        invalid.extend(outcome.unparsable);
        suspects.extend(outcome.suspects);
    }

    if !suspects.is_empty() {
        let next_suspect = AtomicUsize::new(0);
        let failed = on_threads(threads.min(suspects.len()), || {
            let mut failed = Vec::new();
            while let Some((index, set, signature)) =
                suspects.get(next_suspect.fetch_add(1, Ordering::Relaxed))
            {
                if !signature.verify(set.pubkey, set.signing_root) {
                    failed.push(*index);
                }
            }
            failed
        });
        invalid.extend(failed.into_iter().flatten());
    }

    if invalid.is_empty() {
        Ok(())
    } else {
        invalid.sort_unstable();
        Err(BatchError::Invalid { indices: invalid })
    }
}

/// Runs `work` on `threads` threads, the calling thread included, and returns every output.
fn on_threads<T: Send>(threads: usize, work: impl Fn() -> T + Sync) -> Vec<T> {
    if threads <= 1 {
        return vec![work()];
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = (1..threads).map(|_| scope.spawn(&work)).collect();
        // The calling thread works too instead of idling.
        let mut outputs = vec![work()];
        for handle in handles {
            match handle.join() {
                Ok(output) => outputs.push(output),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        outputs
    })
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

/// What one thread found among the sets it took.
struct ThreadOutcome<'s, 'a> {
    /// Indices of signatures that are not valid G2 points.
    unparsable: Vec<usize>,
    /// The parsed sets of a sub-batch that failed, to re-check one by one (empty if it passed).
    suspects: Vec<(usize, &'s SignatureSet<'a>, Signature)>,
}

/// Takes sets off the shared counter until none are left, parses them and checks the taken
/// ones as one random-linear-combination batch (see the module docs).
fn verify_claimed_sets<'s, 'a>(
    sets: &'s [SignatureSet<'a>],
    scalars: &[[u8; 8]],
    next_set: &AtomicUsize,
) -> ThreadOutcome<'s, 'a> {
    let mut pairing = Pairing::new(true, DST);
    let mut is_accumulated = true;
    let mut unparsable = Vec::new();
    let mut taken = Vec::new();
    loop {
        let index = next_set.fetch_add(1, Ordering::Relaxed);
        let (Some(set), Some(scalar)) = (sets.get(index), scalars.get(index)) else {
            break;
        };
        let Ok(signature) = Signature::from_bytes(set.signature) else {
            unparsable.push(index);
            continue;
        };
        // Keys and signatures were validated when parsed; no group checks are repeated.
        is_accumulated = is_accumulated
            && pairing.mul_n_aggregate(
                set.pubkey.affine(),
                false,
                signature.affine(),
                false,
                scalar.as_slice(),
                RANDOM_SCALAR_BITS,
                set.signing_root.as_slice(),
                &[],
            ) == BLST_ERROR::BLST_SUCCESS;
        taken.push((index, set, signature));
    }
    let is_valid = taken.is_empty()
        || (is_accumulated && {
            pairing.commit();
            pairing.finalverify(None)
        });
    ThreadOutcome {
        unparsable,
        suspects: if is_valid { Vec::new() } else { taken },
    }
}
