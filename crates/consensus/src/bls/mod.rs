//! BLS12-381 signatures as the beacon chain uses them, on top of `blst`.
//!
//! Ethereum's consensus layer uses the "minimal public key" variant: public keys are G1
//! points (48 bytes compressed), signatures are G2 points (96 bytes compressed), and
//! messages are hashed to G2 with the proof-of-possession ciphersuite [`DST`]. A signed
//! message is always a 32-byte signing root (`hash_tree_root(SigningData)`).
//!
//! Two checks the spec requires happen at parse time, so that every value of the types in
//! this module is known to be usable:
//! - [`PublicKey::from_bytes`] is the spec's `KeyValidate`: a valid compressed point, in the
//!   prime-order subgroup, and not the point at infinity.
//! - [`Signature::from_bytes`] decompresses and checks subgroup membership (`signature_to_point`
//!   plus the subgroup check of `CoreVerify`). The point at infinity is a group element and
//!   parses; it never verifies against a valid key.
//!
//! Many signatures are verified together with [`verify_signature_sets`] (random linear
//! combination, see the `batch` module docs), one with [`verify_single`]. All pairing work runs
//! on the calling thread (or the threads the batch verifier spawns): we drive `blst`'s
//! `Pairing` directly rather than its convenience `verify` calls, which hand work to a hidden
//! global thread pool.

mod batch;

pub use batch::{
    BatchError, MIN_SETS_PER_THREAD, SignatureSet, verify_signature_sets,
    verify_signature_sets_with_threads,
};

use std::fmt;

use alloy_primitives::U256;
use blst::{BLST_ERROR, Pairing, blst_p1_affine, blst_p2_affine, min_pk};

use crate::primitives::{Hash256, PubkeyBytes, SignatureBytes};

/// The ciphersuite of Ethereum's BLS signatures: hash-to-G2 with SHA-256 and SSWU, proof of
/// possession scheme (the spec's `BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_`).
pub const DST: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

/// `r`, the order of the BLS12-381 groups: secret keys are scalars in `1..r`.
pub const CURVE_ORDER: U256 = U256::from_limbs([
    0xffff_ffff_0000_0001,
    0x53bd_a402_fffe_5bfe,
    0x3339_d808_09a1_d805,
    0x73ed_a753_299d_7d48,
]);

/// Why a byte string is not an acceptable curve point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PointProblem {
    /// The bytes are not a compressed point encoding (flag bits or field element invalid).
    #[error("bad point encoding")]
    BadEncoding,
    /// The x coordinate has no matching y on the curve.
    #[error("point is not on the curve")]
    NotOnCurve,
    /// The point is on the curve but outside the prime-order subgroup.
    #[error("point is not in the prime-order subgroup")]
    NotInSubgroup,
    /// The point at infinity, which is never a valid public key.
    #[error("point is the point at infinity")]
    Infinity,
}

impl PointProblem {
    fn from_blst(error: BLST_ERROR) -> Self {
        match error {
            BLST_ERROR::BLST_POINT_NOT_ON_CURVE => Self::NotOnCurve,
            BLST_ERROR::BLST_POINT_NOT_IN_GROUP => Self::NotInSubgroup,
            BLST_ERROR::BLST_PK_IS_INFINITY => Self::Infinity,
            _ => Self::BadEncoding,
        }
    }
}

/// Errors of parsing BLS keys and signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BlsError {
    /// The public key bytes are not a valid G1 key.
    #[error("invalid BLS public key: {problem}")]
    InvalidPublicKey {
        /// What is wrong with the point.
        problem: PointProblem,
    },
    /// The signature bytes are not a valid G2 point.
    #[error("invalid BLS signature: {problem}")]
    InvalidSignature {
        /// What is wrong with the point.
        problem: PointProblem,
    },
    /// The secret scalar is zero or not below the curve order.
    #[error("invalid BLS secret key: the scalar must be in 1..r")]
    InvalidSecretKey,
}

/// A validated BLS public key: a G1 point in the subgroup, not the point at infinity.
///
/// Keeps the compressed bytes next to the decompressed point, so [`PublicKey::to_bytes`]
/// and comparisons are free.
#[derive(Clone, Copy)]
pub struct PublicKey {
    point: min_pk::PublicKey,
    bytes: PubkeyBytes,
}

impl PublicKey {
    /// Decompresses and validates a public key (the spec's `KeyValidate`).
    ///
    /// # Errors
    /// [`BlsError::InvalidPublicKey`] if the bytes are not a compressed G1 point, the point is
    /// outside the subgroup, or it is the point at infinity.
    pub fn from_bytes(bytes: &PubkeyBytes) -> Result<Self, BlsError> {
        let point = min_pk::PublicKey::key_validate(bytes.as_slice()).map_err(|error| {
            BlsError::InvalidPublicKey {
                problem: PointProblem::from_blst(error),
            }
        })?;
        Ok(Self {
            point,
            bytes: *bytes,
        })
    }

    /// The 48-byte compressed encoding.
    pub fn to_bytes(&self) -> PubkeyBytes {
        self.bytes
    }

    /// The 48-byte compressed encoding, borrowed.
    pub fn as_bytes(&self) -> &PubkeyBytes {
        &self.bytes
    }

    fn affine(&self) -> &blst_p1_affine {
        (&self.point).into()
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        // Compressed encodings are canonical, so equal bytes means equal points.
        self.bytes == other.bytes
    }
}

impl Eq for PublicKey {}

impl std::hash::Hash for PublicKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.bytes.hash(state);
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.bytes)
    }
}

/// A parsed BLS signature: a G2 point known to be in the prime-order subgroup.
#[derive(Clone, Copy)]
pub struct Signature {
    point: min_pk::Signature,
}

impl Signature {
    /// Decompresses a signature and checks that it lies in the G2 subgroup.
    ///
    /// # Errors
    /// [`BlsError::InvalidSignature`] if the bytes are not a compressed G2 point or the point
    /// is outside the subgroup.
    pub fn from_bytes(bytes: &SignatureBytes) -> Result<Self, BlsError> {
        // `false`: infinity is a group element the spec accepts here; it simply never verifies.
        let point = min_pk::Signature::sig_validate(bytes.as_slice(), false).map_err(|error| {
            BlsError::InvalidSignature {
                problem: PointProblem::from_blst(error),
            }
        })?;
        Ok(Self { point })
    }

    /// The 96-byte compressed encoding.
    pub fn to_bytes(&self) -> SignatureBytes {
        SignatureBytes::from(self.point.to_bytes())
    }

    /// Checks this signature over `signing_root` against `pubkey`, on the calling thread.
    pub fn verify(&self, pubkey: &PublicKey, signing_root: Hash256) -> bool {
        let mut pairing = Pairing::new(true, DST);
        // The point and key were validated when parsed, so no checks are repeated here.
        let outcome = pairing.aggregate(
            pubkey.affine(),
            false,
            self.affine(),
            false,
            signing_root.as_slice(),
            &[],
        );
        if outcome != BLST_ERROR::BLST_SUCCESS {
            return false;
        }
        pairing.commit();
        pairing.finalverify(None)
    }

    fn affine(&self) -> &blst_p2_affine {
        (&self.point).into()
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", self.to_bytes())
    }
}

/// A BLS secret key: a scalar in `1..r`. Its `Debug` output never shows the scalar.
#[derive(Clone)]
pub struct SecretKey {
    inner: min_pk::SecretKey,
}

impl SecretKey {
    /// Reads a secret key from its 32-byte big-endian encoding (the EIP-2335 keystore form).
    ///
    /// # Errors
    /// [`BlsError::InvalidSecretKey`] if the value is zero or not below [`CURVE_ORDER`].
    pub fn from_be_bytes(bytes: &[u8; 32]) -> Result<Self, BlsError> {
        min_pk::SecretKey::from_bytes(bytes)
            .map(|inner| Self { inner })
            .map_err(|_| BlsError::InvalidSecretKey)
    }

    /// Makes a secret key from a scalar.
    ///
    /// # Errors
    /// [`BlsError::InvalidSecretKey`] if the scalar is zero or not below [`CURVE_ORDER`]:
    /// reduce it first if it may be larger.
    pub fn from_scalar(scalar: U256) -> Result<Self, BlsError> {
        Self::from_be_bytes(&scalar.to_be_bytes::<32>())
    }

    /// The 32-byte big-endian encoding of the scalar (the EIP-2335 keystore form). It is
    /// the secret itself: do not log it.
    pub fn to_be_bytes(&self) -> [u8; 32] {
        self.inner.to_bytes()
    }

    /// The matching public key (`sk · G1`).
    pub fn public_key(&self) -> PublicKey {
        let point = self.inner.sk_to_pk();
        PublicKey {
            point,
            bytes: PubkeyBytes::from(point.to_bytes()),
        }
    }

    /// Signs a 32-byte signing root. BLS signing is deterministic: the same key and root
    /// always give the same bytes.
    pub fn sign(&self, signing_root: Hash256) -> SignatureBytes {
        SignatureBytes::from(
            self.inner
                .sign(signing_root.as_slice(), DST, &[])
                .to_bytes(),
        )
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// Checks one signature over `signing_root` against `pubkey`.
///
/// Returns `false` for a signature that does not verify and for bytes that are not a valid
/// G2 point. Runs on the calling thread.
pub fn verify_single(
    pubkey: &PublicKey,
    signing_root: Hash256,
    signature: &SignatureBytes,
) -> bool {
    Signature::from_bytes(signature).is_ok_and(|signature| signature.verify(pubkey, signing_root))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curve_order_matches_blst_range_check() {
        assert_eq!(
            SecretKey::from_scalar(CURVE_ORDER).unwrap_err(),
            BlsError::InvalidSecretKey
        );
        assert!(SecretKey::from_scalar(CURVE_ORDER - U256::from(1)).is_ok());
        assert!(SecretKey::from_scalar(U256::ZERO).is_err());
    }

    #[test]
    fn sign_then_verify_round_trips_and_rejects_other_root() {
        let key = SecretKey::from_scalar(U256::from(42)).unwrap();
        let root = Hash256::repeat_byte(7);
        let signature = key.sign(root);
        let pubkey = key.public_key();
        assert_eq!(PublicKey::from_bytes(&pubkey.to_bytes()).unwrap(), pubkey);
        assert_eq!(
            Signature::from_bytes(&signature).unwrap().to_bytes(),
            signature
        );
        assert!(verify_single(&pubkey, root, &signature));
        assert!(!verify_single(&pubkey, Hash256::repeat_byte(8), &signature));
    }

    #[test]
    fn secret_key_debug_hides_the_scalar() {
        let key = SecretKey::from_scalar(U256::from(42)).unwrap();
        assert_eq!(format!("{key:?}"), "SecretKey(<redacted>)");
    }
}
