//! Loading what a node starts from: a network directory (a devnet made by `beacon-sync
//! generate`), a checkpoint block and a state's validator registry, each with a typed,
//! one-line error that names the file.

use std::path::{Path, PathBuf};

use consensus::config::ChainConfig;
use consensus::keys::InteropKeys;
use consensus::primitives::Hash256;
use consensus::state::ValidatorRegistry;
use consensus::verify::Proposers;
use consensus::{Block, Fork};

use crate::devnet::{ChainRecipe, parse_fork};

/// How a devnet directory describes its chain.
pub const RECIPE_FILE: &str = "devnet.json";
/// The genesis state's SSZ in a network directory.
pub const GENESIS_STATE_FILE: &str = "genesis.ssz";
/// The genesis block's SSZ in a devnet directory.
pub const GENESIS_BLOCK_FILE: &str = "genesis_block.ssz";

/// Why a network or a checkpoint could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the file system said.
        #[source]
        source: std::io::Error,
    },
    /// A directory is not a network directory.
    #[error(
        "{path} is not a network directory: it has no {RECIPE_FILE} (make one with `beacon-sync generate --datadir DIR`)"
    )]
    NotANetwork {
        /// The directory.
        path: PathBuf,
    },
    /// A file's content is not what it should be.
    #[error("{path} is not a valid {what}: {detail}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What it should hold.
        what: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// A state belongs to another chain.
    #[error("{path} belongs to another chain: genesis validators root {got}, expected {expected}")]
    OtherChain {
        /// The state file.
        path: PathBuf,
        /// Its genesis validators root.
        got: Hash256,
        /// Ours.
        expected: Hash256,
    },
}

/// A network a node can join: its configuration, its registry and its genesis block.
#[derive(Debug)]
pub struct Network {
    /// The chain's configuration.
    pub config: ChainConfig,
    /// The validators' keys.
    pub proposers: Proposers,
    /// The genesis block.
    pub genesis: Block,
    /// How a devnet was made (`None` for other networks).
    pub recipe: Option<ChainRecipe>,
}

fn read(path: &Path) -> Result<Vec<u8>, LaunchError> {
    std::fs::read(path).map_err(|source| LaunchError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn invalid(path: &Path, what: &'static str, detail: &impl ToString) -> LaunchError {
    LaunchError::Invalid {
        path: path.to_path_buf(),
        what,
        detail: detail.to_string(),
    }
}

/// Loads a devnet directory written by `beacon-sync generate` (or `devnet`): its recipe,
/// its genesis block, and the interop keys of its validators.
///
/// # Errors
/// [`LaunchError`] naming the missing or malformed file.
pub fn load_testnet_dir(dir: &Path) -> Result<Network, LaunchError> {
    let recipe_path = dir.join(RECIPE_FILE);
    if !recipe_path.exists() {
        return Err(LaunchError::NotANetwork {
            path: dir.to_path_buf(),
        });
    }
    let text = read(&recipe_path)?;
    let recipe: ChainRecipe =
        serde_json::from_slice(&text).map_err(|e| invalid(&recipe_path, "devnet recipe", &e))?;
    let fork = parse_fork(&recipe.fork).ok_or_else(|| {
        invalid(
            &recipe_path,
            "devnet recipe",
            &format!("unknown fork {}", recipe.fork),
        )
    })?;
    let root: Hash256 = recipe
        .genesis_validators_root
        .parse()
        .map_err(|e| invalid(&recipe_path, "devnet recipe", &e))?;
    let config = ChainConfig::devnet(fork, recipe.genesis_time, root);
    let genesis_path = dir.join(GENESIS_BLOCK_FILE);
    let genesis = Block::from_ssz_bytes(&read(&genesis_path)?, fork)
        .map_err(|e| invalid(&genesis_path, "genesis block", &e))?;
    let proposers = Proposers::from_keys(InteropKeys::generate(recipe.validators).public_keys());
    Ok(Network {
        config,
        proposers,
        genesis,
        recipe: Some(recipe),
    })
}

/// The slot of a `SignedBeaconBlock`'s SSZ: the message starts after its 4-byte offset
/// and the 96-byte signature, and opens with the slot.
fn ssz_block_slot(bytes: &[u8]) -> Option<u64> {
    let slot = bytes.get(100..108)?;
    Some(u64::from_le_bytes(slot.try_into().ok()?))
}

/// Reads a checkpoint block (SSZ `SignedBeaconBlock` of the fork its slot is in).
///
/// # Errors
/// [`LaunchError`] when the file is missing, too short or does not decode.
pub fn load_checkpoint_block(path: &Path, config: &ChainConfig) -> Result<Block, LaunchError> {
    let bytes = read(path)?;
    let slot = ssz_block_slot(&bytes)
        .ok_or_else(|| invalid(path, "SSZ signed beacon block", &"too short"))?;
    let fork: Fork = config.fork_at_slot(slot);
    Block::from_ssz_bytes(&bytes, fork).map_err(|e| invalid(path, "SSZ signed beacon block", &e))
}

/// Reads the validator registry of a state (SSZ `BeaconState` of any fork), checking it
/// belongs to `config`'s chain.
///
/// # Errors
/// [`LaunchError`] when the file is missing, does not decode, or is of another chain.
pub fn load_registry(path: &Path, config: &ChainConfig) -> Result<Proposers, LaunchError> {
    let bytes = read(path)?;
    let registry = ValidatorRegistry::from_state_bytes(&bytes)
        .map_err(|e| invalid(path, "SSZ beacon state", &e))?;
    if registry.genesis_validators_root != config.genesis_validators_root() {
        return Err(LaunchError::OtherChain {
            path: path.to_path_buf(),
            got: registry.genesis_validators_root,
            expected: config.genesis_validators_root(),
        });
    }
    Ok(Proposers::from_compressed(registry.pubkeys))
}
