//! Containers shared by blocks and states of every fork.

use ssz_derive::{Decode, Encode};
use tree_hash_derive::TreeHash;

use crate::primitives::{Domain, Hash256, SignatureBytes, Version};

/// `Checkpoint`: an epoch and the root of the block at its start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Encode, Decode, TreeHash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Checkpoint {
    /// The epoch.
    #[cfg_attr(feature = "serde", serde(with = "serde_utils::quoted_u64"))]
    pub epoch: u64,
    /// The root of the epoch's first block (or the last block before it).
    pub root: Hash256,
}

/// `Eth1Data`: the deposit contract state a block votes for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Encode, Decode, TreeHash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Eth1Data {
    /// Root of the deposit tree.
    pub deposit_root: Hash256,
    /// Number of deposits.
    #[cfg_attr(feature = "serde", serde(with = "serde_utils::quoted_u64"))]
    pub deposit_count: u64,
    /// The eth1 block hash.
    pub block_hash: Hash256,
}

/// `BeaconBlockHeader`: a block with its body replaced by the body's root (112 bytes).
///
/// Its `hash_tree_root` equals the root of the full block.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Encode, Decode, TreeHash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BeaconBlockHeader {
    /// The slot.
    #[cfg_attr(feature = "serde", serde(with = "serde_utils::quoted_u64"))]
    pub slot: u64,
    /// The proposer's validator index.
    #[cfg_attr(feature = "serde", serde(with = "serde_utils::quoted_u64"))]
    pub proposer_index: u64,
    /// The parent block's root.
    pub parent_root: Hash256,
    /// The post-state root.
    pub state_root: Hash256,
    /// `hash_tree_root` of the body.
    pub body_root: Hash256,
}

/// `SignedBeaconBlockHeader` (208 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Encode, Decode, TreeHash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SignedBeaconBlockHeader {
    /// The header.
    pub message: BeaconBlockHeader,
    /// The proposer's signature over the header (equal to the block's signature).
    pub signature: SignatureBytes,
}

/// `AttestationData`: what an attestation votes for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Encode, Decode, TreeHash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AttestationData {
    /// The slot attested to.
    #[cfg_attr(feature = "serde", serde(with = "serde_utils::quoted_u64"))]
    pub slot: u64,
    /// The committee index (always 0 from Electra on).
    #[cfg_attr(feature = "serde", serde(with = "serde_utils::quoted_u64"))]
    pub index: u64,
    /// LMD GHOST vote.
    pub beacon_block_root: Hash256,
    /// FFG source.
    pub source: Checkpoint,
    /// FFG target.
    pub target: Checkpoint,
}

/// The spec's `Fork` container, as stored in a `BeaconState` (named `StateFork` here to
/// keep `Fork` for the fork enum).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Encode, Decode, TreeHash)]
pub struct StateFork {
    /// The version before `epoch`.
    pub previous_version: Version,
    /// The version from `epoch` on.
    pub current_version: Version,
    /// The epoch of the last fork.
    pub epoch: u64,
}

/// `ForkData`: hashed into fork digests and signing domains.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Encode, Decode, TreeHash)]
pub struct ForkData {
    /// The fork version.
    pub current_version: Version,
    /// The chain's genesis validators root.
    pub genesis_validators_root: Hash256,
}

/// `SigningData`: what a BLS signature actually signs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Encode, Decode, TreeHash)]
pub struct SigningData {
    /// `hash_tree_root` of the signed object.
    pub object_root: Hash256,
    /// The signing domain.
    pub domain: Domain,
}
