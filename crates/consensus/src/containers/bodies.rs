//! The block bodies of Bellatrix, Capella and Deneb (mainnet preset limits).

use ssz_derive::{Decode, Encode};
use ssz_types::VariableList;
use ssz_types::typenum::{U2, U16, U128, U4096};
use tree_hash_derive::TreeHash;

use super::altair::SyncAggregate;
use super::common::Eth1Data;
use super::execution::{
    ExecutionPayloadBellatrix, ExecutionPayloadCapella, ExecutionPayloadDeneb,
    SignedBlsToExecutionChange,
};
use super::phase0::{
    Attestation, AttesterSlashing, Deposit, ProposerSlashing, SignedVoluntaryExit,
};
use crate::primitives::{Hash256, KzgCommitment, SignatureBytes};

/// `MAX_BLOB_COMMITMENTS_PER_BLOCK` (4096) commitments.
pub type BlobKzgCommitments = VariableList<KzgCommitment, U4096>;

/// `BeaconBlockBody` of Bellatrix.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct BeaconBlockBodyBellatrix {
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
    /// The execution block.
    pub execution_payload: ExecutionPayloadBellatrix,
}

/// `BeaconBlockBody` of Capella.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct BeaconBlockBodyCapella {
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
    /// The execution block.
    pub execution_payload: ExecutionPayloadCapella,
    /// At most 16.
    pub bls_to_execution_changes: VariableList<SignedBlsToExecutionChange, U16>,
}

/// `BeaconBlockBody` of Deneb.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct BeaconBlockBodyDeneb {
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
    /// The execution block.
    pub execution_payload: ExecutionPayloadDeneb,
    /// At most 16.
    pub bls_to_execution_changes: VariableList<SignedBlsToExecutionChange, U16>,
    /// The blobs' KZG commitments.
    pub blob_kzg_commitments: BlobKzgCommitments,
}
