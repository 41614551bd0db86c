//! Loading a chain from a folder of SSZ files, in the layout of the consensus-spec style
//! reference chains (`shared/vectors/pyspec/<fork>/`):
//!
//! | file | what it is |
//! |---|---|
//! | `genesis_state.ssz[.gz]` (or `genesis.ssz[.gz]`) | the SSZ `BeaconState` the chain starts from (required) |
//! | `config.yaml` | the network's config (optional, see below) |
//! | `genesis_block.ssz[.gz]` | the state's `SignedBeaconBlock` (optional: rebuilt from the state when absent) |
//! | `blocks/<slot>.ssz[.gz]` | the blocks; no file for an empty slot |
//! | `sidecars/<slot>_<index>.ssz[.gz]` | `BlobSidecar`s of Deneb and Electra blocks |
//! | `columns/<slot>_<column>.ssz[.gz]` | `DataColumnSidecar`s of blocks from Fulu on |
//!
//! Any other file (`expected.json`, `config.json`, ...) is ignored, and so are hidden files
//! inside the three folders. Files are listed, not looked up from test metadata.
//!
//! The config is `config.yaml` with the state's genesis time and validators root when the
//! folder has one. Otherwise the state alone decides: its `fork.current_version` must be a
//! mainnet fork version, and the chain is [`ChainConfig::devnet`] of that fork (every fork
//! up to it at epoch 0), as pyspec and `lodestar dev` chains are. Each block is decoded
//! with the fork the config schedules at its slot.
//!
//! ```no_run
//! use consensus::files::ChainFiles;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let chain = ChainFiles::load("vectors/pyspec/deneb")?;
//! let report = chain.verifier().verify_blocking(&chain.blocks)?;
//! assert_eq!(report.failure, None);
//! # Ok(())
//! # }
//! ```

mod error;
mod read;
mod segment;

use std::path::Path;

pub use self::error::ChainFilesError;
use crate::block::Block;
use crate::config::ChainConfig;
use crate::fork::Fork;
use crate::primitives::PubkeyBytes;
use crate::state::{BeaconState, StateSummary, read_validator_pubkeys};
use crate::verify::{Anchor, BlockAndSidecars, ChainVerifier, Proposers};

/// The largest file accepted, in bytes, after unpacking: a bound on what a malformed
/// folder (or a gzip bomb) can make us allocate. Mainnet's states are a few hundred MB.
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// The genesis state's file names, in the order they are looked for.
const GENESIS_STATE_FILES: [&str; 4] = [
    "genesis_state.ssz",
    "genesis_state.ssz.gz",
    "genesis.ssz",
    "genesis.ssz.gz",
];

/// The genesis block's file names, in the order they are looked for.
const GENESIS_BLOCK_FILES: [&str; 2] = ["genesis_block.ssz", "genesis_block.ssz.gz"];

/// The network config's file name.
const CONFIG_FILE: &str = "config.yaml";

/// A chain read from a folder: its config, its validators' keys, its genesis block and
/// its blocks with their blob data, ready for a [`ChainVerifier`].
#[derive(Clone, Debug)]
pub struct ChainFiles {
    /// The chain's config, with the genesis state's time and validators root.
    pub config: ChainConfig,
    /// The genesis state's validator keys, by index.
    pub pubkeys: Vec<PubkeyBytes>,
    /// The genesis block (the block of the genesis state).
    pub genesis: Block,
    /// The blocks in slot order. Blocks of Deneb and Electra have `sidecars: Some(..)`,
    /// blocks from Fulu on `columns: Some(..)`, in index order (an empty list for a block
    /// without blobs); earlier blocks have neither.
    pub blocks: Vec<BlockAndSidecars>,
}

impl ChainFiles {
    /// Reads the chain in `dir` (see the [module docs](self) for the layout).
    ///
    /// # Errors
    /// A [`ChainFilesError`] naming the file at fault: a missing genesis state, a file
    /// that does not decode, a bad file name, a sidecar or column without its block, or
    /// an I/O error.
    pub fn load(dir: impl AsRef<Path>) -> Result<ChainFiles, ChainFilesError> {
        let dir = dir.as_ref();
        let (state_path, state) =
            read::read_first(dir, &GENESIS_STATE_FILES)?.ok_or_else(|| {
                ChainFilesError::NoGenesisState {
                    dir: dir.to_path_buf(),
                }
            })?;
        let bad_state = |source| ChainFilesError::State {
            path: state_path.clone(),
            source,
        };
        let summary = StateSummary::read(&state).map_err(bad_state)?;
        let config = chain_config(dir, &state_path, &summary)?;
        let pubkeys = read_validator_pubkeys(&state).map_err(bad_state)?;
        let genesis = match read::read_first(dir, &GENESIS_BLOCK_FILES)? {
            Some((path, bytes)) => genesis_block(&path, &bytes, &summary, &config)?,
            None => BeaconState::from_ssz_bytes(&state, config.fork_at_slot(summary.slot))
                .and_then(|state| state.genesis_block())
                .map_err(bad_state)?,
        };
        let blocks = segment::load_blocks(dir, &config)?;
        Ok(ChainFiles {
            config,
            pubkeys,
            genesis,
            blocks,
        })
    }

    /// The proposers' keys for a [`ChainVerifier`].
    pub fn proposers(&self) -> Proposers {
        Proposers::from_compressed(self.pubkeys.clone())
    }

    /// The newest block: the last of [`Self::blocks`], or the genesis block if none.
    pub fn head(&self) -> &Block {
        self.blocks.last().map_or(&self.genesis, |data| &data.block)
    }

    /// The anchor to verify [`Self::blocks`] forward from: the genesis block.
    pub fn forward_anchor(&self) -> Anchor {
        Anchor::at(&self.genesis)
    }

    /// The anchor to verify [`Self::blocks`] backward (newest first) from: the parent
    /// the slot after the [head](Self::head) would name, so the head itself comes first.
    pub fn backward_anchor(&self) -> Anchor {
        Anchor::above(self.head())
    }

    /// A verifier of this chain's config and keys, anchored at the genesis block
    /// ([`Self::forward_anchor`]), that keeps nothing.
    pub fn verifier(&self) -> ChainVerifier {
        ChainVerifier::new(
            self.config.clone(),
            self.proposers(),
            self.forward_anchor(),
            (),
        )
    }
}

/// The config of `dir`: its `config.yaml` if it has one, otherwise the devnet of the
/// state's fork; with the state's genesis time and validators root, and checked against
/// the state's fork version.
fn chain_config(
    dir: &Path,
    state_path: &Path,
    summary: &StateSummary,
) -> Result<ChainConfig, ChainFilesError> {
    let version = summary.fork.current_version;
    let yaml_path = dir.join(CONFIG_FILE);
    let config = match read::read_optional(&yaml_path)? {
        Some(bytes) => {
            let text = String::from_utf8(bytes).map_err(|_| ChainFilesError::NotUtf8 {
                path: yaml_path.clone(),
            })?;
            ChainConfig::from_config_yaml(&text)
                .map_err(|source| ChainFilesError::Config {
                    path: yaml_path,
                    source,
                })?
                .with_genesis(summary.genesis_time, summary.genesis_validators_root)
        }
        None => {
            let mainnet = ChainConfig::mainnet();
            let fork = Fork::ALL
                .into_iter()
                .find(|fork| mainnet.fork_version(*fork) == version)
                .ok_or_else(|| ChainFilesError::UnknownForkVersion {
                    path: state_path.to_path_buf(),
                    version,
                })?;
            ChainConfig::devnet(fork, summary.genesis_time, summary.genesis_validators_root)
        }
    };
    let fork = config.fork_at_slot(summary.slot);
    let expected = config.fork_version(fork);
    if version != expected {
        return Err(ChainFilesError::ForkMismatch {
            path: state_path.to_path_buf(),
            got: version,
            fork,
            expected,
        });
    }
    Ok(config)
}

/// Decodes the genesis block of `path` with the fork at its slot, and checks that it is
/// the block the state was built on.
fn genesis_block(
    path: &Path,
    bytes: &[u8],
    summary: &StateSummary,
    config: &ChainConfig,
) -> Result<Block, ChainFilesError> {
    let expected = summary.latest_block_header;
    let fork = config.fork_at_slot(expected.slot);
    let block = Block::from_ssz_bytes(bytes, fork).map_err(|source| ChainFilesError::Block {
        path: path.to_path_buf(),
        fork,
        source,
    })?;
    let header = block.header();
    // The state keeps its latest block's `state_root` zero until the next slot.
    let same = header.slot == expected.slot
        && header.proposer_index == expected.proposer_index
        && header.parent_root == expected.parent_root
        && header.body_root == expected.body_root
        && (expected.state_root.is_zero() || header.state_root == expected.state_root);
    if !same {
        return Err(ChainFilesError::GenesisMismatch {
            path: path.to_path_buf(),
        });
    }
    Ok(block)
}
