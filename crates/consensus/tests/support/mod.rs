//! Reading the shared vectors (`../shared/vectors`) in tests.
#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;

use consensus::Fork;
use consensus::primitives::Hash256;
use serde_json::Value;

/// The shared vectors folder.
pub fn vectors() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/vectors"
    ))
}

/// The bytes of a vector file.
#[track_caller]
pub fn read(relative: &str) -> Vec<u8> {
    let path = vectors().join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// A JSON vector file.
#[track_caller]
pub fn json(relative: &str) -> Value {
    serde_json::from_slice(&read(relative)).expect("vector JSON parses")
}

/// Hex (with or without 0x) to bytes.
#[track_caller]
pub fn hex(text: &str) -> Vec<u8> {
    alloy_primitives::hex::decode(text).expect("vector hex decodes")
}

/// A 32-byte root from hex.
#[track_caller]
pub fn root(text: &str) -> Hash256 {
    Hash256::from_slice(&hex(text))
}

/// A JSON value as text, whether it is a string or a number.
#[track_caller]
pub fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A JSON value as u64, whether it is a string or a number.
#[track_caller]
pub fn number(value: &Value) -> u64 {
    text(value).parse().expect("a number")
}

/// The pyspec chain folders and their forks.
pub const PYSPEC_FORKS: [(&str, Fork); 3] = [
    ("deneb", Fork::Deneb),
    ("electra", Fork::Electra),
    ("fulu", Fork::Fulu),
];

/// The non-empty slot entries of a pyspec `expected.json`.
pub fn pyspec_blocks(expected: &Value) -> Vec<&Value> {
    expected["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .filter(|slot| !slot["empty"].as_bool().unwrap_or(false))
        .collect()
}

/// A gzip vector, unpacked.
#[track_caller]
pub fn gunzip(relative: &str) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(read(relative).as_slice())
        .read_to_end(&mut out)
        .expect("gzip vector unpacks");
    out
}

/// The `genesis.ssz` inside a network-config zip vector.
#[track_caller]
pub fn unzip_genesis(relative: &str) -> Vec<u8> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(read(relative))).expect("zip");
    let mut file = archive
        .by_name("genesis.ssz")
        .expect("genesis.ssz in the zip");
    let mut out = Vec::new();
    file.read_to_end(&mut out).expect("genesis.ssz unpacks");
    out
}

/// A pyspec chain: its config, keys, genesis block and blocks with sidecars.
pub struct PyspecChain {
    /// Folder name.
    pub name: &'static str,
    /// The fork.
    pub fork: Fork,
    /// `expected.json`.
    pub expected: Value,
    /// The chain's configuration.
    pub config: consensus::config::ChainConfig,
    /// The genesis state's validator keys.
    pub pubkeys: Vec<consensus::primitives::PubkeyBytes>,
    /// The genesis block.
    pub genesis: consensus::Block,
    /// The blocks in slot order, with their blob sidecars (before Fulu) or the data
    /// columns the vectors hold (Fulu).
    pub blocks: Vec<consensus::verify::BlockAndSidecars>,
}

impl PyspecChain {
    /// Loads the chain of `name` with the public loader, [`consensus::files::ChainFiles`]
    /// (which lists the folder: `expected.json` is only kept beside it).
    pub fn load(name: &'static str, fork: Fork) -> PyspecChain {
        let files = consensus::files::ChainFiles::load(vectors().join("pyspec").join(name))
            .unwrap_or_else(|e| panic!("loading pyspec/{name}: {e}"));
        assert_eq!(
            files.config.fork_at_slot(0),
            fork,
            "the fork of pyspec/{name}"
        );
        PyspecChain {
            name,
            fork,
            expected: json(&format!("pyspec/{name}/expected.json")),
            config: files.config,
            pubkeys: files.pubkeys,
            genesis: files.genesis,
            blocks: files.blocks,
        }
    }

    /// The proposers' keys.
    pub fn proposers(&self) -> consensus::verify::Proposers {
        consensus::verify::Proposers::from_compressed(self.pubkeys.clone())
    }

    /// A verifier anchored at the genesis block (forward).
    pub fn forward_verifier(&self) -> consensus::ChainVerifier {
        consensus::ChainVerifier::new(
            self.config.clone(),
            self.proposers(),
            consensus::verify::Anchor::at(&self.genesis),
            (),
        )
    }

    /// A verifier anchored at the head block (backward): it expects the head itself.
    pub fn backward_verifier(&self) -> consensus::ChainVerifier {
        let head = &self.blocks.last().expect("blocks").block;
        consensus::ChainVerifier::new(
            self.config.clone(),
            self.proposers(),
            consensus::verify::Anchor::above(head),
            (),
        )
    }

    /// Index of the block at `slot` in [`Self::blocks`].
    #[track_caller]
    pub fn position(&self, slot: u64) -> usize {
        self.blocks
            .iter()
            .position(|b| b.block.signed().slot() == slot)
            .expect("a block at slot")
    }
}

/// All three pyspec chains.
pub fn pyspec_chains() -> Vec<PyspecChain> {
    PYSPEC_FORKS
        .iter()
        .map(|(name, fork)| PyspecChain::load(name, *fork))
        .collect()
}

/// Asserts that `verifier` accepts every block of `segment`.
#[track_caller]
pub fn assert_all_ok(
    verifier: &consensus::ChainVerifier,
    segment: &[consensus::verify::BlockAndSidecars],
    what: &str,
) {
    let report = verifier.verify_blocking(segment).expect("no fault of ours");
    assert_eq!(report.failure, None, "{what}");
    assert_eq!(
        report.outcomes,
        vec![sync_types::BlockOutcome::Ok; segment.len()],
        "{what}"
    );
}
