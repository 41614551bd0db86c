//! Decodes the four real mainnet blocks of slots 1-4 from the shared vectors, checks that
//! they chain to the mainnet genesis block, and verifies their proposer signatures against
//! the keys of the real mainnet genesis state.
//!
//! ```text
//! cargo run -p beacon-sync-consensus --example verify_mainnet [-- <vectors dir>]
//! ```
//! The vectors directory defaults to `../shared/vectors` next to the repository.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use consensus::config::ChainConfig;
use consensus::state::{ValidatorRegistry, anchor_block_root};
use consensus::verify::{Anchor, Proposers};
use consensus::{Block, ChainVerifier, Fork};
use sync_types::{BlockData, BlockOutcome};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("verify_mainnet: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let vectors = std::env::args().nth(1).map_or_else(
        || {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/vectors"
            ))
        },
        PathBuf::from,
    );
    let read = |name: &str| {
        std::fs::read(vectors.join(name))
            .map_err(|e| format!("{}: {e}", vectors.join(name).display()))
    };

    let state = unzip(&read("genesis/mainnet_genesis.ssz.zip")?)?;
    let registry = ValidatorRegistry::from_state_bytes(&state).map_err(|e| e.to_string())?;
    let genesis_root = anchor_block_root(&state, Fork::Phase0).map_err(|e| e.to_string())?;
    let config = ChainConfig::mainnet();
    if registry.genesis_validators_root != config.genesis_validators_root() {
        return Err("the genesis state is not mainnet's".into());
    }
    println!(
        "mainnet genesis: {} validators, genesis block {genesis_root}",
        registry.len()
    );

    let expected: serde_json::Value =
        serde_json::from_slice(&read("mainnet_blocks_slot1-4_expected.json")?)
            .map_err(|e| format!("expected JSON: {e}"))?;
    let entries = expected["blocks"]
        .as_array()
        .ok_or("no blocks in the JSON")?;
    let mut segment = Vec::new();
    for entry in entries {
        let hex = entry["signed_beacon_block_ssz_hex"]
            .as_str()
            .ok_or("block without hex")?;
        let bytes = alloy_primitives::hex::decode(hex).map_err(|e| format!("block hex: {e}"))?;
        let block = Block::from_ssz_bytes(&bytes, Fork::Phase0).map_err(|e| e.to_string())?;
        println!(
            "slot {}: {} bytes, root {}, proposer {}",
            block.signed().slot(),
            bytes.len(),
            block.root(),
            block.signed().proposer_index()
        );
        segment.push(BlockData {
            block,
            sidecars: None,
            columns: None,
        });
    }

    let verifier = ChainVerifier::new(
        config,
        Proposers::from_compressed(registry.pubkeys),
        Anchor::Head {
            root: genesis_root,
            slot: 0,
        },
        (),
    );
    let report = verifier
        .verify_blocking(&segment)
        .map_err(|e| e.to_string())?;
    for (data, outcome) in segment.iter().zip(&report.outcomes) {
        let slot = data.block.signed().slot();
        match outcome {
            BlockOutcome::Ok => println!("slot {slot}: parent links, signature ok"),
            other => println!("slot {slot}: {other:?}"),
        }
    }
    match report.failure {
        None if report.outcomes.len() == segment.len() => Ok(()),
        None => Err("the verifier stopped early".into()),
        Some((_, error)) => Err(error.to_string()),
    }
}

fn unzip(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| format!("zip: {e}"))?;
    let mut file = archive
        .by_name("genesis.ssz")
        .map_err(|e| format!("zip: {e}"))?;
    let mut out = Vec::new();
    file.read_to_end(&mut out)
        .map_err(|e| format!("unzip: {e}"))?;
    Ok(out)
}
