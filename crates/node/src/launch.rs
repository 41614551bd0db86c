//! Loading what a node starts from: a network directory (a devnet made by `beacon-sync
//! generate`, or any network's `config.yaml` and `genesis.ssz`), a genesis state, a
//! checkpoint block and a state's validator registry, each with a typed, one-line error
//! that names the file.

use std::path::{Path, PathBuf};

use consensus::config::ChainConfig;
use consensus::keys::InteropKeys;
use consensus::primitives::Hash256;
use consensus::primitives::Version;
use consensus::state::{BeaconState, StateSummary, ValidatorRegistry};
use consensus::verify::Proposers;
use consensus::{Block, Fork};

use crate::devnet::{ChainRecipe, parse_fork};

/// How a devnet directory describes its chain.
pub const RECIPE_FILE: &str = "devnet.json";
/// A network's configuration in a standard network directory (the layout every client
/// reads with `--testnet-dir`).
pub const CONFIG_FILE: &str = "config.yaml";
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
        "{path} is not a network directory: it has neither {CONFIG_FILE} with {GENESIS_STATE_FILE} nor {RECIPE_FILE} (`beacon-sync generate --datadir DIR` makes one in DIR/source)"
    )]
    NotANetwork {
        /// The directory.
        path: PathBuf,
    },
    /// A network directory has a configuration but no genesis state.
    #[error(
        "{path} has {CONFIG_FILE} but no {GENESIS_STATE_FILE}: add the network's genesis state, or start from a checkpoint with --network"
    )]
    NoGenesisState {
        /// The directory.
        path: PathBuf,
    },
    /// A genesis state is not of the fork the network starts with.
    #[error(
        "{path} is not a genesis state of {network}: its fork version is {got}, and {network} starts at {fork} (version {expected})"
    )]
    GenesisFork {
        /// The state file.
        path: PathBuf,
        /// The network's name.
        network: String,
        /// The state's `fork.current_version`.
        got: Version,
        /// The network's fork at genesis.
        fork: Fork,
        /// That fork's version.
        expected: Version,
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

/// Loads a network directory: a devnet written by `beacon-sync generate` (or `devnet`),
/// known by its [`RECIPE_FILE`]; otherwise any network's [`CONFIG_FILE`] and
/// [`GENESIS_STATE_FILE`], as published for every public network and testnet.
///
/// # Errors
/// [`LaunchError`] naming the missing or malformed file.
pub fn load_testnet_dir(dir: &Path) -> Result<Network, LaunchError> {
    if dir.join(RECIPE_FILE).exists() {
        return load_devnet_dir(dir);
    }
    let config_path = dir.join(CONFIG_FILE);
    if !config_path.exists() {
        return Err(LaunchError::NotANetwork {
            path: dir.to_path_buf(),
        });
    }
    let text = read(&config_path)?;
    let text = String::from_utf8(text).map_err(|e| invalid(&config_path, "network config", &e))?;
    let config = ChainConfig::from_config_yaml(&text)
        .map_err(|e| invalid(&config_path, "network config", &e))?;
    let state_path = dir.join(GENESIS_STATE_FILE);
    if !state_path.exists() {
        return Err(LaunchError::NoGenesisState {
            path: dir.to_path_buf(),
        });
    }
    load_genesis_state(&state_path, config)
}

/// Loads a network from its genesis state (SSZ `BeaconState` at slot 0 of the fork
/// `config` starts with): genesis time and validators root (checked against `config`'s
/// when it has them), the validators' keys, and the genesis block rebuilt from the state.
///
/// # Errors
/// [`LaunchError`] when the file is missing, is not a genesis state of `config`'s fork,
/// or belongs to another chain.
pub fn load_genesis_state(path: &Path, config: ChainConfig) -> Result<Network, LaunchError> {
    genesis_network(&read(path)?, path, config)
}

/// [`load_genesis_state`] of state bytes read from `path` (a file, or the URL they were
/// fetched from, which errors name).
///
/// # Errors
/// As [`load_genesis_state`].
pub fn genesis_network(
    bytes: &[u8],
    path: &Path,
    config: ChainConfig,
) -> Result<Network, LaunchError> {
    const WHAT: &str = "SSZ genesis state";
    let summary = StateSummary::read(bytes).map_err(|e| invalid(path, WHAT, &e))?;
    if summary.slot != 0 {
        let detail = format!("its slot is {}, not 0", summary.slot);
        return Err(invalid(path, WHAT, &detail));
    }
    let fork = config.fork_at_slot(0);
    let expected = config.fork_version(fork);
    if summary.fork.current_version != expected {
        return Err(LaunchError::GenesisFork {
            path: path.to_path_buf(),
            network: config.name().to_owned(),
            got: summary.fork.current_version,
            fork,
            expected,
        });
    }
    let known = config.genesis_validators_root();
    if !known.is_zero() && known != summary.genesis_validators_root {
        return Err(LaunchError::OtherChain {
            path: path.to_path_buf(),
            got: summary.genesis_validators_root,
            expected: known,
        });
    }
    let state = BeaconState::from_ssz_bytes(bytes, fork).map_err(|e| invalid(path, WHAT, &e))?;
    let genesis = state.genesis_block().map_err(|e| invalid(path, WHAT, &e))?;
    let registry =
        ValidatorRegistry::from_state_bytes(bytes).map_err(|e| invalid(path, WHAT, &e))?;
    Ok(Network {
        config: config.with_genesis(state.genesis_time(), state.genesis_validators_root()),
        proposers: Proposers::from_compressed(registry.pubkeys),
        genesis,
        recipe: None,
    })
}

/// Loads a devnet directory written by `beacon-sync generate` (or `devnet`): its recipe,
/// its genesis block, and the interop keys of its validators.
fn load_devnet_dir(dir: &Path) -> Result<Network, LaunchError> {
    let recipe_path = dir.join(RECIPE_FILE);
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
    // The fork schedule the chain was generated with: Fulu later than genesis and the
    // BPO forks are in the recipe (a config without them asked Fulu blocks for blob
    // sidecars, and a second `devnet` run on the same directory never synced).
    let mut config = ChainConfig::devnet(fork, recipe.genesis_time, root);
    let bad_schedule = |e: consensus::ConfigError| invalid(&recipe_path, "devnet recipe", &e);
    if let Some(epoch) = recipe.fulu_epoch {
        config = config
            .with_fork_epoch(Fork::Fulu, Some(epoch))
            .map_err(bad_schedule)?;
    }
    if !recipe.bpo.is_empty() {
        let schedule = recipe
            .bpo
            .iter()
            .map(
                |&(epoch, max_blobs_per_block)| consensus::config::BlobScheduleEntry {
                    epoch,
                    max_blobs_per_block,
                },
            )
            .collect();
        config = config.with_blob_schedule(schedule).map_err(bad_schedule)?;
    }
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
    registry_of(&read(path)?, path, config)
}

/// [`load_registry`] of state bytes read from `path` (a file, or the URL they were
/// fetched from, which errors name).
///
/// # Errors
/// [`LaunchError`] when the bytes do not decode or are of another chain.
pub fn registry_of(
    bytes: &[u8],
    path: &Path,
    config: &ChainConfig,
) -> Result<Proposers, LaunchError> {
    Ok(registry_and_slot_of(bytes, path, config)?.0)
}

/// As [`registry_of`], with the state's slot.
///
/// # Errors
/// As [`registry_of`].
pub fn registry_and_slot_of(
    bytes: &[u8],
    path: &Path,
    config: &ChainConfig,
) -> Result<(Proposers, u64), LaunchError> {
    let registry = ValidatorRegistry::from_state_bytes(bytes)
        .map_err(|e| invalid(path, "SSZ beacon state", &e))?;
    if registry.genesis_validators_root != config.genesis_validators_root() {
        return Err(LaunchError::OtherChain {
            path: path.to_path_buf(),
            got: registry.genesis_validators_root,
            expected: config.genesis_validators_root(),
        });
    }
    let slot = StateSummary::read(bytes)
        .map_err(|e| invalid(path, "SSZ beacon state", &e))?
        .slot;
    Ok((Proposers::from_compressed(registry.pubkeys), slot))
}
