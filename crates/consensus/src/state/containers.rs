//! The containers that only a `BeaconState` holds (mainnet preset): the validator record,
//! phase0's pending attestations, sync committees, historical summaries, the execution
//! payload headers of Bellatrix, Capella and Deneb, and Electra's pending queues.
//!
//! Field lists and order follow `specs/<fork>/beacon-chain.md` of the consensus specs; the
//! SSZ encoding and `hash_tree_root` are derived from them, so any change of order changes
//! every state root (the tests in `tests/state.rs` check roots against real states).

use ssz_derive::{Decode, Encode};
use ssz_types::{BitList, FixedVector, VariableList};
use tree_hash_derive::TreeHash;

use crate::containers::common::AttestationData;
use crate::primitives::{Address, FixedBytes, Hash256, PubkeyBytes, SignatureBytes, U256};

use super::preset::{MaxExtraDataBytes, MaxValidatorsPerCommittee, SyncCommitteeSize};

/// The SSZ size of one [`Validator`] record: pubkey 48 + withdrawal credentials 32 +
/// effective balance 8 + slashed 1 + four epochs of 8 bytes.
pub const VALIDATOR_SSZ_LEN: usize = 48 + 32 + 8 + 1 + 4 * 8;

/// `Validator`: one entry of the validator registry (121 bytes of SSZ).
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct Validator {
    /// The BLS public key.
    pub pubkey: PubkeyBytes,
    /// Where withdrawals go (`0x00` BLS, `0x01` execution address, `0x02` compounding).
    pub withdrawal_credentials: Hash256,
    /// The effective balance in Gwei.
    pub effective_balance: u64,
    /// Whether the validator was slashed.
    pub slashed: bool,
    /// The epoch the validator became eligible for activation.
    pub activation_eligibility_epoch: u64,
    /// The epoch the validator was activated.
    pub activation_epoch: u64,
    /// The epoch the validator exits (or `u64::MAX`).
    pub exit_epoch: u64,
    /// The epoch the validator may withdraw (or `u64::MAX`).
    pub withdrawable_epoch: u64,
}

/// `PendingAttestation` (phase0 only): an attestation included in a block, kept in the
/// state until the epoch is processed.
#[derive(Clone, Debug, PartialEq, Encode, Decode, TreeHash)]
pub struct PendingAttestation {
    /// Which committee members attested.
    pub aggregation_bits: BitList<MaxValidatorsPerCommittee>,
    /// What they attested to.
    pub data: AttestationData,
    /// Slots between the attestation's slot and its inclusion.
    pub inclusion_delay: u64,
    /// The proposer that included it.
    pub proposer_index: u64,
}

/// `SyncCommittee` (Altair on): 512 pubkeys and their aggregate.
#[derive(Clone, Debug, PartialEq, Encode, Decode, TreeHash)]
pub struct SyncCommittee {
    /// The members' public keys, with repetitions.
    pub pubkeys: FixedVector<PubkeyBytes, SyncCommitteeSize>,
    /// The aggregate of `pubkeys`.
    pub aggregate_pubkey: PubkeyBytes,
}

/// `HistoricalSummary` (Capella on): the roots of one `HistoricalBatch`, kept separately.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct HistoricalSummary {
    /// `hash_tree_root` of the batch's block roots.
    pub block_summary_root: Hash256,
    /// `hash_tree_root` of the batch's state roots.
    pub state_summary_root: Hash256,
}

/// Writes one fork's `ExecutionPayloadHeader`: the Bellatrix fields, then the fork's
/// additions. Field order is the SSZ order.
macro_rules! execution_payload_header {
    (
        $(#[$attr:meta])*
        $name:ident
        $(, $(#[$field_attr:meta])* $field:ident: $ty:ty)* $(,)?
    ) => {
        $(#[$attr])*
        #[derive(Clone, Debug, Default, PartialEq, Encode, Decode, TreeHash)]
        pub struct $name {
            /// The parent execution block's hash.
            pub parent_hash: Hash256,
            /// The fee recipient address.
            pub fee_recipient: Address,
            /// The execution state root.
            pub state_root: Hash256,
            /// The receipts root.
            pub receipts_root: Hash256,
            /// The logs bloom filter (256 bytes).
            pub logs_bloom: FixedBytes<256>,
            /// The RANDAO mix the block was built on.
            pub prev_randao: Hash256,
            /// The execution block number.
            pub block_number: u64,
            /// The gas limit.
            pub gas_limit: u64,
            /// The gas used.
            pub gas_used: u64,
            /// The timestamp in seconds.
            pub timestamp: u64,
            /// Up to 32 bytes of extra data.
            pub extra_data: VariableList<u8, MaxExtraDataBytes>,
            /// The base fee per gas.
            pub base_fee_per_gas: U256,
            /// The execution block hash.
            pub block_hash: Hash256,
            /// `hash_tree_root` of the transactions list.
            pub transactions_root: Hash256,
            $($(#[$field_attr])* pub $field: $ty,)*
        }
    };
}

execution_payload_header!(
    /// `ExecutionPayloadHeader` of Bellatrix: the execution payload with its transactions
    /// replaced by their root.
    ExecutionPayloadHeaderBellatrix
);

execution_payload_header!(
    /// `ExecutionPayloadHeader` of Capella: Bellatrix's plus the withdrawals root.
    ExecutionPayloadHeaderCapella,
    /// `hash_tree_root` of the withdrawals list.
    withdrawals_root: Hash256,
);

execution_payload_header!(
    /// `ExecutionPayloadHeader` of Deneb (unchanged in Electra and Fulu): Capella's plus the
    /// blob gas fields.
    ExecutionPayloadHeaderDeneb,
    /// `hash_tree_root` of the withdrawals list.
    withdrawals_root: Hash256,
    /// Blob gas used by the block.
    blob_gas_used: u64,
    /// The excess blob gas carried into the block.
    excess_blob_gas: u64,
);

/// `PendingDeposit` (Electra on): a deposit waiting for the activation churn.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct PendingDeposit {
    /// The depositor's BLS public key.
    pub pubkey: PubkeyBytes,
    /// The withdrawal credentials.
    pub withdrawal_credentials: Hash256,
    /// The amount in Gwei.
    pub amount: u64,
    /// The deposit signature.
    pub signature: SignatureBytes,
    /// The slot the deposit was requested at (0 for internal top-ups).
    pub slot: u64,
}

/// `PendingPartialWithdrawal` (Electra on).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct PendingPartialWithdrawal {
    /// The validator withdrawing.
    pub validator_index: u64,
    /// The amount in Gwei.
    pub amount: u64,
    /// The first epoch the withdrawal may happen.
    pub withdrawable_epoch: u64,
}

/// `PendingConsolidation` (Electra on): move one validator's balance into another.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct PendingConsolidation {
    /// The validator whose balance moves.
    pub source_index: u64,
    /// The validator that receives it.
    pub target_index: u64,
}
