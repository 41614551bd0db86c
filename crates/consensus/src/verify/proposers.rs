//! The proposers' public keys, decompressed on first use.
//!
//! Decompressing and subgroup-checking a BLS key costs tens of microseconds; a mainnet
//! registry has over a million keys, of which a sync touches only the proposers it meets.
//! So keys are kept compressed and decompressed once, when first needed.

use std::sync::{Arc, OnceLock};

use crate::bls::PublicKey;
use crate::primitives::PubkeyBytes;

/// The validators' public keys by index, decompressed lazily. Cheap to clone: clones
/// share the keys and what was decompressed (a forward and a backfill verifier of one
/// node use one registry).
#[derive(Clone, Debug)]
pub struct Proposers {
    keys: Arc<Keys>,
}

#[derive(Debug)]
struct Keys {
    compressed: Vec<PubkeyBytes>,
    decompressed: Vec<OnceLock<Option<PublicKey>>>,
}

impl Proposers {
    /// Keys from their compressed bytes (a state's registry).
    pub fn from_compressed(compressed: Vec<PubkeyBytes>) -> Proposers {
        let decompressed = compressed.iter().map(|_| OnceLock::new()).collect();
        Proposers::of(Keys {
            compressed,
            decompressed,
        })
    }

    /// Keys that are already decompressed (the interop keys of a devnet).
    pub fn from_keys(keys: &[PublicKey]) -> Proposers {
        let compressed = keys.iter().map(PublicKey::to_bytes).collect();
        let decompressed = keys.iter().map(|key| OnceLock::from(Some(*key))).collect();
        Proposers::of(Keys {
            compressed,
            decompressed,
        })
    }

    fn of(keys: Keys) -> Proposers {
        Proposers {
            keys: Arc::new(keys),
        }
    }

    /// The key of validator `index`; `None` when there is no such validator or its bytes
    /// are not a valid key.
    pub fn get(&self, index: u64) -> Option<&PublicKey> {
        let index = usize::try_from(index).ok()?;
        let cell = self.keys.decompressed.get(index)?;
        cell.get_or_init(|| PublicKey::from_bytes(self.keys.compressed.get(index)?).ok())
            .as_ref()
    }

    /// Whether `older` is a prefix of this registry (validators are only ever appended,
    /// and a validator's key never changes).
    pub fn extends(&self, older: &Proposers) -> bool {
        self.keys.compressed.starts_with(&older.keys.compressed)
    }

    /// The number of validators.
    pub fn len(&self) -> usize {
        self.keys.compressed.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.keys.compressed.is_empty()
    }
}
