//! The interop validator keys: the deterministic keys every consensus client uses for
//! development and test networks.
//!
//! The rule comes from the eth2 interop "mocked start" (`ethereum/eth2.0-pm`,
//! `interop/mocked_start/keygen.py`); the clients' dev and interop modes (Lighthouse,
//! Lodestar, Teku, Prysm, Nimbus) all use it, and so do our pyspec and Lodestar vectors (see
//! `vectors/pyspec/README.md`):
//!
//! ```text
//! sk_i = int.from_bytes(sha256(i.to_bytes(32, "little")), "little") mod r
//! ```
//!
//! where `r` is the BLS12-381 group order ([`CURVE_ORDER`]). The hash is read as a
//! *little-endian* integer and can exceed `r` (`r` is just under 2^255), so it is reduced
//! rather than range-checked. Validator 0's public key is `0xa99a76ed…38e44c`.
//!
//! These keys are public knowledge: use them only for local chains and tests.

use std::num::NonZeroUsize;
use std::ops::Range;

use alloy_primitives::U256;

use crate::bls::{CURVE_ORDER, PublicKey, SecretKey};
use crate::primitives::{Hash256, SignatureBytes};

/// Below this many keys per thread, [`InteropKeys::generate`] does not spawn threads.
const MIN_KEYS_PER_THREAD: u64 = 64;

/// Errors of looking up interop keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeysError {
    /// The validator index is not among the generated keys.
    #[error("no interop key for validator {index}: only {count} keys were generated")]
    UnknownValidator {
        /// The requested validator index.
        index: u64,
        /// How many keys exist (indices `0..count`).
        count: usize,
    },
}

/// The interop secret key of validator `index` (see the module docs for the rule).
///
/// # Panics
/// Only if `sha256(index)` were a multiple of `r`, which would take a SHA-256 preimage.
pub fn interop_secret_key(index: u64) -> SecretKey {
    let mut preimage = [0_u8; 32];
    preimage[..8].copy_from_slice(&index.to_le_bytes());
    let digest = ethereum_hashing::hash_fixed(&preimage);
    let scalar = U256::from_le_bytes(digest).reduce_mod(CURVE_ORDER);
    SecretKey::from_scalar(scalar)
        .expect("invariant: a reduced scalar is below r, and sha256 output is never 0 mod r")
}

/// The interop public key of validator `index`.
pub fn interop_public_key(index: u64) -> PublicKey {
    interop_secret_key(index).public_key()
}

/// The interop key pairs of validators `0..count`, generated once and kept for signing.
#[derive(Debug, Clone)]
pub struct InteropKeys {
    secret_keys: Vec<SecretKey>,
    public_keys: Vec<PublicKey>,
}

impl InteropKeys {
    /// Generates the keys of validators `0..count`, on all cores when there are many: a public
    /// key costs one G1 scalar multiplication, so 1,024 keys take about 120 ms on one core of
    /// our 2-core machines and about 70 ms on both.
    pub fn generate(count: u64) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        let threads = u64::try_from(cores)
            .unwrap_or(1)
            .min(count / MIN_KEYS_PER_THREAD)
            .max(1);
        let pairs = if threads == 1 {
            generate_range(0..count)
        } else {
            let per_thread = count.div_ceil(threads);
            std::thread::scope(|scope| {
                let handles: Vec<_> = (0..threads)
                    .map(|thread| {
                        let start = thread * per_thread;
                        let range = start..start.saturating_add(per_thread).min(count);
                        scope.spawn(move || generate_range(range))
                    })
                    .collect();
                let mut pairs = Vec::new();
                for handle in handles {
                    match handle.join() {
                        Ok(chunk) => pairs.extend(chunk),
                        Err(panic) => std::panic::resume_unwind(panic),
                    }
                }
                pairs
            })
        };
        let (secret_keys, public_keys) = pairs.into_iter().unzip();
        Self {
            secret_keys,
            public_keys,
        }
    }

    /// How many validators have keys.
    pub fn len(&self) -> usize {
        self.public_keys.len()
    }

    /// Whether no keys were generated.
    pub fn is_empty(&self) -> bool {
        self.public_keys.is_empty()
    }

    /// The secret key of validator `index`, if generated.
    pub fn secret_key(&self, index: u64) -> Option<&SecretKey> {
        usize::try_from(index)
            .ok()
            .and_then(|index| self.secret_keys.get(index))
    }

    /// The public key of validator `index`, if generated.
    pub fn public_key(&self, index: u64) -> Option<&PublicKey> {
        usize::try_from(index)
            .ok()
            .and_then(|index| self.public_keys.get(index))
    }

    /// All public keys, in validator order.
    pub fn public_keys(&self) -> &[PublicKey] {
        &self.public_keys
    }

    /// Signs `signing_root` with validator `index`'s key.
    ///
    /// # Errors
    /// [`KeysError::UnknownValidator`] if `index` is not below [`InteropKeys::len`].
    pub fn sign(&self, index: u64, signing_root: Hash256) -> Result<SignatureBytes, KeysError> {
        self.secret_key(index)
            .map(|key| key.sign(signing_root))
            .ok_or(KeysError::UnknownValidator {
                index,
                count: self.len(),
            })
    }
}

fn generate_range(range: Range<u64>) -> Vec<(SecretKey, PublicKey)> {
    range
        .map(|index| {
            let secret_key = interop_secret_key(index);
            let public_key = secret_key.public_key();
            (secret_key, public_key)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_match_the_single_key_functions() {
        let keys = InteropKeys::generate(130);
        assert_eq!(keys.len(), 130);
        for index in [0, 1, 63, 64, 65, 129] {
            assert_eq!(keys.public_key(index), Some(&interop_public_key(index)));
        }
        assert_eq!(keys.public_key(130), None);
        assert_eq!(
            keys.sign(130, Hash256::ZERO),
            Err(KeysError::UnknownValidator {
                index: 130,
                count: 130
            })
        );
    }

    /// The first two vectors of ethereum/eth2.0-pm `interop/mocked_start/keygen_test_vector.yaml`
    /// (decimal secret keys): validator 0's hash is below r, validator 1's must be reduced.
    #[test]
    fn secret_keys_match_the_eth2_pm_keygen_vectors() {
        let expected = [
            "16808672146709759238327133555736750089977066230599028589193936481731504400486",
            "37006103240406073079686739739280712467525465637222501547219594975923976982528",
        ];
        for (index, decimal) in (0_u64..).zip(expected) {
            let scalar = U256::from_str_radix(decimal, 10).unwrap();
            let secret = interop_secret_key(index).to_be_bytes();
            assert_eq!(U256::from_be_bytes(secret), scalar, "validator {index}");
        }
    }

    #[test]
    fn generating_zero_keys_is_empty() {
        assert!(InteropKeys::generate(0).is_empty());
    }
}
