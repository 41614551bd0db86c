//! `BeaconState` decoding, roots and the cheap state readers, against real genesis states:
//! mainnet and Sepolia (phase0, from Lighthouse's network configs), a Lodestar Capella
//! dev chain, and the pyspec Deneb, Electra and Fulu chains. Every expected value comes
//! from `/work/shared/vectors`.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failed unwrap is a failed test, with the value in the message"
)]

mod support;

use std::sync::OnceLock;

use consensus::Fork;
use consensus::containers::common::StateFork;
use consensus::primitives::{Hash256, PubkeyBytes, Version};
use consensus::state::summary::{
    BALANCES_OFFSET_POS, ETH1_DATA_VOTES_OFFSET_POS, HISTORICAL_ROOTS_OFFSET_POS, MIN_FIXED_LEN,
    VALIDATORS_OFFSET_POS,
};
use consensus::state::{
    BeaconState, BeaconStateAltair, BeaconStateBellatrix, BeaconStateCapella,
    ExecutionPayloadHeaderBellatrix, StateError, StateSummary, VALIDATOR_SSZ_LEN,
    ValidatorRegistry, anchor_block_root, genesis_block_header, read_validator_pubkeys,
};
use proptest::prelude::*;
use serde_json::Value;
use ssz::Encode;
use support::{gunzip, unzip_genesis};
use tree_hash::TreeHash;

/// Size of the Lodestar genesis state (its README).
const LODESTAR_STATE_LEN: usize = 2_738_333;

fn mainnet_bytes() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| unzip_genesis("genesis/mainnet_genesis.ssz.zip"))
}

fn mainnet_state() -> &'static BeaconState {
    static STATE: OnceLock<BeaconState> = OnceLock::new();
    STATE.get_or_init(|| BeaconState::from_ssz_bytes(mainnet_bytes(), Fork::Phase0).unwrap())
}

fn lodestar_bytes() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| gunzip("lodestar-dev/genesis_state.ssz.gz"))
}

fn lodestar_state() -> &'static BeaconState {
    static STATE: OnceLock<BeaconState> = OnceLock::new();
    STATE.get_or_init(|| BeaconState::from_ssz_bytes(lodestar_bytes(), Fork::Capella).unwrap())
}

fn pyspec_bytes(fork: Fork) -> Vec<u8> {
    gunzip(&format!("pyspec/{fork}/genesis_state.ssz.gz"))
}

fn hash(value: &Value) -> Hash256 {
    value.as_str().unwrap().parse().unwrap()
}

fn pubkey(value: &Value) -> PubkeyBytes {
    value.as_str().unwrap().parse().unwrap()
}

fn version(value: &Value) -> Version {
    value.as_str().unwrap().parse().unwrap()
}

fn sha256_hex(bytes: &[u8]) -> String {
    ethereum_hashing::hash(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The summary and the pubkey reader give what the full decode gives.
#[track_caller]
fn assert_cheap_reads_agree(bytes: &[u8], state: &BeaconState) {
    let summary = StateSummary::read(bytes).unwrap();
    assert_eq!(summary.genesis_time, state.genesis_time());
    assert_eq!(
        summary.genesis_validators_root,
        state.genesis_validators_root()
    );
    assert_eq!(summary.slot, state.slot());
    assert_eq!(summary.fork, state.state_fork());
    assert_eq!(&summary.latest_block_header, state.latest_block_header());

    let registry = ValidatorRegistry::from_state_bytes(bytes).unwrap();
    assert_eq!(registry, ValidatorRegistry::from_state(state));
    assert_eq!(registry.len(), state.validators().len());
    assert_eq!(
        genesis_block_header(&summary, state.tree_hash_root()),
        state.anchor_block_header()
    );
}

/// The validators offset at 524,552 points at the encoded validators in `bytes`, and the
/// balances offset right after marks their end.
#[track_caller]
fn assert_validators_offset(bytes: &[u8], state: &BeaconState) {
    let offset_at = |position: usize| -> usize {
        let raw: [u8; 4] = bytes[position..position + 4].try_into().unwrap();
        usize::try_from(u32::from_le_bytes(raw)).unwrap()
    };
    let start = offset_at(VALIDATORS_OFFSET_POS);
    let end = offset_at(BALANCES_OFFSET_POS);
    let encoded: Vec<u8> = state
        .validators()
        .iter()
        .flat_map(Encode::as_ssz_bytes)
        .collect();
    assert_eq!(end - start, state.validators().len() * VALIDATOR_SSZ_LEN);
    assert_eq!(&bytes[start..end], encoded.as_slice(), "{}", state.fork());
    // The first offset is the fork's fixed-part length, never below the shared prefix.
    assert!(offset_at(HISTORICAL_ROOTS_OFFSET_POS) >= MIN_FIXED_LEN);
}

// ---------------------------------------------------------------------------------------
// Mainnet and Sepolia (phase0).

#[test]
fn mainnet_genesis_file_is_the_published_one() {
    assert_eq!(
        sha256_hex(mainnet_bytes()),
        "bbdf6fa5ffd6ead8ca6714c60a17d14d48ccaabbb18622b8485f88b58633d620"
    );
}

#[test]
fn mainnet_genesis_decodes_as_phase0_with_the_published_roots() {
    let constants = support::json("chain_constants.json");
    let mainnet = &constants["mainnet"];
    let state = mainnet_state();

    assert_eq!(state.fork(), Fork::Phase0);
    assert!(matches!(state, BeaconState::Phase0(_)));
    assert_eq!(
        state.tree_hash_root(),
        hash(&mainnet["genesis_state_root"]["value"])
    );
    assert_eq!(state.validators().len(), 21063);
    assert_eq!(
        state.genesis_validators_root(),
        hash(&mainnet["genesis_validators_root"]["value"])
    );
    assert_eq!(
        state.validators_tree_hash_root(),
        state.genesis_validators_root()
    );
    assert_eq!(
        state.genesis_time(),
        mainnet["genesis_time"]["value"].as_u64().unwrap()
    );
    assert_eq!(state.slot(), 0);
    assert_eq!(
        state.latest_block_header().body_root,
        hash(&mainnet["phase0_empty_block_body_root"]["value"])
    );
}

#[test]
fn mainnet_genesis_reencodes_to_the_same_bytes() {
    assert!(mainnet_state().as_ssz_bytes() == mainnet_bytes());
}

#[test]
fn mainnet_genesis_block_root_is_the_anchor_root() {
    let constants = support::json("chain_constants.json");
    let expected = hash(&constants["mainnet"]["block_roots"]["0"]["value"]);
    assert_eq!(
        anchor_block_root(mainnet_bytes(), Fork::Phase0).unwrap(),
        expected
    );
    assert_eq!(
        mainnet_state().anchor_block_header().tree_hash_root(),
        expected
    );
    // The stored header has no state root yet: the genesis state is its block's post-state.
    assert_eq!(
        mainnet_state().latest_block_header().state_root,
        Hash256::ZERO
    );
}

#[test]
fn mainnet_cheap_reads_agree_with_the_full_decode() {
    assert_cheap_reads_agree(mainnet_bytes(), mainnet_state());
    assert_validators_offset(mainnet_bytes(), mainnet_state());
}

#[test]
fn mainnet_registry_has_the_proposers_of_slots_1_to_4() {
    let registry = ValidatorRegistry::from_state_bytes(mainnet_bytes()).unwrap();
    let expected = support::json("mainnet_blocks_slot1-4_expected.json");
    let blocks = expected["blocks"].as_array().unwrap();
    assert_eq!(blocks.len(), 4);
    for block in blocks {
        let index = block["proposer_index"].as_u64().unwrap();
        assert_eq!(
            registry.pubkey(index),
            Some(&pubkey(&block["proposer_pubkey"])),
            "slot {}",
            block["slot"]
        );
    }
    assert_eq!(registry.pubkey(21063), None);
    assert_eq!(registry.pubkey(u64::MAX), None);
}

#[test]
fn sepolia_genesis_has_the_published_roots() {
    let constants = support::json("chain_constants.json");
    let sepolia = &constants["sepolia"];
    let bytes = unzip_genesis("genesis/sepolia_genesis.ssz.zip");
    let state = BeaconState::from_ssz_bytes(&bytes, Fork::Phase0).unwrap();

    assert_eq!(
        state.tree_hash_root(),
        hash(&sepolia["genesis_state_root"]["value"])
    );
    assert_eq!(
        state.genesis_validators_root(),
        hash(&sepolia["genesis_validators_root"]["value"])
    );
    assert_eq!(
        state.validators_tree_hash_root(),
        state.genesis_validators_root()
    );
    assert_eq!(
        state.genesis_time(),
        sepolia["genesis_time"].as_u64().unwrap()
    );
    assert_eq!(
        state.state_fork().current_version,
        version(&sepolia["forks"][0]["version"])
    );
    assert_eq!(
        anchor_block_root(&bytes, Fork::Phase0).unwrap(),
        hash(&sepolia["genesis_block_root"]["value"])
    );
    assert!(state.as_ssz_bytes() == bytes);
    assert_cheap_reads_agree(&bytes, &state);
}

// ---------------------------------------------------------------------------------------
// Lodestar dev chain (Capella from genesis).

#[test]
fn lodestar_capella_genesis_has_lodestars_roots() {
    let genesis = support::json("lodestar-dev/genesis.json");
    let state = lodestar_state();

    assert_eq!(lodestar_bytes().len(), LODESTAR_STATE_LEN);
    assert_eq!(
        state.tree_hash_root(),
        hash(&genesis["genesis_state"]["hash_tree_root"])
    );
    assert_eq!(
        state.tree_hash_root(),
        "0x790127f2d1e701eb020f1d09d866ca933202cbf63bedcf6d556399c6bb0ef6b5"
            .parse::<Hash256>()
            .unwrap()
    );
    assert_eq!(
        state.genesis_validators_root(),
        hash(&genesis["genesis"]["genesis_validators_root"])
    );
    assert_eq!(
        state.validators_tree_hash_root(),
        state.genesis_validators_root()
    );
    assert_eq!(state.validators().len(), 8);
    assert_eq!(
        state.state_fork().current_version,
        version(&genesis["genesis"]["genesis_fork_version"])
    );
    assert_eq!(
        anchor_block_root(lodestar_bytes(), Fork::Capella).unwrap(),
        hash(&genesis["genesis_block_header"]["root"])
    );
    assert!(state.as_ssz_bytes() == lodestar_bytes());
}

#[test]
fn lodestar_capella_cheap_reads_agree_with_the_full_decode() {
    assert_cheap_reads_agree(lodestar_bytes(), lodestar_state());
    assert_validators_offset(lodestar_bytes(), lodestar_state());
}

#[test]
fn a_state_of_another_fork_does_not_decode() {
    let error = BeaconState::from_ssz_bytes(lodestar_bytes(), Fork::Deneb).unwrap_err();
    assert!(
        matches!(
            error,
            StateError::Decode {
                fork: Fork::Deneb,
                ..
            }
        ),
        "{error}"
    );
    let error = BeaconState::from_ssz_bytes(lodestar_bytes(), Fork::Phase0).unwrap_err();
    assert!(
        matches!(
            error,
            StateError::Decode {
                fork: Fork::Phase0,
                ..
            }
        ),
        "{error}"
    );
}

// ---------------------------------------------------------------------------------------
// Pyspec chains (Deneb, Electra, Fulu from genesis).

#[track_caller]
fn check_pyspec_genesis(fork: Fork) {
    let config = support::json(&format!("pyspec/{fork}/config.json"));
    let expected = support::json(&format!("pyspec/{fork}/expected.json"));
    let bytes = pyspec_bytes(fork);
    let state = BeaconState::from_ssz_bytes(&bytes, fork).unwrap();

    assert_eq!(state.fork(), fork);
    assert_eq!(state.tree_hash_root(), hash(&config["genesis_state_root"]));
    assert_eq!(
        state.genesis_validators_root(),
        hash(&config["genesis_validators_root"])
    );
    assert_eq!(
        state.validators_tree_hash_root(),
        state.genesis_validators_root()
    );
    assert_eq!(
        anchor_block_root(&bytes, fork).unwrap(),
        hash(&config["genesis_block_root"])
    );
    assert_eq!(
        state.genesis_time(),
        config["genesis_time"].as_u64().unwrap()
    );
    let state_fork = &config["state_fork"];
    assert_eq!(
        state.state_fork(),
        StateFork {
            previous_version: version(&state_fork["previous_version"]),
            current_version: version(&state_fork["current_version"]),
            epoch: state_fork["epoch"].as_u64().unwrap(),
        }
    );
    assert!(state.as_ssz_bytes() == bytes, "{fork} re-encoding differs");

    assert_cheap_reads_agree(&bytes, &state);
    assert_validators_offset(&bytes, &state);

    let registry = ValidatorRegistry::from_state_bytes(&bytes).unwrap();
    assert_eq!(registry.len(), 64);
    assert_eq!(
        registry.genesis_validators_root,
        hash(&config["genesis_validators_root"])
    );
    let mut proposers_checked = 0;
    for slot in expected["slots"].as_array().unwrap() {
        if slot["empty"].as_bool().unwrap() {
            continue;
        }
        let index = slot["proposer_index"].as_u64().unwrap();
        assert_eq!(
            registry.pubkey(index),
            Some(&pubkey(&slot["proposer_pubkey"])),
            "{fork} slot {}",
            slot["slot"]
        );
        proposers_checked += 1;
    }
    assert_eq!(proposers_checked, 16);
    // Validator 0 is the first interop key (pyspec README).
    let first = registry.pubkeys[0].as_slice();
    assert_eq!(first[..4], [0xa9, 0x9a, 0x76, 0xed]);
    assert_eq!(first[45..], [0x38, 0xe4, 0x4c]);
}

#[test]
fn pyspec_deneb_genesis_has_the_spec_roots() {
    check_pyspec_genesis(Fork::Deneb);
}

#[test]
fn pyspec_electra_genesis_has_the_spec_roots() {
    check_pyspec_genesis(Fork::Electra);
}

#[test]
fn pyspec_fulu_genesis_has_the_spec_roots() {
    check_pyspec_genesis(Fork::Fulu);
}

// ---------------------------------------------------------------------------------------
// Altair and Bellatrix: no vector exists, so build their states from the Capella one and
// check that the shared prefix (and thus the validators offset) holds for them too.

fn capella() -> &'static BeaconStateCapella {
    match lodestar_state() {
        BeaconState::Capella(state) => state,
        other => panic!("expected Capella, got {}", other.fork()),
    }
}

fn altair_from(c: &BeaconStateCapella) -> BeaconStateAltair {
    BeaconStateAltair {
        genesis_time: c.genesis_time,
        genesis_validators_root: c.genesis_validators_root,
        slot: c.slot,
        fork: c.fork,
        latest_block_header: c.latest_block_header,
        block_roots: c.block_roots.clone(),
        state_roots: c.state_roots.clone(),
        historical_roots: c.historical_roots.clone(),
        eth1_data: c.eth1_data,
        eth1_data_votes: c.eth1_data_votes.clone(),
        eth1_deposit_index: c.eth1_deposit_index,
        validators: c.validators.clone(),
        balances: c.balances.clone(),
        randao_mixes: c.randao_mixes.clone(),
        slashings: c.slashings.clone(),
        previous_epoch_participation: c.previous_epoch_participation.clone(),
        current_epoch_participation: c.current_epoch_participation.clone(),
        justification_bits: c.justification_bits.clone(),
        previous_justified_checkpoint: c.previous_justified_checkpoint,
        current_justified_checkpoint: c.current_justified_checkpoint,
        finalized_checkpoint: c.finalized_checkpoint,
        inactivity_scores: c.inactivity_scores.clone(),
        current_sync_committee: c.current_sync_committee.clone(),
        next_sync_committee: c.next_sync_committee.clone(),
    }
}

fn bellatrix_from(c: &BeaconStateCapella) -> BeaconStateBellatrix {
    let a = altair_from(c);
    let h = &c.latest_execution_payload_header;
    BeaconStateBellatrix {
        genesis_time: a.genesis_time,
        genesis_validators_root: a.genesis_validators_root,
        slot: a.slot,
        fork: a.fork,
        latest_block_header: a.latest_block_header,
        block_roots: a.block_roots,
        state_roots: a.state_roots,
        historical_roots: a.historical_roots,
        eth1_data: a.eth1_data,
        eth1_data_votes: a.eth1_data_votes,
        eth1_deposit_index: a.eth1_deposit_index,
        validators: a.validators,
        balances: a.balances,
        randao_mixes: a.randao_mixes,
        slashings: a.slashings,
        previous_epoch_participation: a.previous_epoch_participation,
        current_epoch_participation: a.current_epoch_participation,
        justification_bits: a.justification_bits,
        previous_justified_checkpoint: a.previous_justified_checkpoint,
        current_justified_checkpoint: a.current_justified_checkpoint,
        finalized_checkpoint: a.finalized_checkpoint,
        inactivity_scores: a.inactivity_scores,
        current_sync_committee: a.current_sync_committee,
        next_sync_committee: a.next_sync_committee,
        latest_execution_payload_header: ExecutionPayloadHeaderBellatrix {
            parent_hash: h.parent_hash,
            fee_recipient: h.fee_recipient,
            state_root: h.state_root,
            receipts_root: h.receipts_root,
            logs_bloom: h.logs_bloom,
            prev_randao: h.prev_randao,
            block_number: h.block_number,
            gas_limit: h.gas_limit,
            gas_used: h.gas_used,
            timestamp: h.timestamp,
            extra_data: h.extra_data.clone(),
            base_fee_per_gas: h.base_fee_per_gas,
            block_hash: h.block_hash,
            transactions_root: h.transactions_root,
        },
    }
}

#[test]
fn altair_and_bellatrix_states_round_trip_and_share_the_prefix() {
    let built = [
        BeaconState::Altair(Box::new(altair_from(capella()))),
        BeaconState::Bellatrix(Box::new(bellatrix_from(capella()))),
    ];
    let mut roots = Vec::new();
    for state in built {
        let bytes = state.as_ssz_bytes();
        let decoded = BeaconState::from_ssz_bytes(&bytes, state.fork()).unwrap();
        assert_eq!(decoded, state);
        assert_cheap_reads_agree(&bytes, &decoded);
        assert_validators_offset(&bytes, &decoded);
        roots.push(decoded.tree_hash_root());
    }
    // Different containers, different roots, and neither is the Capella root.
    roots.push(lodestar_state().tree_hash_root());
    assert_ne!(roots[0], roots[1]);
    assert_ne!(roots[1], roots[2]);
    assert_ne!(roots[0], roots[2]);
}

// ---------------------------------------------------------------------------------------
// Malformed input: typed errors, never a panic.

#[test]
fn short_input_is_reported_as_truncated() {
    assert_eq!(
        StateSummary::read(&[0; 175]),
        Err(StateError::Truncated {
            needed: 176,
            got: 175
        })
    );
    assert!(StateSummary::read(&[0; 176]).is_ok());
    assert_eq!(
        read_validator_pubkeys(&mainnet_bytes()[..MIN_FIXED_LEN - 1]),
        Err(StateError::Truncated {
            needed: MIN_FIXED_LEN,
            got: MIN_FIXED_LEN - 1
        })
    );
}

/// A copy of the Lodestar state with the 4-byte offset at `position` set to `value`.
fn with_offset(position: usize, value: u32) -> Vec<u8> {
    let mut bytes = lodestar_bytes().to_vec();
    bytes[position..position + 4].copy_from_slice(&value.to_le_bytes());
    bytes
}

#[test]
fn bad_validator_offsets_are_rejected() {
    let len = lodestar_bytes().len();
    let end_of_validators = u32::from_le_bytes(
        lodestar_bytes()[BALANCES_OFFSET_POS..BALANCES_OFFSET_POS + 4]
            .try_into()
            .unwrap(),
    );
    // Past the end of the input.
    let bytes = with_offset(VALIDATORS_OFFSET_POS, u32::MAX);
    assert!(matches!(
        read_validator_pubkeys(&bytes),
        Err(StateError::BadOffset {
            field: "validators",
            ..
        })
    ));
    // Into the fixed part.
    let bytes = with_offset(VALIDATORS_OFFSET_POS, 100);
    assert!(matches!(
        read_validator_pubkeys(&bytes),
        Err(StateError::BadOffset {
            field: "validators",
            offset: 100,
            ..
        })
    ));
    // The list end before its start.
    let bytes = with_offset(BALANCES_OFFSET_POS, u32::try_from(MIN_FIXED_LEN).unwrap());
    assert!(matches!(
        read_validator_pubkeys(&bytes),
        Err(StateError::BadOffset {
            field: "balances",
            ..
        })
    ));
    // The balances offset past the end.
    let bytes = with_offset(BALANCES_OFFSET_POS, u32::try_from(len + 1).unwrap());
    assert!(matches!(
        read_validator_pubkeys(&bytes),
        Err(StateError::BadOffset {
            field: "balances",
            ..
        })
    ));
    // A list that is not a whole number of records.
    let bytes = with_offset(BALANCES_OFFSET_POS, end_of_validators + 1);
    assert_eq!(
        read_validator_pubkeys(&bytes),
        Err(StateError::ValidatorsLength {
            len: 8 * VALIDATOR_SSZ_LEN + 1,
            record_len: VALIDATOR_SSZ_LEN
        })
    );
}

/// The smallest offset a list can have, as the `u32` the format stores.
fn min_offset() -> u32 {
    u32::try_from(MIN_FIXED_LEN).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        let _ = StateSummary::read(&bytes);
        prop_assert!(read_validator_pubkeys(&bytes).is_err());
        prop_assert!(ValidatorRegistry::from_state_bytes(&bytes).is_err());
    }

    /// A fixed part of the right size with random list offsets and a random tail.
    #[test]
    fn random_offsets_never_panic(
        offsets in proptest::array::uniform4(prop_oneof![
            any::<u32>(),
            min_offset()..min_offset() + 2048,
        ]),
        tail in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let mut bytes = vec![0_u8; MIN_FIXED_LEN];
        let positions = [HISTORICAL_ROOTS_OFFSET_POS, ETH1_DATA_VOTES_OFFSET_POS,
            VALIDATORS_OFFSET_POS, BALANCES_OFFSET_POS];
        for (position, offset) in positions.into_iter().zip(offsets) {
            bytes[position..position + 4].copy_from_slice(&offset.to_le_bytes());
        }
        bytes.extend_from_slice(&tail);
        if let Ok(pubkeys) = read_validator_pubkeys(&bytes) {
            prop_assert!(pubkeys.len() * VALIDATOR_SSZ_LEN <= tail.len());
        }
    }

    /// A real state cut anywhere: the readers either fail or read what the whole file holds.
    #[test]
    fn truncated_state_never_panics(
        cut in prop_oneof![0..LODESTAR_STATE_LEN, LODESTAR_STATE_LEN - 4096..=LODESTAR_STATE_LEN],
    ) {
        let bytes = &lodestar_bytes()[..cut];
        if let Ok(summary) = StateSummary::read(bytes) {
            prop_assert_eq!(summary, StateSummary::read(lodestar_bytes()).unwrap());
        }
        if let Ok(registry) = ValidatorRegistry::from_state_bytes(bytes) {
            prop_assert_eq!(&registry, &ValidatorRegistry::from_state(lodestar_state()));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// The full decoder also fails cleanly on a cut or corrupted state.
    #[test]
    fn corrupted_state_does_not_decode_or_panic(
        cut in prop_oneof![0..LODESTAR_STATE_LEN, LODESTAR_STATE_LEN - 4096..LODESTAR_STATE_LEN],
        position in 0..MIN_FIXED_LEN,
        byte in any::<u8>(),
    ) {
        prop_assert!(BeaconState::from_ssz_bytes(&lodestar_bytes()[..cut], Fork::Capella).is_err());
        let mut bytes = lodestar_bytes().to_vec();
        bytes[position] = byte;
        let _ = BeaconState::from_ssz_bytes(&bytes, Fork::Capella);
        let _ = read_validator_pubkeys(&bytes);
    }
}
