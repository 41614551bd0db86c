//! The genesis block rebuilt from a genesis state (`BeaconState::genesis_block`), for
//! every fork we have a real genesis of: mainnet and Sepolia (phase0), Lodestar's dev chain
//! (Capella), and the pyspec Deneb, Electra and Fulu chains. Expected roots and bytes come
//! from `/work/shared/vectors`, never from our own code.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failed unwrap is a failed test, with the value in the message"
)]

mod support;

use consensus::Fork;
use consensus::primitives::{Hash256, SignatureBytes};
use consensus::state::{BeaconState, StateError};
use support::{gunzip, unzip_genesis};
use tree_hash::TreeHash;

fn hash(text: &serde_json::Value) -> Hash256 {
    support::root(text.as_str().unwrap())
}

/// Checks the fields every genesis block has: slot 0, no parent, the state's root, no
/// signature, and SSZ that decodes back to the same block.
fn check_common(state: &BeaconState) -> consensus::Block {
    let block = state.genesis_block().unwrap();
    assert_eq!(block.signed().slot(), 0);
    assert_eq!(block.signed().parent_root(), Hash256::ZERO);
    assert_eq!(block.signed().state_root(), state.tree_hash_root());
    assert_eq!(block.signed().signature(), &SignatureBytes::ZERO);
    assert_eq!(block.root(), state.anchor_block_header().tree_hash_root());
    let bytes = block.signed().as_ssz_bytes();
    let again = consensus::Block::from_ssz_bytes(&bytes, state.fork()).unwrap();
    assert_eq!(again.root(), block.root());
    block
}

/// The genesis block of a published phase0 genesis state (`genesis/<network>_genesis.ssz.zip`).
fn published_genesis_block(network: &str) -> consensus::Block {
    let bytes = unzip_genesis(&format!("genesis/{network}_genesis.ssz.zip"));
    check_common(&BeaconState::from_ssz_bytes(&bytes, Fork::Phase0).unwrap())
}

#[test]
fn mainnet_genesis_block_has_the_published_root() {
    let constants = support::json("chain_constants.json");
    let block = published_genesis_block("mainnet");
    assert_eq!(
        block.root(),
        hash(&constants["mainnet"]["block_roots"]["0"]["value"])
    );
    assert_eq!(
        block.body_root(),
        hash(&constants["mainnet"]["phase0_empty_block_body_root"]["value"])
    );
}

#[test]
fn sepolia_genesis_block_has_the_published_root() {
    let constants = support::json("chain_constants.json");
    let block = published_genesis_block("sepolia");
    assert_eq!(
        block.root(),
        hash(&constants["sepolia"]["genesis_block_root"]["value"])
    );
}

#[test]
fn lodestar_capella_genesis_block_has_lodestars_header() {
    let genesis = support::json("lodestar-dev/genesis.json");
    let bytes = gunzip("lodestar-dev/genesis_state.ssz.gz");
    let state = BeaconState::from_ssz_bytes(&bytes, Fork::Capella).unwrap();
    let block = check_common(&state);
    let served = &genesis["genesis_block_header"];
    assert_eq!(block.root(), hash(&served["root"]));
    assert_eq!(
        block.body_root(),
        hash(&served["header"]["message"]["body_root"])
    );
    assert_eq!(
        block.signed().state_root(),
        hash(&served["header"]["message"]["state_root"])
    );
}

/// pyspec wrote the genesis block it made beside the state: ours is the same bytes.
fn check_pyspec(fork: Fork) {
    let bytes = gunzip(&format!("pyspec/{fork}/genesis_state.ssz.gz"));
    let state = BeaconState::from_ssz_bytes(&bytes, fork).unwrap();
    let block = check_common(&state);
    let expected = support::read(&format!("pyspec/{fork}/genesis_block.ssz"));
    assert!(block.signed().as_ssz_bytes() == expected, "{fork}");
    // The first block of the chain builds on it.
    let chain = support::json(&format!("pyspec/{fork}/expected.json"));
    let first = support::pyspec_blocks(&chain)[0];
    assert_eq!(hash(&first["parent_root"]), block.root(), "{fork}");
}

#[test]
fn pyspec_deneb_genesis_block_is_the_spec_one() {
    check_pyspec(Fork::Deneb);
}

#[test]
fn pyspec_electra_genesis_block_is_the_spec_one() {
    check_pyspec(Fork::Electra);
}

#[test]
fn pyspec_fulu_genesis_block_is_the_spec_one() {
    check_pyspec(Fork::Fulu);
}

#[test]
fn a_state_whose_latest_block_has_content_is_refused() {
    // Lodestar's state with a latest block header whose body is not the empty one: the
    // block's content is not in the state, so it cannot be rebuilt.
    let bytes = gunzip("lodestar-dev/genesis_state.ssz.gz");
    let mut state = BeaconState::from_ssz_bytes(&bytes, Fork::Capella).unwrap();
    let BeaconState::Capella(inner) = &mut state else {
        panic!("a Capella state");
    };
    inner.latest_block_header.slot = 7;
    inner.latest_block_header.body_root = Hash256::from([0x11; 32]);
    assert_eq!(
        state.genesis_block().unwrap_err(),
        StateError::NotGenesis { slot: 7 }
    );
}
