//! Electra (also Fulu): the new attestation format, execution requests and the body.

use ssz_derive::{Decode, Encode};
use ssz_types::typenum::{U2, U16, U64, U8192, U131072};
use ssz_types::{BitList, BitVector, VariableList};
use tree_hash_derive::TreeHash;

use super::common::AttestationData;
use crate::primitives::{Address, Hash256, PubkeyBytes, SignatureBytes};

/// `IndexedAttestation` of Electra: up to `MAX_VALIDATORS_PER_COMMITTEE *
/// MAX_COMMITTEES_PER_SLOT` (131,072) indices.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct IndexedAttestationElectra {
    /// The attesting validators, sorted.
    #[cfg_attr(
        feature = "serde",
        serde(with = "ssz_types::serde_utils::quoted_u64_var_list")
    )]
    pub attesting_indices: VariableList<u64, U131072>,
    /// The vote.
    pub data: AttestationData,
    /// The aggregate signature.
    pub signature: SignatureBytes,
}

/// `AttesterSlashing` of Electra.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AttesterSlashingElectra {
    /// The first attestation.
    pub attestation_1: IndexedAttestationElectra,
    /// The conflicting attestation.
    pub attestation_2: IndexedAttestationElectra,
}

/// `Attestation` of Electra: aggregated across the committees named by `committee_bits`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AttestationElectra {
    /// Which members of the named committees signed.
    pub aggregation_bits: BitList<U131072>,
    /// The vote.
    pub data: AttestationData,
    /// The aggregate signature.
    pub signature: SignatureBytes,
    /// Which of the 64 committees take part.
    pub committee_bits: BitVector<U64>,
}

/// `DepositRequest` (EIP-6110).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DepositRequest {
    /// The validator's pubkey.
    pub pubkey: PubkeyBytes,
    /// Withdrawal credentials.
    pub withdrawal_credentials: Hash256,
    /// Amount in Gwei.
    #[cfg_attr(feature = "serde", serde(with = "serde_utils::quoted_u64"))]
    pub amount: u64,
    /// Proof of possession.
    pub signature: SignatureBytes,
    /// Deposit index.
    #[cfg_attr(feature = "serde", serde(with = "serde_utils::quoted_u64"))]
    pub index: u64,
}

/// `WithdrawalRequest` (EIP-7002).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct WithdrawalRequest {
    /// The requesting execution address.
    pub source_address: Address,
    /// The validator.
    pub validator_pubkey: PubkeyBytes,
    /// Amount in Gwei (0 for a full exit).
    #[cfg_attr(feature = "serde", serde(with = "serde_utils::quoted_u64"))]
    pub amount: u64,
}

/// `ConsolidationRequest` (EIP-7251).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ConsolidationRequest {
    /// The requesting execution address.
    pub source_address: Address,
    /// The validator consolidated from.
    pub source_pubkey: PubkeyBytes,
    /// The validator consolidated into.
    pub target_pubkey: PubkeyBytes,
}

/// `ExecutionRequests` (Electra).
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode, TreeHash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ExecutionRequests {
    /// At most 8192.
    pub deposits: VariableList<DepositRequest, U8192>,
    /// At most 16.
    pub withdrawals: VariableList<WithdrawalRequest, U16>,
    /// At most 2.
    pub consolidations: VariableList<ConsolidationRequest, U2>,
}
