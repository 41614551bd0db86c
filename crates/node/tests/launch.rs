//! Network directories of real networks: the published `config.yaml` of mainnet and
//! Sepolia (`../shared/vectors/networks`) with their real genesis states
//! (`../shared/vectors/genesis`) load as networks with the published genesis roots, and
//! mismatched inputs are refused with errors that name the file.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failed unwrap is a failed test, with the value in the message"
)]

use std::io::Read;
use std::path::{Path, PathBuf};

use consensus::config::ChainConfig;
use consensus::primitives::Hash256;
use node::launch::{self, CONFIG_FILE, GENESIS_STATE_FILE, LaunchError};

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors")
}

fn genesis_state(network: &str) -> Vec<u8> {
    let zipped = std::fs::read(vectors().join(format!("genesis/{network}_genesis.ssz.zip")))
        .expect("the genesis vector");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zipped)).expect("zip");
    let mut file = archive
        .by_name("genesis.ssz")
        .expect("genesis.ssz in the zip");
    let mut out = Vec::new();
    file.read_to_end(&mut out).expect("unpacks");
    out
}

/// A directory with the network's published `config.yaml` and its genesis state.
fn network_dir(network: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        vectors().join(format!("networks/{network}/config.yaml")),
        dir.path().join(CONFIG_FILE),
    )
    .unwrap();
    std::fs::write(dir.path().join(GENESIS_STATE_FILE), genesis_state(network)).unwrap();
    dir
}

fn chain_constant(network: &str, path: &[&str]) -> serde_json::Value {
    let text = std::fs::read_to_string(vectors().join("chain_constants.json")).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value = value[network].take();
    for key in path {
        value = value[*key].take();
    }
    value
}

fn root(value: &serde_json::Value) -> Hash256 {
    value.as_str().unwrap().parse().unwrap()
}

#[test]
fn mainnets_published_directory_loads_with_the_genesis_block_root() {
    let dir = network_dir("mainnet");
    let network = launch::load_testnet_dir(dir.path()).unwrap();
    let mainnet = ChainConfig::mainnet();
    assert_eq!(network.config.name(), "mainnet");
    assert_eq!(network.config.genesis_time(), mainnet.genesis_time());
    assert_eq!(
        network.config.genesis_validators_root(),
        mainnet.genesis_validators_root()
    );
    assert_eq!(
        network.genesis.root(),
        root(&chain_constant("mainnet", &["block_roots", "0", "value"]))
    );
    assert!(network.recipe.is_none());
    // The 21,063 genesis validators (chain_constants.json: the registry's size).
    assert_eq!(network.proposers.len(), 21_063);
}

#[test]
fn sepolias_published_directory_loads_with_the_genesis_block_root() {
    let dir = network_dir("sepolia");
    let network = launch::load_testnet_dir(dir.path()).unwrap();
    assert_eq!(network.config.name(), "sepolia");
    assert_eq!(
        network.genesis.root(),
        root(&chain_constant("sepolia", &["genesis_block_root", "value"]))
    );
    assert_eq!(
        network.config.genesis_validators_root(),
        root(&chain_constant(
            "sepolia",
            &["genesis_validators_root", "value"]
        ))
    );
}

#[test]
fn a_genesis_state_of_another_network_is_refused() {
    let dir = network_dir("mainnet");
    let path = dir.path().join(GENESIS_STATE_FILE);
    // Sepolia's genesis state given for mainnet (the fork versions differ).
    std::fs::write(&path, genesis_state("sepolia")).unwrap();
    let error = launch::load_genesis_state(&path, ChainConfig::mainnet()).unwrap_err();
    assert!(matches!(error, LaunchError::GenesisFork { .. }), "{error}");
    assert!(error.to_string().contains("genesis.ssz"), "{error}");

    // Mainnet's genesis state with a built-in network that shares its fork version but
    // not its validators root.
    std::fs::write(&path, genesis_state("mainnet")).unwrap();
    let other = ChainConfig::mainnet().with_genesis(0, Hash256::from([1; 32]));
    let error = launch::load_genesis_state(&path, other).unwrap_err();
    assert!(matches!(error, LaunchError::OtherChain { .. }), "{error}");
}

#[test]
fn broken_network_files_are_refused_with_the_file_named() {
    let dir = network_dir("mainnet");
    let state = dir.path().join(GENESIS_STATE_FILE);
    std::fs::write(&state, b"not a state").unwrap();
    let error = launch::load_testnet_dir(dir.path()).unwrap_err();
    assert!(matches!(error, LaunchError::Invalid { .. }), "{error}");
    assert!(error.to_string().contains("genesis.ssz"), "{error}");

    let config = dir.path().join(CONFIG_FILE);
    std::fs::write(&config, "PRESET_BASE: 'minimal'\n").unwrap();
    let error = launch::load_testnet_dir(dir.path()).unwrap_err();
    assert!(error.to_string().contains("config.yaml"), "{error}");

    let empty = tempfile::tempdir().unwrap();
    let error = launch::load_testnet_dir(empty.path()).unwrap_err();
    assert!(matches!(error, LaunchError::NotANetwork { .. }), "{error}");
}
