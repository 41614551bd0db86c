//! The fork-aware signed block: decoded from bytes given its fork, with its roots computed
//! once.
//!
//! On the wire a block arrives with context bytes (the fork digest) that say which fork's
//! layout it has; [`crate::config::ChainConfig::fork_for_digest`] turns those into a
//! [`Fork`], and [`SignedBeaconBlock::from_ssz_bytes`] decodes with that fork's types.
//! Decoding checks every list against its bound before allocating, and never panics.

use std::sync::Arc;

use ssz::{Decode, Encode};
use tree_hash::TreeHash;

use crate::containers::{
    BeaconBlock, BeaconBlockBodyAltair, BeaconBlockBodyBellatrix, BeaconBlockBodyCapella,
    BeaconBlockBodyDeneb, BeaconBlockBodyElectra, BeaconBlockBodyPhase0, BeaconBlockHeader,
    BlockBody, SignedBeaconBlockHeader, SignedBeaconBlockOf,
};
use crate::fork::Fork;
use crate::primitives::{Hash256, KzgCommitment, SignatureBytes, to_root};

/// A block that could not be decoded.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("invalid {fork} block ({len} bytes): {detail:?}")]
pub struct BlockDecodeError {
    /// The fork whose layout was tried.
    pub fork: Fork,
    /// The input length.
    pub len: usize,
    /// What the SSZ decoder found.
    pub detail: ssz::DecodeError,
}

/// A `SignedBeaconBlock` of any fork.
#[derive(Clone, Debug, PartialEq)]
// With `serde`, the fork's block alone: the beacon API names the fork beside it (`version`).
#[cfg_attr(feature = "serde", derive(serde::Serialize), serde(untagged))]
pub enum SignedBeaconBlock {
    /// Phase0.
    Phase0(SignedBeaconBlockOf<BeaconBlockBodyPhase0>),
    /// Altair.
    Altair(SignedBeaconBlockOf<BeaconBlockBodyAltair>),
    /// Bellatrix.
    Bellatrix(SignedBeaconBlockOf<BeaconBlockBodyBellatrix>),
    /// Capella.
    Capella(SignedBeaconBlockOf<BeaconBlockBodyCapella>),
    /// Deneb.
    Deneb(SignedBeaconBlockOf<BeaconBlockBodyDeneb>),
    /// Electra.
    Electra(SignedBeaconBlockOf<BeaconBlockBodyElectra>),
    /// Fulu (Electra's layout).
    Fulu(SignedBeaconBlockOf<BeaconBlockBodyElectra>),
}

/// Runs `$body` with `$b` bound to the inner block, whatever the fork.
macro_rules! with_block {
    ($value:expr, $b:ident => $body:expr) => {
        match $value {
            SignedBeaconBlock::Phase0($b) => $body,
            SignedBeaconBlock::Altair($b) => $body,
            SignedBeaconBlock::Bellatrix($b) => $body,
            SignedBeaconBlock::Capella($b) => $body,
            SignedBeaconBlock::Deneb($b) => $body,
            SignedBeaconBlock::Electra($b) => $body,
            SignedBeaconBlock::Fulu($b) => $body,
        }
    };
}

/// The unsigned block with `header`'s slot, proposer, parent and state root and the
/// default (all-empty) body `B`.
fn with_empty_body<B: BlockBody + Default>(header: &BeaconBlockHeader) -> SignedBeaconBlockOf<B> {
    SignedBeaconBlockOf {
        message: BeaconBlock {
            slot: header.slot,
            proposer_index: header.proposer_index,
            parent_root: header.parent_root,
            state_root: header.state_root,
            body: B::default(),
        },
        signature: SignatureBytes::ZERO,
    }
}

#[cfg(feature = "serde")]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl SignedBeaconBlock {
    /// Reads a block of `fork` from the beacon API's JSON (the `data` of
    /// `/eth/v2/beacon/blocks/{id}`, whose `version` names the fork). The JSON carries no
    /// proof of anything: compare the result's root with one you trust.
    ///
    /// # Errors
    /// The deserializer's error when the JSON is not a block of that fork.
    pub fn deserialize_fork<'de, D: serde::Deserializer<'de>>(
        fork: Fork,
        deserializer: D,
    ) -> Result<SignedBeaconBlock, D::Error> {
        use serde::Deserialize;
        Ok(match fork {
            Fork::Phase0 => SignedBeaconBlock::Phase0(Deserialize::deserialize(deserializer)?),
            Fork::Altair => SignedBeaconBlock::Altair(Deserialize::deserialize(deserializer)?),
            Fork::Bellatrix => {
                SignedBeaconBlock::Bellatrix(Deserialize::deserialize(deserializer)?)
            }
            Fork::Capella => SignedBeaconBlock::Capella(Deserialize::deserialize(deserializer)?),
            Fork::Deneb => SignedBeaconBlock::Deneb(Deserialize::deserialize(deserializer)?),
            Fork::Electra => SignedBeaconBlock::Electra(Deserialize::deserialize(deserializer)?),
            Fork::Fulu => SignedBeaconBlock::Fulu(Deserialize::deserialize(deserializer)?),
        })
    }
}

impl SignedBeaconBlock {
    /// The block of `fork` with `header`'s slot, proposer index, parent and state roots,
    /// the fork's default body (every field zero or empty) and a zero signature: a genesis
    /// block, which the spec makes from `BeaconBlockBody()` and never signs. `header`'s
    /// `body_root` is not used; compare it with [`SignedBeaconBlock::compute_body_root`].
    pub fn with_empty_body(fork: Fork, header: &BeaconBlockHeader) -> SignedBeaconBlock {
        match fork {
            Fork::Phase0 => SignedBeaconBlock::Phase0(with_empty_body(header)),
            Fork::Altair => SignedBeaconBlock::Altair(with_empty_body(header)),
            Fork::Bellatrix => SignedBeaconBlock::Bellatrix(with_empty_body(header)),
            Fork::Capella => SignedBeaconBlock::Capella(with_empty_body(header)),
            Fork::Deneb => SignedBeaconBlock::Deneb(with_empty_body(header)),
            Fork::Electra => SignedBeaconBlock::Electra(with_empty_body(header)),
            Fork::Fulu => SignedBeaconBlock::Fulu(with_empty_body(header)),
        }
    }

    /// Decodes `bytes` with the layout of `fork`.
    ///
    /// # Errors
    /// [`BlockDecodeError`] when the bytes are not a valid block of that fork.
    pub fn from_ssz_bytes(bytes: &[u8], fork: Fork) -> Result<Self, BlockDecodeError> {
        let error = |detail| BlockDecodeError {
            fork,
            len: bytes.len(),
            detail,
        };
        Ok(match fork {
            Fork::Phase0 => {
                Self::Phase0(SignedBeaconBlockOf::from_ssz_bytes(bytes).map_err(error)?)
            }
            Fork::Altair => {
                Self::Altair(SignedBeaconBlockOf::from_ssz_bytes(bytes).map_err(error)?)
            }
            Fork::Bellatrix => {
                Self::Bellatrix(SignedBeaconBlockOf::from_ssz_bytes(bytes).map_err(error)?)
            }
            Fork::Capella => {
                Self::Capella(SignedBeaconBlockOf::from_ssz_bytes(bytes).map_err(error)?)
            }
            Fork::Deneb => Self::Deneb(SignedBeaconBlockOf::from_ssz_bytes(bytes).map_err(error)?),
            Fork::Electra => {
                Self::Electra(SignedBeaconBlockOf::from_ssz_bytes(bytes).map_err(error)?)
            }
            Fork::Fulu => Self::Fulu(SignedBeaconBlockOf::from_ssz_bytes(bytes).map_err(error)?),
        })
    }

    /// The SSZ encoding.
    pub fn as_ssz_bytes(&self) -> Vec<u8> {
        with_block!(self, b => b.as_ssz_bytes())
    }

    /// The length of the SSZ encoding.
    pub fn ssz_len(&self) -> usize {
        with_block!(self, b => b.ssz_bytes_len())
    }

    /// The block's fork.
    pub const fn fork(&self) -> Fork {
        match self {
            SignedBeaconBlock::Phase0(_) => Fork::Phase0,
            SignedBeaconBlock::Altair(_) => Fork::Altair,
            SignedBeaconBlock::Bellatrix(_) => Fork::Bellatrix,
            SignedBeaconBlock::Capella(_) => Fork::Capella,
            SignedBeaconBlock::Deneb(_) => Fork::Deneb,
            SignedBeaconBlock::Electra(_) => Fork::Electra,
            SignedBeaconBlock::Fulu(_) => Fork::Fulu,
        }
    }

    /// The slot.
    pub fn slot(&self) -> u64 {
        with_block!(self, b => b.message.slot)
    }

    /// The proposer's validator index.
    pub fn proposer_index(&self) -> u64 {
        with_block!(self, b => b.message.proposer_index)
    }

    /// The parent block's root.
    pub fn parent_root(&self) -> Hash256 {
        with_block!(self, b => b.message.parent_root)
    }

    /// The post-state root.
    pub fn state_root(&self) -> Hash256 {
        with_block!(self, b => b.message.state_root)
    }

    /// The proposer's signature.
    pub fn signature(&self) -> &SignatureBytes {
        with_block!(self, b => &b.signature)
    }

    /// Computes `hash_tree_root` of the body (the costly part of the block root).
    pub fn compute_body_root(&self) -> Hash256 {
        with_block!(self, b => b.message.body.tree_hash_root())
    }

    /// The header of the block, given its body root.
    pub fn header(&self, body_root: Hash256) -> BeaconBlockHeader {
        with_block!(self, b => b.message.header_with_body_root(body_root))
    }

    /// The blob KZG commitments (empty before Deneb).
    pub fn blob_kzg_commitments(&self) -> &[KzgCommitment] {
        match self {
            SignedBeaconBlock::Deneb(b) => &b.message.body.blob_kzg_commitments,
            SignedBeaconBlock::Electra(b) | SignedBeaconBlock::Fulu(b) => {
                &b.message.body.blob_kzg_commitments
            }
            _ => &[],
        }
    }

    /// The `hash_tree_root` of each body field, in field order (the leaves of the body's
    /// Merkle tree, used to build inclusion proofs).
    pub fn body_field_roots(&self) -> Vec<Hash256> {
        crate::merkle::body_field_roots(self)
    }

    /// Mutable access to the signature (the devnet builder signs after building).
    pub fn signature_mut(&mut self) -> &mut SignatureBytes {
        with_block!(self, b => &mut b.signature)
    }
}

/// A decoded signed block with its block root and body root computed once.
///
/// Cloning is cheap (the block is shared). This is the block type the sync carries.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    signed: Arc<SignedBeaconBlock>,
    root: Hash256,
    body_root: Hash256,
}

impl Block {
    /// Wraps `signed`, computing its roots.
    pub fn new(signed: SignedBeaconBlock) -> Block {
        let body_root = signed.compute_body_root();
        let root = signed.header(body_root).tree_hash_root();
        Block {
            signed: Arc::new(signed),
            root,
            body_root,
        }
    }

    /// Decodes `bytes` as a block of `fork` and computes its roots.
    ///
    /// # Errors
    /// [`BlockDecodeError`] when the bytes are not a valid block of that fork.
    pub fn from_ssz_bytes(bytes: &[u8], fork: Fork) -> Result<Block, BlockDecodeError> {
        SignedBeaconBlock::from_ssz_bytes(bytes, fork).map(Block::new)
    }

    /// The signed block.
    pub fn signed(&self) -> &SignedBeaconBlock {
        &self.signed
    }

    /// `hash_tree_root` of the block message.
    pub fn root(&self) -> Hash256 {
        self.root
    }

    /// `hash_tree_root` of the body.
    pub fn body_root(&self) -> Hash256 {
        self.body_root
    }

    /// The block header.
    pub fn header(&self) -> BeaconBlockHeader {
        self.signed.header(self.body_root)
    }

    /// The signed block header (what sidecars carry).
    pub fn signed_header(&self) -> SignedBeaconBlockHeader {
        SignedBeaconBlockHeader {
            message: self.header(),
            signature: *self.signed.signature(),
        }
    }
}

impl sync_types::BlockView for Block {
    fn slot(&self) -> sync_types::Slot {
        sync_types::Slot(self.signed.slot())
    }

    fn root(&self) -> sync_types::Root {
        to_root(self.root)
    }

    fn parent_root(&self) -> sync_types::Root {
        to_root(self.signed.parent_root())
    }

    fn blob_commitment_count(&self) -> u64 {
        self.signed.blob_kzg_commitments().len() as u64
    }
}
