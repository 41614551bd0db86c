//! Chain configuration: the fork schedule, fork digests and signing domains of a network.
//!
//! A [`ChainConfig`] holds what range sync needs from a network's `config.yaml` (fork
//! versions and epochs, request limits, the blob schedule) plus the chain's genesis
//! identity (genesis time and `genesis_validators_root`, which come from the genesis
//! state, not from `config.yaml`).
//!
//! # Fork digests
//!
//! Every response chunk of a block or sidecar carries 4 context bytes: the fork digest of
//! the epoch it belongs to. Before Fulu the digest is the first 4 bytes of
//! `hash_tree_root(ForkData{version, genesis_validators_root})`. From Fulu on (EIP-7892)
//! that root is first XORed with `sha256(le64(epoch) ‖ le64(max_blobs_per_block))` of the
//! blob parameters in force, so each blob-parameter-only (BPO) fork gets a digest of its
//! own while the fork version and the SSZ types stay Fulu's. [`ChainConfig::fork_for_digest`]
//! maps every digest the chain can show, BPO ones included, back to its [`Fork`]; the
//! table is computed once when the config is built.
//!
//! # Signing
//!
//! A proposer signs `hash_tree_root(SigningData{block_root, domain})`, where the domain is
//! `DOMAIN_BEACON_PROPOSER ‖ fork_data_root(version at the block's epoch)[..28]`. Domains
//! never use the Fulu blob mask.
//!
//! Only the mainnet preset is supported: the containers are compiled for it.

mod digest;
mod error;
mod networks;
mod yaml;
mod yaml_out;

use sync_types::{BlobLimit, ChainSpec, Epoch};

pub use self::digest::{
    DOMAIN_BEACON_PROPOSER, DomainType, compute_fork_data_root, compute_signing_root,
};
pub use self::error::ConfigError;
use crate::fork::Fork;
use crate::primitives::{ForkDigest, Hash256, Version};

/// `FAR_FUTURE_EPOCH`: how config files write "not scheduled".
pub const FAR_FUTURE_EPOCH: u64 = u64::MAX;

/// `SLOTS_PER_EPOCH` of the mainnet preset, the only preset supported.
pub const SLOTS_PER_EPOCH: u64 = 32;

/// The largest `config.yaml` accepted, in bytes (real ones are under 10 KB).
pub const MAX_CONFIG_YAML_BYTES: usize = 1 << 20;

/// One entry of Fulu's `BLOB_SCHEDULE`: from `epoch` on, blocks may carry up to
/// `max_blobs_per_block` blobs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BlobScheduleEntry {
    /// The first epoch the limit applies to.
    pub epoch: u64,
    /// The blob limit from that epoch on.
    pub max_blobs_per_block: u64,
}

/// A fork's version and activation epoch (`None` when not scheduled).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ForkParams {
    /// The fork version.
    pub version: Version,
    /// The first epoch of the fork, `None` if the fork is not scheduled.
    pub epoch: Option<u64>,
}

/// A digest the chain can show on the wire, with the fork and epoch it starts at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct DigestEntry {
    /// The 4-byte fork digest.
    digest: ForkDigest,
    /// The fork whose SSZ types go with the digest (Fulu for every BPO digest).
    fork: Fork,
    /// The first epoch the digest is used.
    epoch: u64,
}

/// The configuration of one chain: mainnet preset values, fork schedule, blob schedule and
/// genesis identity. Build it with [`ChainConfig::mainnet`] and friends,
/// [`ChainConfig::devnet`], or [`ChainConfig::from_config_yaml`] plus
/// [`ChainConfig::with_genesis`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainConfig {
    name: String,
    seconds_per_slot: u64,
    max_request_blocks: u64,
    max_request_blocks_deneb: u64,
    min_epochs_for_block_requests: u64,
    min_epochs_for_blob_sidecars_requests: u64,
    min_epochs_for_data_column_sidecars_requests: u64,
    max_blobs_per_block: u64,
    max_blobs_per_block_electra: u64,
    /// Sorted by epoch, no two entries with the same epoch.
    blob_schedule: Vec<BlobScheduleEntry>,
    genesis_time: u64,
    genesis_validators_root: Hash256,
    /// Indexed like [`Fork::ALL`].
    forks: [ForkParams; Fork::ALL.len()],
    /// Every digest of a scheduled fork or BPO fork; rebuilt whenever an input changes.
    digests: Vec<DigestEntry>,
}

/// The values of a config besides its genesis identity, as read from `config.yaml`.
#[derive(Clone, Debug)]
pub(crate) struct ConfigParts {
    pub(crate) name: String,
    pub(crate) seconds_per_slot: u64,
    pub(crate) max_request_blocks: u64,
    pub(crate) max_request_blocks_deneb: u64,
    pub(crate) min_epochs_for_block_requests: u64,
    pub(crate) min_epochs_for_blob_sidecars_requests: u64,
    pub(crate) min_epochs_for_data_column_sidecars_requests: u64,
    pub(crate) max_blobs_per_block: u64,
    pub(crate) max_blobs_per_block_electra: u64,
    pub(crate) blob_schedule: Vec<BlobScheduleEntry>,
    pub(crate) forks: [ForkParams; Fork::ALL.len()],
}

/// The position of `fork` in [`Fork::ALL`]; always a valid index into a fork array.
const fn fork_index(fork: Fork) -> usize {
    match fork {
        Fork::Phase0 => 0,
        Fork::Altair => 1,
        Fork::Bellatrix => 2,
        Fork::Capella => 3,
        Fork::Deneb => 4,
        Fork::Electra => 5,
        Fork::Fulu => 6,
    }
}

impl ChainConfig {
    /// Builds a config from its parts, checking the fork order and the blob schedule, with
    /// a zero genesis time and root (set them with [`ChainConfig::with_genesis`]).
    pub(crate) fn from_parts(mut parts: ConfigParts) -> Result<ChainConfig, ConfigError> {
        check_fork_order(&parts.forks)?;
        sort_blob_schedule(&mut parts.blob_schedule)?;
        let mut config = ChainConfig {
            name: parts.name,
            seconds_per_slot: parts.seconds_per_slot,
            max_request_blocks: parts.max_request_blocks,
            max_request_blocks_deneb: parts.max_request_blocks_deneb,
            min_epochs_for_block_requests: parts.min_epochs_for_block_requests,
            min_epochs_for_blob_sidecars_requests: parts.min_epochs_for_blob_sidecars_requests,
            min_epochs_for_data_column_sidecars_requests: parts
                .min_epochs_for_data_column_sidecars_requests,
            max_blobs_per_block: parts.max_blobs_per_block,
            max_blobs_per_block_electra: parts.max_blobs_per_block_electra,
            blob_schedule: parts.blob_schedule,
            genesis_time: 0,
            genesis_validators_root: Hash256::ZERO,
            forks: parts.forks,
            digests: Vec::new(),
        };
        config.rebuild_digests();
        Ok(config)
    }

    /// Sets the genesis time (Unix seconds) and `genesis_validators_root`, both read from
    /// the genesis state, and recomputes the digest table.
    #[must_use]
    pub fn with_genesis(mut self, genesis_time: u64, genesis_validators_root: Hash256) -> Self {
        self.genesis_time = genesis_time;
        self.genesis_validators_root = genesis_validators_root;
        self.rebuild_digests();
        self
    }

    /// Sets `SECONDS_PER_SLOT` (dev chains such as `lodestar dev` often run faster slots).
    ///
    /// # Errors
    ///
    /// [`ConfigError::InvalidSlotDuration`] for zero.
    pub fn with_seconds_per_slot(mut self, seconds: u64) -> Result<ChainConfig, ConfigError> {
        if seconds == 0 {
            return Err(ConfigError::InvalidSlotDuration {
                key: "SECONDS_PER_SLOT",
                value: 0,
            });
        }
        self.seconds_per_slot = seconds;
        Ok(self)
    }

    /// Replaces Fulu's `BLOB_SCHEDULE` (the BPO forks) and recomputes the digest table.
    ///
    /// # Errors
    ///
    /// [`ConfigError::DuplicateBlobScheduleEpoch`] if two entries share an epoch.
    pub fn with_blob_schedule(
        mut self,
        mut schedule: Vec<BlobScheduleEntry>,
    ) -> Result<ChainConfig, ConfigError> {
        sort_blob_schedule(&mut schedule)?;
        self.blob_schedule = schedule;
        self.rebuild_digests();
        Ok(self)
    }

    /// Renames the config (the name is informational only).
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Schedules `fork` at `epoch` (`None` or [`FAR_FUTURE_EPOCH`] = unscheduled).
    ///
    /// # Errors
    ///
    /// [`ConfigError::ForkOrder`] if the schedule would no longer be in fork order, and
    /// [`ConfigError::GenesisForkNotAtZero`] for phase0 at any epoch but 0.
    pub fn with_fork_epoch(
        mut self,
        fork: Fork,
        epoch: Option<u64>,
    ) -> Result<ChainConfig, ConfigError> {
        let epoch = epoch.filter(|e| *e != FAR_FUTURE_EPOCH);
        self.forks[fork_index(fork)].epoch = epoch;
        check_fork_order(&self.forks)?;
        self.rebuild_digests();
        Ok(self)
    }

    /// The network's name (`mainnet`, `sepolia`, `devnet`, or `CONFIG_NAME`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `SLOTS_PER_EPOCH` (always 32: mainnet preset).
    pub const fn slots_per_epoch(&self) -> u64 {
        SLOTS_PER_EPOCH
    }

    /// `SECONDS_PER_SLOT`.
    pub const fn seconds_per_slot(&self) -> u64 {
        self.seconds_per_slot
    }

    /// `MAX_REQUEST_BLOCKS`: the longest blocks-by-range request before Deneb.
    pub const fn max_request_blocks(&self) -> u64 {
        self.max_request_blocks
    }

    /// `MAX_REQUEST_BLOCKS_DENEB`: the longest blocks-by-range request from Deneb on.
    pub const fn max_request_blocks_deneb(&self) -> u64 {
        self.max_request_blocks_deneb
    }

    /// The longest blocks-by-range request a peer must serve for blocks of `epoch`.
    pub fn max_request_blocks_at_epoch(&self, epoch: u64) -> u64 {
        if self.fork_at_epoch(epoch) >= Fork::Deneb {
            self.max_request_blocks_deneb
        } else {
            self.max_request_blocks
        }
    }

    /// `MIN_EPOCHS_FOR_BLOCK_REQUESTS`: how many epochs back peers must serve blocks.
    pub const fn min_epochs_for_block_requests(&self) -> u64 {
        self.min_epochs_for_block_requests
    }

    /// `MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS`: how many epochs back peers must serve blobs.
    pub const fn min_epochs_for_blob_sidecars_requests(&self) -> u64 {
        self.min_epochs_for_blob_sidecars_requests
    }

    /// `MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS`: how many epochs back peers must
    /// serve data columns.
    pub const fn min_epochs_for_data_column_sidecars_requests(&self) -> u64 {
        self.min_epochs_for_data_column_sidecars_requests
    }

    /// `MAX_BLOBS_PER_BLOCK` (Deneb's limit, 6 on mainnet).
    pub const fn max_blobs_per_block(&self) -> u64 {
        self.max_blobs_per_block
    }

    /// `MAX_BLOBS_PER_BLOCK_ELECTRA` (9 on mainnet).
    pub const fn max_blobs_per_block_electra(&self) -> u64 {
        self.max_blobs_per_block_electra
    }

    /// Fulu's `BLOB_SCHEDULE`, sorted by epoch.
    pub fn blob_schedule(&self) -> &[BlobScheduleEntry] {
        &self.blob_schedule
    }

    /// Genesis time, Unix seconds (0 until [`ChainConfig::with_genesis`] for a parsed config).
    pub const fn genesis_time(&self) -> u64 {
        self.genesis_time
    }

    /// `genesis_validators_root` (zero until [`ChainConfig::with_genesis`] for a parsed config).
    pub const fn genesis_validators_root(&self) -> Hash256 {
        self.genesis_validators_root
    }

    /// The version and activation epoch of `fork`.
    pub fn fork_params(&self, fork: Fork) -> ForkParams {
        self.forks[fork_index(fork)]
    }

    /// The fork version of `fork`, scheduled or not.
    pub fn fork_version(&self, fork: Fork) -> Version {
        self.fork_params(fork).version
    }

    /// The activation epoch of `fork`, `None` when it is not scheduled.
    pub fn fork_epoch(&self, fork: Fork) -> Option<u64> {
        self.fork_params(fork).epoch
    }

    /// The fork in force at `epoch`: the last scheduled fork whose epoch is `<= epoch`.
    pub fn fork_at_epoch(&self, epoch: u64) -> Fork {
        Fork::ALL
            .into_iter()
            .rev()
            .find(|fork| self.fork_epoch(*fork).is_some_and(|start| start <= epoch))
            .unwrap_or(Fork::Phase0)
    }

    /// The fork in force at `slot`.
    pub fn fork_at_slot(&self, slot: u64) -> Fork {
        self.fork_at_epoch(self.slot_to_epoch(slot))
    }

    /// The fork version in force at `epoch`.
    pub fn fork_version_at_epoch(&self, epoch: u64) -> Version {
        self.fork_version(self.fork_at_epoch(epoch))
    }

    /// The epoch of `slot`.
    pub const fn slot_to_epoch(&self, slot: u64) -> u64 {
        slot / SLOTS_PER_EPOCH
    }

    /// The first slot of `epoch` (saturating at `u64::MAX` for far-future epochs).
    pub const fn epoch_start_slot(&self, epoch: u64) -> u64 {
        epoch.saturating_mul(SLOTS_PER_EPOCH)
    }

    /// Fulu's `get_blob_parameters(epoch)` as `(epoch, max_blobs_per_block)`: the last
    /// `BLOB_SCHEDULE` entry at or before `epoch`, or `(ELECTRA_FORK_EPOCH,
    /// MAX_BLOBS_PER_BLOCK_ELECTRA)` when there is none.
    pub fn blob_parameters(&self, epoch: u64) -> (u64, u64) {
        self.blob_schedule
            .iter()
            .rev()
            .find(|entry| entry.epoch <= epoch)
            .map_or(
                (
                    self.fork_epoch(Fork::Electra).unwrap_or(FAR_FUTURE_EPOCH),
                    self.max_blobs_per_block_electra,
                ),
                |entry| (entry.epoch, entry.max_blobs_per_block),
            )
    }

    /// The most blobs a block of `epoch` may carry: 0 before Deneb, `MAX_BLOBS_PER_BLOCK`
    /// in Deneb, `MAX_BLOBS_PER_BLOCK_ELECTRA` in Electra, the blob schedule from Fulu on.
    pub fn max_blobs_per_block_at_epoch(&self, epoch: u64) -> u64 {
        match self.fork_at_epoch(epoch) {
            Fork::Phase0 | Fork::Altair | Fork::Bellatrix | Fork::Capella => 0,
            Fork::Deneb => self.max_blobs_per_block,
            Fork::Electra => self.max_blobs_per_block_electra,
            Fork::Fulu => self.blob_parameters(epoch).1,
        }
    }

    /// The `sync-types` view of this config that the queue and manager use.
    ///
    /// The blob limits list Deneb's and Electra's limits at their fork epochs, then, from
    /// Fulu on, each change the blob schedule makes (an entry equal to the limit already
    /// in force is left out).
    pub fn to_sync_spec(&self) -> ChainSpec {
        let mut blob_limits: Vec<BlobLimit> = Vec::new();
        let mut push = |epoch: u64, max_blobs_per_block: u64| {
            if blob_limits.last().map(|l| l.max_blobs_per_block) != Some(max_blobs_per_block) {
                blob_limits.push(BlobLimit {
                    epoch: Epoch(epoch),
                    max_blobs_per_block,
                });
            }
        };
        if let Some(deneb) = self.fork_epoch(Fork::Deneb) {
            push(deneb, self.max_blobs_per_block);
        }
        if let Some(electra) = self.fork_epoch(Fork::Electra) {
            push(electra, self.max_blobs_per_block_electra);
        }
        if let Some(fulu) = self.fork_epoch(Fork::Fulu) {
            push(fulu, self.blob_parameters(fulu).1);
            for entry in self.blob_schedule.iter().filter(|e| e.epoch > fulu) {
                push(entry.epoch, entry.max_blobs_per_block);
            }
        }
        ChainSpec {
            slots_per_epoch: SLOTS_PER_EPOCH,
            seconds_per_slot: self.seconds_per_slot,
            max_request_blocks: self.max_request_blocks,
            max_request_blocks_deneb: self.max_request_blocks_deneb,
            min_epochs_for_block_requests: self.min_epochs_for_block_requests,
            min_epochs_for_blob_sidecars_requests: self.min_epochs_for_blob_sidecars_requests,
            deneb_fork_epoch: Epoch(self.fork_epoch(Fork::Deneb).unwrap_or(FAR_FUTURE_EPOCH)),
            fulu_fork_epoch: Epoch(self.fork_epoch(Fork::Fulu).unwrap_or(FAR_FUTURE_EPOCH)),
            min_epochs_for_data_column_sidecars_requests: self
                .min_epochs_for_data_column_sidecars_requests,
            blob_limits,
        }
    }
}

/// Sorts a blob schedule by epoch and checks that no two entries share one.
fn sort_blob_schedule(schedule: &mut [BlobScheduleEntry]) -> Result<(), ConfigError> {
    schedule.sort_unstable();
    for pair in schedule.windows(2) {
        if let [first, second] = pair
            && first.epoch == second.epoch
        {
            return Err(ConfigError::DuplicateBlobScheduleEpoch { epoch: first.epoch });
        }
    }
    Ok(())
}

/// Checks that phase0 starts at 0 and every scheduled fork starts no earlier than its
/// predecessor, which must be scheduled too.
fn check_fork_order(forks: &[ForkParams; Fork::ALL.len()]) -> Result<(), ConfigError> {
    let genesis_epoch = forks[fork_index(Fork::Phase0)].epoch;
    if genesis_epoch != Some(0) {
        return Err(ConfigError::GenesisForkNotAtZero {
            epoch: genesis_epoch,
        });
    }
    for fork in Fork::ALL {
        let (Some(previous), Some(epoch)) = (fork.previous(), forks[fork_index(fork)].epoch) else {
            continue;
        };
        let previous_epoch = forks[fork_index(previous)].epoch;
        if previous_epoch.is_none_or(|p| p > epoch) {
            return Err(ConfigError::ForkOrder {
                fork,
                epoch,
                previous,
                previous_epoch,
            });
        }
    }
    Ok(())
}
