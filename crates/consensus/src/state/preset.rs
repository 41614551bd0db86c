//! Mainnet-preset list and vector lengths of the `BeaconState`, as `typenum` sizes for
//! `ssz_types`. Names follow the spec's constants (`presets/mainnet/*.yaml`); where a
//! length is a product of two constants the product is given.

use ssz_types::typenum;

/// `SLOTS_PER_HISTORICAL_ROOT` = 2^13: length of `block_roots` and `state_roots`.
pub type SlotsPerHistoricalRoot = typenum::U8192;
/// [`SlotsPerHistoricalRoot`] as a number.
pub const SLOTS_PER_HISTORICAL_ROOT: u64 = 8192;
/// `HISTORICAL_ROOTS_LIMIT` = 2^24: limit of `historical_roots` and `historical_summaries`.
pub type HistoricalRootsLimit = typenum::U16777216;
/// `EPOCHS_PER_ETH1_VOTING_PERIOD * SLOTS_PER_EPOCH` = 64 * 32: limit of `eth1_data_votes`.
pub type Eth1DataVotesLimit = typenum::U2048;
/// `VALIDATOR_REGISTRY_LIMIT` = 2^40: limit of the per-validator lists.
pub type ValidatorRegistryLimit = typenum::U1099511627776;
/// `EPOCHS_PER_HISTORICAL_VECTOR` = 2^16: length of `randao_mixes`.
pub type EpochsPerHistoricalVector = typenum::U65536;
/// `EPOCHS_PER_SLASHINGS_VECTOR` = 2^13: length of `slashings`.
pub type EpochsPerSlashingsVector = typenum::U8192;
/// `MAX_ATTESTATIONS * SLOTS_PER_EPOCH` = 128 * 32: limit of phase0's pending attestations.
pub type PendingAttestationsLimit = typenum::U4096;
/// `JUSTIFICATION_BITS_LENGTH` = 4.
pub type JustificationBitsLength = typenum::U4;
/// `MAX_VALIDATORS_PER_COMMITTEE` = 2^11: the bits of a phase0 aggregation bitlist.
pub type MaxValidatorsPerCommittee = typenum::U2048;
/// `SYNC_COMMITTEE_SIZE` = 2^9.
pub type SyncCommitteeSize = typenum::U512;
/// `MAX_EXTRA_DATA_BYTES` = 2^5.
pub type MaxExtraDataBytes = typenum::U32;
/// `PENDING_DEPOSITS_LIMIT` = 2^27.
pub type PendingDepositsLimit = typenum::U134217728;
/// `PENDING_PARTIAL_WITHDRAWALS_LIMIT` = 2^27.
pub type PendingPartialWithdrawalsLimit = typenum::U134217728;
/// `PENDING_CONSOLIDATIONS_LIMIT` = 2^18.
pub type PendingConsolidationsLimit = typenum::U262144;
/// `(MIN_SEED_LOOKAHEAD + 1) * SLOTS_PER_EPOCH` = 2 * 32: length of Fulu's
/// `proposer_lookahead`.
pub type ProposerLookaheadLength = typenum::U64;
