//! Execution payloads (Bellatrix, Capella, Deneb; Electra and Fulu reuse Deneb's) and the
//! Capella BLS-to-execution changes.

use ssz_derive::{Decode, Encode};
use ssz_types::VariableList;
use ssz_types::typenum::{U16, U32, U1048576, U1073741824};
use tree_hash_derive::TreeHash;

use crate::primitives::{Address, FixedBytes, Hash256, PubkeyBytes, SignatureBytes, U256};

/// One transaction: opaque bytes, at most `MAX_BYTES_PER_TRANSACTION` (2^30).
pub type Transaction = VariableList<u8, U1073741824>;
/// `MAX_TRANSACTIONS_PER_PAYLOAD` (2^20) transactions.
pub type Transactions = VariableList<Transaction, U1048576>;
/// `MAX_EXTRA_DATA_BYTES` (32).
pub type ExtraData = VariableList<u8, U32>;
/// `BYTES_PER_LOGS_BLOOM` (256).
pub type LogsBloom = FixedBytes<256>;

/// `Withdrawal` (Capella).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Withdrawal {
    /// Withdrawal counter.
    #[cfg_attr(feature = "serde", serde(with = "serde_utils::quoted_u64"))]
    pub index: u64,
    /// The validator withdrawn from.
    #[cfg_attr(feature = "serde", serde(with = "serde_utils::quoted_u64"))]
    pub validator_index: u64,
    /// The execution address paid.
    pub address: Address,
    /// Amount in Gwei.
    #[cfg_attr(feature = "serde", serde(with = "serde_utils::quoted_u64"))]
    pub amount: u64,
}

/// Defines an `ExecutionPayload`: the Bellatrix fields, then the fork's additions.
macro_rules! execution_payload {
    (
        $(#[$meta:meta])*
        $name:ident
        $(, $(#[$field_meta:meta])* $field:ident: $ty:ty)* $(,)?
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode, TreeHash)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        pub struct $name {
            /// Parent execution block hash.
            pub parent_hash: Hash256,
            /// Fee recipient.
            pub fee_recipient: Address,
            /// Execution state root.
            pub state_root: Hash256,
            /// Receipts root.
            pub receipts_root: Hash256,
            /// Logs bloom.
            pub logs_bloom: LogsBloom,
            /// `prev_randao`.
            pub prev_randao: Hash256,
            /// Execution block number.
            #[cfg_attr(feature = "serde", serde(with = "serde_utils::quoted_u64"))]
            pub block_number: u64,
            /// Gas limit.
            #[cfg_attr(feature = "serde", serde(with = "serde_utils::quoted_u64"))]
            pub gas_limit: u64,
            /// Gas used.
            #[cfg_attr(feature = "serde", serde(with = "serde_utils::quoted_u64"))]
            pub gas_used: u64,
            /// Timestamp.
            #[cfg_attr(feature = "serde", serde(with = "serde_utils::quoted_u64"))]
            pub timestamp: u64,
            /// Extra data.
            #[cfg_attr(feature = "serde", serde(with = "ssz_types::serde_utils::hex_var_list"))]
            pub extra_data: ExtraData,
            /// Base fee.
            #[cfg_attr(feature = "serde", serde(with = "serde_utils::quoted_u256"))]
            pub base_fee_per_gas: U256,
            /// Execution block hash.
            pub block_hash: Hash256,
            /// Transactions.
            #[cfg_attr(feature = "serde", serde(with = "ssz_types::serde_utils::list_of_hex_var_list"))]
            pub transactions: Transactions,
            $($(#[$field_meta])* pub $field: $ty,)*
        }
    };
}

execution_payload!(
    /// `ExecutionPayload` of Bellatrix.
    ExecutionPayloadBellatrix
);

execution_payload!(
    /// `ExecutionPayload` of Capella: Bellatrix's plus withdrawals.
    ExecutionPayloadCapella,
    /// At most `MAX_WITHDRAWALS_PER_PAYLOAD` (16).
    withdrawals: VariableList<Withdrawal, U16>,
);

execution_payload!(
    /// `ExecutionPayload` of Deneb (also Electra and Fulu): Capella's plus blob gas.
    ExecutionPayloadDeneb,
    /// At most `MAX_WITHDRAWALS_PER_PAYLOAD` (16).
    withdrawals: VariableList<Withdrawal, U16>,
    /// Blob gas used.
    #[cfg_attr(feature = "serde", serde(with = "serde_utils::quoted_u64"))]
    blob_gas_used: u64,
    /// Excess blob gas.
    #[cfg_attr(feature = "serde", serde(with = "serde_utils::quoted_u64"))]
    excess_blob_gas: u64,
);

/// `BLSToExecutionChange` (Capella).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BlsToExecutionChange {
    /// The validator.
    #[cfg_attr(feature = "serde", serde(with = "serde_utils::quoted_u64"))]
    pub validator_index: u64,
    /// Its BLS withdrawal key.
    pub from_bls_pubkey: PubkeyBytes,
    /// The new execution withdrawal address.
    pub to_execution_address: Address,
}

/// `SignedBLSToExecutionChange` (Capella).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SignedBlsToExecutionChange {
    /// The change.
    pub message: BlsToExecutionChange,
    /// Signed by the BLS withdrawal key.
    pub signature: SignatureBytes,
}
