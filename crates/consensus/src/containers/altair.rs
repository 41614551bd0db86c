//! Altair: the sync aggregate, and the Altair body.

use ssz_derive::{Decode, Encode};
use ssz_types::typenum::{U2, U16, U128, U512};
use ssz_types::{BitVector, VariableList};
use tree_hash_derive::TreeHash;

use super::common::Eth1Data;
use super::phase0::{
    Attestation, AttesterSlashing, Deposit, ProposerSlashing, SignedVoluntaryExit,
};
use crate::primitives::{Hash256, SignatureBytes};

/// `SyncAggregate`: the sync committee's signature over the parent block root.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct SyncAggregate {
    /// Which of the 512 members signed.
    pub sync_committee_bits: BitVector<U512>,
    /// Their aggregate signature.
    pub sync_committee_signature: SignatureBytes,
}

/// `BeaconBlockBody` of Altair.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct BeaconBlockBodyAltair {
    /// RANDAO reveal.
    pub randao_reveal: SignatureBytes,
    /// Eth1 vote.
    pub eth1_data: Eth1Data,
    /// Graffiti.
    pub graffiti: Hash256,
    /// At most 16.
    pub proposer_slashings: VariableList<ProposerSlashing, U16>,
    /// At most 2.
    pub attester_slashings: VariableList<AttesterSlashing, U2>,
    /// At most 128.
    pub attestations: VariableList<Attestation, U128>,
    /// At most 16.
    pub deposits: VariableList<Deposit, U16>,
    /// At most 16.
    pub voluntary_exits: VariableList<SignedVoluntaryExit, U16>,
    /// The sync committee's vote.
    pub sync_aggregate: SyncAggregate,
}
