//! Phase0 block-body operations and the phase0 body (mainnet preset limits).

use ssz_derive::{Decode, Encode};
use ssz_types::typenum::{U33, U2048};
use ssz_types::{BitList, FixedVector, VariableList};
use tree_hash_derive::TreeHash;

use super::common::{AttestationData, SignedBeaconBlockHeader};
use crate::primitives::{Hash256, PubkeyBytes, SignatureBytes};

/// `ProposerSlashing`: two conflicting headers signed by one proposer.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ProposerSlashing {
    /// The first header.
    pub signed_header_1: SignedBeaconBlockHeader,
    /// The conflicting header.
    pub signed_header_2: SignedBeaconBlockHeader,
}

/// `IndexedAttestation` (phase0 to Deneb): at most `MAX_VALIDATORS_PER_COMMITTEE` indices.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct IndexedAttestation {
    /// The attesting validators, sorted.
    #[cfg_attr(
        feature = "serde",
        serde(with = "ssz_types::serde_utils::quoted_u64_var_list")
    )]
    pub attesting_indices: VariableList<u64, U2048>,
    /// The vote.
    pub data: AttestationData,
    /// The aggregate signature.
    pub signature: SignatureBytes,
}

/// `AttesterSlashing` (phase0 to Deneb).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AttesterSlashing {
    /// The first attestation.
    pub attestation_1: IndexedAttestation,
    /// The conflicting attestation.
    pub attestation_2: IndexedAttestation,
}

/// `Attestation` (phase0 to Deneb).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Attestation {
    /// Which committee members signed.
    pub aggregation_bits: BitList<U2048>,
    /// The vote.
    pub data: AttestationData,
    /// The aggregate signature.
    pub signature: SignatureBytes,
}

/// `DepositData`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DepositData {
    /// The validator's pubkey.
    pub pubkey: PubkeyBytes,
    /// Withdrawal credentials.
    pub withdrawal_credentials: Hash256,
    /// Amount in Gwei.
    #[cfg_attr(feature = "serde", serde(with = "serde_utils::quoted_u64"))]
    pub amount: u64,
    /// Proof of possession.
    pub signature: SignatureBytes,
}

/// `Deposit`: a deposit with its Merkle proof (`DEPOSIT_CONTRACT_TREE_DEPTH + 1` = 33).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Deposit {
    /// Branch in the deposit tree.
    pub proof: FixedVector<Hash256, U33>,
    /// The deposit.
    pub data: DepositData,
}

/// `VoluntaryExit`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct VoluntaryExit {
    /// Earliest epoch of the exit.
    #[cfg_attr(feature = "serde", serde(with = "serde_utils::quoted_u64"))]
    pub epoch: u64,
    /// The exiting validator.
    #[cfg_attr(feature = "serde", serde(with = "serde_utils::quoted_u64"))]
    pub validator_index: u64,
}

/// `SignedVoluntaryExit`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SignedVoluntaryExit {
    /// The exit.
    pub message: VoluntaryExit,
    /// The validator's signature.
    pub signature: SignatureBytes,
}
