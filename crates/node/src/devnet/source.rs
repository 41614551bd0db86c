//! The devnet's source chain: generated once into `<datadir>/source` (a store and a
//! `devnet.json` saying how it was made) and reused while the parameters stay the same.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use consensus::config::ChainConfig;
use consensus::devnet::{Devnet, DevnetParams, SlotPlan, seed_from_u64};
use consensus::verify::{Anchor, Proposers};
use consensus::{Block, Fork};
use serde::{Deserialize, Serialize};
use store::{Anchors, Store};
use tracing::info;

use super::{DevnetError, DevnetOptions};

/// Slots committed per transaction while writing the generated chain.
const WRITE_SEGMENT_SLOTS: u64 = 64;

/// How a source chain was made (`devnet.json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainRecipe {
    /// The seed number.
    pub seed: u64,
    /// Slots after genesis.
    pub slots: u64,
    /// Interop validators.
    pub validators: u64,
    /// The fork of genesis.
    pub fork: String,
    /// The epoch the chain turns Fulu, if it does after genesis.
    #[serde(default)]
    pub fulu_epoch: Option<u64>,
    /// The BPO forks, as `(epoch, max blobs per block)`.
    #[serde(default)]
    pub bpo: Vec<(u64, u64)>,
    /// The most blobs per block.
    pub max_blobs: u64,
    /// Empty slots, per mille.
    pub skip_per_mille: u16,
    /// Genesis time, Unix seconds.
    pub genesis_time: u64,
    /// The genesis validators root (`0x` and 64 hex digits).
    pub genesis_validators_root: String,
}

impl ChainRecipe {
    fn same_chain_as(&self, options: &DevnetOptions) -> bool {
        self.seed == options.seed
            && self.slots == options.slots
            && self.validators == options.validators
            && self.fork == options.fork.to_string()
            && self.fulu_epoch == fulu_epoch(options)
            && self.bpo == bpo(options)
            && self.max_blobs == options.max_blobs
            && self.skip_per_mille == options.skip_per_mille
    }
}

/// The epoch `options`' chain turns Fulu after genesis, if it does.
fn fulu_epoch(options: &DevnetOptions) -> Option<u64> {
    options.later_forks().first().map(|(_, epoch)| *epoch)
}

/// The BPO forks of `options`' chain (none if it never reaches Fulu).
fn bpo(options: &DevnetOptions) -> Vec<(u64, u64)> {
    if !options.reaches_fulu() {
        return Vec::new();
    }
    let entries = options.bpo.iter();
    entries.map(|e| (e.epoch, e.max_blobs_per_block)).collect()
}

/// The generated chain in its store, ready to serve.
pub struct SourceChain {
    /// The store (opened once; every serving peer shares it).
    pub store: Arc<Store>,
    /// The chain's configuration.
    pub config: ChainConfig,
    /// The validators' keys.
    pub proposers: Proposers,
    /// The genesis block.
    pub genesis: Block,
    /// The committed anchors (the head is the chain's last block).
    pub anchors: Anchors,
    /// How it was made.
    pub recipe: ChainRecipe,
    /// Where it lies.
    pub dir: PathBuf,
    /// Whether it was generated now (false: reused).
    pub generated: bool,
    /// Time spent generating and writing it (zero when reused).
    pub build_time: Duration,
}

fn recipe_path(dir: &Path) -> PathBuf {
    dir.join(crate::launch::RECIPE_FILE)
}

/// Reuses `<datadir>/source` if it holds the chain `options` describe, otherwise
/// generates the chain there (its genesis time chosen so that its head is the current
/// slot now).
pub fn prepare(options: &DevnetOptions) -> Result<SourceChain, DevnetError> {
    let dir = options.data_dir.join("source");
    if let Some(chain) = reuse(&dir, options)? {
        return Ok(chain);
    }
    generate(&dir, options)
}

fn reuse(dir: &Path, options: &DevnetOptions) -> Result<Option<SourceChain>, DevnetError> {
    let Ok(network) = crate::launch::load_testnet_dir(dir) else {
        return Ok(None);
    };
    let Some(recipe) = network.recipe.filter(|r| r.same_chain_as(options)) else {
        return Ok(None);
    };
    let config = network.config;
    let store = Store::open(dir.join(crate::STORE_FILE), &config)?;
    let Some(anchors) = store.anchors()? else {
        return Ok(None);
    };
    let genesis = network.genesis;
    info!(target: "node::devnet", dir = %dir.display(), head = anchors.head.slot, "reusing the generated chain");
    Ok(Some(SourceChain {
        store: Arc::new(store),
        proposers: network.proposers,
        config,
        genesis,
        anchors,
        recipe,
        dir: dir.to_path_buf(),
        generated: false,
        build_time: Duration::ZERO,
    }))
}

fn generate(dir: &Path, options: &DevnetOptions) -> Result<SourceChain, DevnetError> {
    generate_with_plan(dir, options, None)
}

/// Generates the chain of `options` into `dir` (replacing what is there), its genesis time
/// chosen so that its head is the wall clock's slot now. `plan` replaces the drawn empty
/// slots and blob counts (the bench's exact blobs per block).
pub(super) fn generate_with_plan(
    dir: &Path,
    options: &DevnetOptions,
    plan: Option<Vec<SlotPlan>>,
) -> Result<SourceChain, DevnetError> {
    let started = Instant::now();
    let dir = &super::fresh_dir(dir)?;
    std::fs::create_dir_all(dir).map_err(|source| DevnetError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let genesis_time = now.saturating_sub(options.slots.saturating_mul(12));
    info!(target: "node::devnet", slots = options.slots, validators = options.validators, fork = %options.fork, fulu_epoch = ?fulu_epoch(options), "generating the devnet chain");
    let devnet = Devnet::generate(DevnetParams {
        seed: seed_from_u64(options.seed),
        validators: options.validators,
        genesis_fork: options.fork,
        later_forks: options.later_forks(),
        blob_schedule: options.reaches_fulu().then(|| options.bpo.clone()),
        slots: options.slots,
        skip_per_mille: options.skip_per_mille,
        max_blobs: Some(options.max_blobs),
        genesis_time,
        slot_plan: plan,
        ..DevnetParams::default()
    })?;
    let store = Store::open(dir.join(crate::STORE_FILE), devnet.config())?;
    store.init_anchor(devnet.genesis_block(), &[])?;
    let mut start = 1;
    while start <= options.slots {
        let end = start
            .saturating_add(WRITE_SEGMENT_SLOTS)
            .min(options.slots + 1);
        let segment = devnet.segment(start..end);
        if let Some(last) = segment.last() {
            let anchor = Anchor::Head {
                root: last.block.root(),
                slot: last.block.signed().slot(),
            };
            store.commit_segment(&segment, anchor)?;
        }
        start = end;
    }
    let anchors = store.anchors()?.ok_or(store::StoreError::NoAnchor)?;
    let recipe = ChainRecipe {
        seed: options.seed,
        slots: options.slots,
        validators: options.validators,
        fork: options.fork.to_string(),
        fulu_epoch: fulu_epoch(options),
        bpo: bpo(options),
        max_blobs: options.max_blobs,
        skip_per_mille: options.skip_per_mille,
        genesis_time,
        genesis_validators_root: devnet.config().genesis_validators_root().to_string(),
    };
    let json = serde_json::to_string_pretty(&recipe).expect("invariant: a recipe serialises");
    write(
        &dir.join(crate::launch::GENESIS_STATE_FILE),
        devnet.genesis_state_ssz(),
    )?;
    // With config.yaml beside genesis.ssz the directory is also a standard network
    // directory, which any client's `--testnet-dir` reads.
    write(
        &dir.join(crate::launch::CONFIG_FILE),
        devnet.config().to_config_yaml().as_bytes(),
    )?;
    write(
        &dir.join(crate::launch::GENESIS_BLOCK_FILE),
        &devnet.genesis_block().signed().as_ssz_bytes(),
    )?;
    // Written last: its presence says the directory is complete.
    write(&recipe_path(dir), json.as_bytes())?;
    Ok(SourceChain {
        store: Arc::new(store),
        config: devnet.config().clone(),
        proposers: devnet.proposers(),
        genesis: devnet.genesis_block().clone(),
        anchors,
        recipe,
        dir: dir.to_path_buf(),
        generated: true,
        build_time: started.elapsed(),
    })
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), DevnetError> {
    std::fs::write(path, bytes).map_err(|source| DevnetError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The fork names `--fork` accepts.
pub fn parse_fork(name: &str) -> Option<Fork> {
    [Fork::Deneb, Fork::Electra, Fork::Fulu]
        .into_iter()
        .find(|f| f.to_string().eq_ignore_ascii_case(name))
}
