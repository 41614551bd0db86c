//! The `BeaconState` container of every fork, phase0 to Fulu (mainnet preset).
//!
//! Every state starts with the same fields, from `genesis_time` to `slashings`; the
//! readers in [`super::summary`] rely on that prefix. The forks differ in the middle
//! (phase0 keeps pending attestations where Altair keeps participation flags) and in the
//! fields appended at the end. The `beacon_state!` macro writes the shared fields once,
//! in spec order, and takes the fork's own fields for the two places where forks differ;
//! one macro per fork (`altair_state!` to `electra_state!`) adds that fork's fields to
//! the previous fork's, so each fork names only what it adds or changes.

use ssz_derive::{Decode, Encode};
use ssz_types::{BitVector, FixedVector, VariableList};
use tree_hash_derive::TreeHash;

use crate::containers::common::{BeaconBlockHeader, Checkpoint, Eth1Data, StateFork};
use crate::primitives::Hash256;

use super::containers::{
    ExecutionPayloadHeaderBellatrix, ExecutionPayloadHeaderCapella, ExecutionPayloadHeaderDeneb,
    HistoricalSummary, PendingAttestation, PendingConsolidation, PendingDeposit,
    PendingPartialWithdrawal, SyncCommittee, Validator,
};
use super::preset::{
    EpochsPerHistoricalVector, EpochsPerSlashingsVector, Eth1DataVotesLimit, HistoricalRootsLimit,
    JustificationBitsLength, PendingAttestationsLimit, PendingConsolidationsLimit,
    PendingDepositsLimit, PendingPartialWithdrawalsLimit, ProposerLookaheadLength,
    SlotsPerHistoricalRoot, ValidatorRegistryLimit,
};

/// Writes one fork's `BeaconState`: the shared prefix, then `$middle` (the two
/// per-epoch attestation or participation lists), then the justification fields, then
/// `$tail` (the fields later forks appended). Field order is the SSZ order.
macro_rules! beacon_state {
    (
        $(#[$attr:meta])*
        $name:ident {
            middle: { $($middle:tt)* }
            tail: { $($tail:tt)* }
        }
    ) => {
        $(#[$attr])*
        #[derive(Clone, Debug, PartialEq, Encode, Decode, TreeHash)]
        pub struct $name {
            /// Unix time of genesis, in seconds.
            pub genesis_time: u64,
            /// `hash_tree_root` of the genesis validator registry; part of every signing domain.
            pub genesis_validators_root: Hash256,
            /// The state's slot.
            pub slot: u64,
            /// The fork versions in force at `slot`.
            pub fork: StateFork,
            /// The header of the latest block applied; its `state_root` is zero until the
            /// next slot is processed.
            pub latest_block_header: BeaconBlockHeader,
            /// Ring buffer of recent block roots, indexed by `slot % 8192`.
            pub block_roots: FixedVector<Hash256, SlotsPerHistoricalRoot>,
            /// Ring buffer of recent state roots, indexed by `slot % 8192`.
            pub state_roots: FixedVector<Hash256, SlotsPerHistoricalRoot>,
            /// Roots of the historical batches before Capella (frozen since).
            pub historical_roots: VariableList<Hash256, HistoricalRootsLimit>,
            /// The eth1 data agreed on.
            pub eth1_data: Eth1Data,
            /// The eth1 data votes of the current voting period.
            pub eth1_data_votes: VariableList<Eth1Data, Eth1DataVotesLimit>,
            /// The index of the next deposit to process.
            pub eth1_deposit_index: u64,
            /// The validator registry.
            pub validators: VariableList<Validator, ValidatorRegistryLimit>,
            /// The validators' balances in Gwei, by index.
            pub balances: VariableList<u64, ValidatorRegistryLimit>,
            /// Ring buffer of RANDAO mixes, indexed by `epoch % 65536`.
            pub randao_mixes: FixedVector<Hash256, EpochsPerHistoricalVector>,
            /// Ring buffer of slashed balances per epoch, in Gwei.
            pub slashings: FixedVector<u64, EpochsPerSlashingsVector>,
            $($middle)*
            /// Justification of the last four epochs, most recent first.
            pub justification_bits: BitVector<JustificationBitsLength>,
            /// The previous justified checkpoint.
            pub previous_justified_checkpoint: Checkpoint,
            /// The current justified checkpoint.
            pub current_justified_checkpoint: Checkpoint,
            /// The finalized checkpoint.
            pub finalized_checkpoint: Checkpoint,
            $($tail)*
        }
    };
}

beacon_state! {
    /// `BeaconState` of phase0.
    BeaconStatePhase0 {
        middle: {
            /// Attestations included during the previous epoch.
            pub previous_epoch_attestations: VariableList<PendingAttestation, PendingAttestationsLimit>,
            /// Attestations included during the current epoch.
            pub current_epoch_attestations: VariableList<PendingAttestation, PendingAttestationsLimit>,
        }
        tail: {}
    }
}

/// Writes an Altair-on state: participation flags in the middle, then inactivity scores
/// and sync committees, then `$tail` (the fields later forks appended).
macro_rules! altair_state {
    ($(#[$attr:meta])* $name:ident { $($tail:tt)* }) => {
        beacon_state! {
            $(#[$attr])*
            $name {
                middle: {
                    /// Participation flags per validator for the previous epoch.
                    pub previous_epoch_participation: VariableList<u8, ValidatorRegistryLimit>,
                    /// Participation flags per validator for the current epoch.
                    pub current_epoch_participation: VariableList<u8, ValidatorRegistryLimit>,
                }
                tail: {
                    /// Inactivity score per validator.
                    pub inactivity_scores: VariableList<u64, ValidatorRegistryLimit>,
                    /// The sync committee of the current period.
                    pub current_sync_committee: SyncCommittee,
                    /// The sync committee of the next period.
                    pub next_sync_committee: SyncCommittee,
                    $($tail)*
                }
            }
        }
    };
}

/// Writes a Bellatrix-on state: Altair's fields, the latest execution payload header of
/// type `$header` (it changes with the fork), then `$tail`.
macro_rules! bellatrix_state {
    ($(#[$attr:meta])* $name:ident<$header:ty> { $($tail:tt)* }) => {
        altair_state! {
            $(#[$attr])*
            $name {
                /// The header of the latest execution payload.
                pub latest_execution_payload_header: $header,
                $($tail)*
            }
        }
    };
}

/// Writes a Capella-on state: Bellatrix's fields (with header `$header`), the withdrawal
/// sweep and historical summaries, then `$tail`.
macro_rules! capella_state {
    ($(#[$attr:meta])* $name:ident<$header:ty> { $($tail:tt)* }) => {
        bellatrix_state! {
            $(#[$attr])*
            $name<$header> {
                /// The index of the next withdrawal.
                pub next_withdrawal_index: u64,
                /// Where the withdrawal sweep resumes.
                pub next_withdrawal_validator_index: u64,
                /// Historical summaries since Capella.
                pub historical_summaries: VariableList<HistoricalSummary, HistoricalRootsLimit>,
                $($tail)*
            }
        }
    };
}

/// Writes an Electra-on state: Capella's fields with Deneb's payload header (unchanged
/// since Deneb), Electra's churn fields and pending queues, then `$tail`.
macro_rules! electra_state {
    ($(#[$attr:meta])* $name:ident { $($tail:tt)* }) => {
        capella_state! {
            $(#[$attr])*
            $name<ExecutionPayloadHeaderDeneb> {
                /// The first deposit request index (`u64::MAX` until one is seen).
                pub deposit_requests_start_index: u64,
                /// Deposit churn left to consume, in Gwei.
                pub deposit_balance_to_consume: u64,
                /// Exit churn left to consume in `earliest_exit_epoch`, in Gwei.
                pub exit_balance_to_consume: u64,
                /// The earliest epoch a new exit can get.
                pub earliest_exit_epoch: u64,
                /// Consolidation churn left to consume, in Gwei.
                pub consolidation_balance_to_consume: u64,
                /// The earliest epoch a new consolidation can get.
                pub earliest_consolidation_epoch: u64,
                /// Deposits waiting for churn.
                pub pending_deposits: VariableList<PendingDeposit, PendingDepositsLimit>,
                /// Partial withdrawals waiting.
                pub pending_partial_withdrawals:
                    VariableList<PendingPartialWithdrawal, PendingPartialWithdrawalsLimit>,
                /// Consolidations waiting.
                pub pending_consolidations:
                    VariableList<PendingConsolidation, PendingConsolidationsLimit>,
                $($tail)*
            }
        }
    };
}

altair_state! {
    /// `BeaconState` of Altair: participation flags replace pending attestations; adds
    /// inactivity scores and sync committees.
    BeaconStateAltair {}
}

bellatrix_state! {
    /// `BeaconState` of Bellatrix: adds the latest execution payload header.
    BeaconStateBellatrix<ExecutionPayloadHeaderBellatrix> {}
}

capella_state! {
    /// `BeaconState` of Capella: adds the withdrawal sweep and historical summaries.
    BeaconStateCapella<ExecutionPayloadHeaderCapella> {}
}

capella_state! {
    /// `BeaconState` of Deneb: as Capella, with Deneb's execution payload header.
    BeaconStateDeneb<ExecutionPayloadHeaderDeneb> {}
}

electra_state! {
    /// `BeaconState` of Electra: adds the deposit, exit and consolidation queues; keeps
    /// Deneb's execution payload header.
    BeaconStateElectra {}
}

electra_state! {
    /// `BeaconState` of Fulu: Electra's plus the proposer lookahead.
    BeaconStateFulu {
        /// The proposers of the current and next epoch, by slot.
        pub proposer_lookahead: FixedVector<u64, ProposerLookaheadLength>,
    }
}
