//! Altair: the sync aggregate, and the Altair body.

use ssz_derive::{Decode, Encode};
use ssz_types::BitVector;
use ssz_types::typenum::U512;
use tree_hash_derive::TreeHash;

use crate::primitives::SignatureBytes;

/// `SyncAggregate`: the sync committee's signature over the parent block root.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode, TreeHash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SyncAggregate {
    /// Which of the 512 members signed.
    pub sync_committee_bits: BitVector<U512>,
    /// Their aggregate signature.
    pub sync_committee_signature: SignatureBytes,
}
