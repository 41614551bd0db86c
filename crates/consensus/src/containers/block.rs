//! `BeaconBlock` and `SignedBeaconBlock`, generic over the fork's body.

use ssz::{Decode, Encode};
use ssz_derive::{Decode as DeriveDecode, Encode as DeriveEncode};
use tree_hash::TreeHash;
use tree_hash_derive::TreeHash as DeriveTreeHash;

use super::common::BeaconBlockHeader;
use crate::primitives::{Hash256, SignatureBytes};

/// What every block body type provides.
pub trait BlockBody: Encode + Decode + TreeHash + Clone + std::fmt::Debug + PartialEq {}

impl<T: Encode + Decode + TreeHash + Clone + std::fmt::Debug + PartialEq> BlockBody for T {}

/// `BeaconBlock` of the fork whose body is `B`.
#[derive(Clone, Debug, PartialEq, DeriveEncode, DeriveDecode, DeriveTreeHash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BeaconBlock<B: BlockBody> {
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
    /// The body.
    pub body: B,
}

impl<B: BlockBody> BeaconBlock<B> {
    /// The block's header, given the root of its body (computing it is the costly part).
    pub fn header_with_body_root(&self, body_root: Hash256) -> BeaconBlockHeader {
        BeaconBlockHeader {
            slot: self.slot,
            proposer_index: self.proposer_index,
            parent_root: self.parent_root,
            state_root: self.state_root,
            body_root,
        }
    }
}

/// `SignedBeaconBlock` of the fork whose body is `B`.
#[derive(Clone, Debug, PartialEq, DeriveEncode, DeriveDecode, DeriveTreeHash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SignedBeaconBlockOf<B: BlockBody> {
    /// The block.
    pub message: BeaconBlock<B>,
    /// The proposer's signature.
    pub signature: SignatureBytes,
}
