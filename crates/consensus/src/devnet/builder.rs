//! Building a devnet: check the parameters, make or read the genesis, plan the slots,
//! prepare the blobs, then build the blocks in slot order and sign them on all cores.

use std::collections::HashMap;
use std::fmt;

use ssz_types::VariableList;
use tree_hash::TreeHash;

use super::blobs::{BlobKey, BlobSource, BlobStore};
use super::blocks::{BlockContent, assemble, devnet_payload, empty_sync_aggregate, graffiti};
use super::chain::Devnet;
use super::draw::{draw_below, seeded_hash};
use super::genesis::{self, ExecutionHead, Genesis};
use super::parallel::par_map;
use super::{DevnetError, DevnetParams, MAX_BLOB_POOL, MAX_SLOTS, MAX_VALIDATORS, SlotPlan};
use crate::block::{Block, SignedBeaconBlock};
use crate::config::{ChainConfig, DomainType, compute_signing_root};
use crate::fork::Fork;
use crate::keys::InteropKeys;
use crate::primitives::{Hash256, KzgCommitment, SignatureBytes};

/// `DOMAIN_RANDAO`: the domain type of RANDAO reveals.
const DOMAIN_RANDAO: DomainType = [2, 0, 0, 0];
/// Per-mille denominator of [`DevnetParams::skip_per_mille`].
const PER_MILLE: u64 = 1000;

/// Builds a [`Devnet`] from [`DevnetParams`], on its own genesis or a given one.
pub struct DevnetBuilder {
    params: DevnetParams,
    genesis: Option<Genesis>,
}

impl fmt::Debug for DevnetBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DevnetBuilder")
            .field("params", &self.params)
            .field("given_genesis", &self.genesis.is_some())
            .finish()
    }
}

/// One planned block: its slot, proposer and blobs.
#[derive(Debug)]
struct Planned {
    slot: u64,
    proposer: u64,
    blobs: Vec<BlobKey>,
}

impl DevnetBuilder {
    /// A builder that makes its own genesis state from `params`.
    pub fn new(params: DevnetParams) -> DevnetBuilder {
        DevnetBuilder {
            params,
            genesis: None,
        }
    }

    /// A builder on a given genesis state of `fork` (such as the pyspec vectors'), whose
    /// validators must hold the interop keys. `params.genesis_fork` is set to `fork`;
    /// `params.validators` and `params.genesis_time` are taken from the state.
    ///
    /// # Errors
    /// [`DevnetError::GenesisState`] if the bytes are not a state of `fork`,
    /// [`DevnetError::GenesisForkVersion`] if it is another fork's,
    /// [`DevnetError::NotGenesis`] if it is not at slot 0 with an empty latest block,
    /// [`DevnetError::ValidatorCount`] / [`DevnetError::NotInteropKey`] for a registry
    /// that is empty, too large or not made of interop keys, and
    /// [`DevnetError::UnsupportedFork`] before Deneb.
    pub fn from_genesis_state(
        state_ssz: &[u8],
        fork: Fork,
        mut params: DevnetParams,
    ) -> Result<DevnetBuilder, DevnetError> {
        let genesis = genesis::read(state_ssz, fork)?;
        params.genesis_fork = fork;
        params.validators = genesis.keys.len() as u64;
        params.genesis_time = genesis.config.genesis_time();
        Ok(DevnetBuilder {
            params,
            genesis: Some(genesis),
        })
    }

    /// Builds the devnet.
    ///
    /// # Errors
    /// A [`DevnetError`] naming the parameter that is out of range; the KZG and signing
    /// errors are not expected (the generated data is always valid).
    pub fn build(self) -> Result<Devnet, DevnetError> {
        let DevnetBuilder { params, genesis } = self;
        check_params(&params)?;
        let mut genesis = match genesis {
            Some(genesis) => genesis,
            None => genesis::build(&params)?,
        };
        genesis.config = scheduled(&params, genesis.config)?;
        let plan = plan_slots(&params, &genesis.config)?;
        let (store, block_blobs) = prepare_blobs(&params, &plan)?;
        let reveals = randao_reveals(&plan, &genesis.config, &genesis.keys)?;
        let unsigned = build_unsigned(&params, &genesis, &plan, &store, &block_blobs, &reveals)?;
        let blocks = sign_blocks(&unsigned, &genesis.config, &genesis.keys)?;
        Ok(Devnet::new(genesis, blocks, block_blobs, store))
    }
}

fn check_params(params: &DevnetParams) -> Result<(), DevnetError> {
    genesis::check_fork(params.genesis_fork)?;
    if params.validators == 0 || params.validators > MAX_VALIDATORS {
        return Err(DevnetError::ValidatorCount {
            validators: params.validators,
            max: MAX_VALIDATORS,
        });
    }
    let slots = params
        .slot_plan
        .as_ref()
        .map_or(params.slots, |plan| plan.len() as u64);
    if slots > MAX_SLOTS {
        return Err(DevnetError::TooManySlots {
            slots,
            max: MAX_SLOTS,
        });
    }
    if u64::from(params.skip_per_mille) > PER_MILLE {
        return Err(DevnetError::SkipShare {
            skip_per_mille: params.skip_per_mille,
        });
    }
    let config = scheduled(
        params,
        ChainConfig::devnet(params.genesis_fork, 0, Hash256::ZERO),
    )?;
    let fork_max = highest_blob_limit(&config);
    if let Some(max_blobs) = params.max_blobs
        && max_blobs > fork_max
    {
        return Err(DevnetError::TooManyBlobs {
            max_blobs,
            fork: params.genesis_fork,
            fork_max,
        });
    }
    let wants_blobs = params.max_blobs != Some(0);
    let pool_used = params.blob_source == BlobSource::Pool && wants_blobs;
    if params.blob_pool > MAX_BLOB_POOL || (pool_used && params.blob_pool == 0) {
        return Err(DevnetError::BlobPoolSize {
            blob_pool: params.blob_pool,
            max: MAX_BLOB_POOL,
        });
    }
    Ok(())
}

/// `config` (of the genesis fork alone) with the later forks and blob schedule of `params`.
fn scheduled(params: &DevnetParams, mut config: ChainConfig) -> Result<ChainConfig, DevnetError> {
    let invalid = |reason: String| DevnetError::Schedule { reason };
    let mut previous = params.genesis_fork;
    for (fork, epoch) in &params.later_forks {
        if *fork <= previous {
            return Err(invalid(format!(
                "{fork} is listed after {previous}; later forks must follow the genesis fork in fork order"
            )));
        }
        genesis::check_fork(*fork)?;
        if *epoch == 0 {
            return Err(invalid(format!(
                "{fork} at epoch 0: make it the genesis fork instead"
            )));
        }
        config = config
            .with_fork_epoch(*fork, Some(*epoch))
            .map_err(|error| invalid(error.to_string()))?;
        previous = *fork;
    }
    if let Some(schedule) = &params.blob_schedule {
        config = config
            .with_blob_schedule(schedule.clone())
            .map_err(|error| invalid(error.to_string()))?;
    }
    Ok(config)
}

/// The highest blob limit of any epoch of `config`: at genesis, at each fork and at each
/// blob schedule entry.
fn highest_blob_limit(config: &ChainConfig) -> u64 {
    let fork_epochs = Fork::ALL.into_iter().filter_map(|f| config.fork_epoch(f));
    let bpo_epochs = config.blob_schedule().iter().map(|entry| entry.epoch);
    fork_epochs
        .chain(bpo_epochs)
        .map(|epoch| config.max_blobs_per_block_at_epoch(epoch))
        .max()
        .unwrap_or(0)
}

/// Decides each slot: empty or a block, its proposer and its blobs (see "Draws").
fn plan_slots(params: &DevnetParams, config: &ChainConfig) -> Result<Vec<Planned>, DevnetError> {
    let seed = &params.seed;
    let slots = params
        .slot_plan
        .as_ref()
        .map_or(params.slots, |plan| plan.len() as u64);
    let mut planned = Vec::new();
    for slot in 1..=slots {
        let fork_max = config.max_blobs_per_block_at_epoch(config.slot_to_epoch(slot));
        let max = params.max_blobs.map_or(fork_max, |max| max.min(fork_max));
        let count = match &params.slot_plan {
            Some(plan) => match plan.get(usize::try_from(slot - 1).unwrap_or(usize::MAX)) {
                Some(SlotPlan::Block { blobs }) if *blobs > max => {
                    return Err(DevnetError::PlanTooManyBlobs {
                        slot,
                        blobs: *blobs,
                        max,
                    });
                }
                Some(SlotPlan::Block { blobs }) => *blobs,
                Some(SlotPlan::Empty) | None => continue,
            },
            None => {
                if draw_below(seed, b"skip", &[slot], PER_MILLE) < u64::from(params.skip_per_mille)
                {
                    continue;
                }
                draw_below(seed, b"blobs", &[slot], max.saturating_add(1))
            }
        };
        let proposer = draw_below(seed, b"proposer", &[slot], params.validators);
        let pool = params.blob_pool as u64;
        let start = draw_below(seed, b"pool", &[slot], pool);
        let blobs = (0..count)
            .map(|index| match params.blob_source {
                BlobSource::Pool => BlobKey::Pool((start + index).checked_rem(pool).unwrap_or(0)),
                BlobSource::PyspecRule { .. } => BlobKey::Slot { slot, index },
            })
            .collect();
        planned.push(Planned {
            slot,
            proposer,
            blobs,
        });
    }
    Ok(planned)
}

/// The distinct blobs in order of first use, prepared; and each block's blob positions.
fn prepare_blobs(
    params: &DevnetParams,
    plan: &[Planned],
) -> Result<(BlobStore, Vec<Vec<usize>>), DevnetError> {
    let mut positions: HashMap<BlobKey, usize> = HashMap::new();
    let mut keys = Vec::new();
    let block_blobs = plan
        .iter()
        .map(|planned| {
            planned
                .blobs
                .iter()
                .map(|key| {
                    *positions.entry(*key).or_insert_with(|| {
                        keys.push(*key);
                        keys.len() - 1
                    })
                })
                .collect()
        })
        .collect();
    // Blobs of blocks before Fulu travel in sidecars, with a blob proof each.
    let with_proofs = !params.genesis_fork.has_data_columns();
    let store = BlobStore::prepare(&keys, &params.blob_source, &params.seed, with_proofs)?;
    Ok((store, block_blobs))
}

/// Each distinct (proposer, epoch) pair's RANDAO reveal, signed on all cores.
fn randao_reveals(
    plan: &[Planned],
    config: &ChainConfig,
    keys: &InteropKeys,
) -> Result<HashMap<(u64, u64), SignatureBytes>, DevnetError> {
    let mut pairs: Vec<(u64, u64)> = plan
        .iter()
        .map(|p| (p.proposer, config.slot_to_epoch(p.slot)))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    let signed = par_map(&pairs, |(proposer, epoch)| {
        let domain = config.compute_domain(DOMAIN_RANDAO, config.fork_version_at_epoch(*epoch));
        keys.sign(
            *proposer,
            compute_signing_root(epoch.tree_hash_root(), domain),
        )
        .map_err(|source| DevnetError::Signing { source })
    });
    pairs
        .into_iter()
        .zip(signed)
        .map(|(pair, reveal)| Ok((pair, reveal?)))
        .collect()
}

/// The unsigned blocks in slot order, each with its root; parent roots chain them.
fn build_unsigned(
    params: &DevnetParams,
    genesis: &Genesis,
    plan: &[Planned],
    store: &BlobStore,
    block_blobs: &[Vec<usize>],
    reveals: &HashMap<(u64, u64), SignatureBytes>,
) -> Result<Vec<(SignedBeaconBlock, Hash256)>, DevnetError> {
    let config = &genesis.config;
    let mut parent_root = genesis.block.root();
    let mut execution_head = genesis.execution_head;
    let mut blocks = Vec::with_capacity(plan.len());
    for (planned, positions) in plan.iter().zip(block_blobs) {
        let slot = planned.slot;
        let commitments: Vec<KzgCommitment> = positions
            .iter()
            .filter_map(|position| store.get(*position).map(|blob| blob.commitment))
            .collect();
        let timestamp = config
            .genesis_time()
            .saturating_add(slot.saturating_mul(config.seconds_per_slot()));
        let payload = devnet_payload(&params.seed, slot, timestamp, execution_head, &commitments);
        execution_head = ExecutionHead {
            block_hash: payload.block_hash,
            block_number: payload.block_number,
        };
        let reveal = reveals
            .get(&(planned.proposer, config.slot_to_epoch(slot)))
            .copied()
            .expect("invariant: every planned (proposer, epoch) has a reveal");
        let content = BlockContent {
            state_root: seeded_hash(&params.seed, b"state", &[slot]),
            randao_reveal: reveal,
            eth1_data: genesis.eth1_data,
            graffiti: graffiti(slot),
            sync_aggregate: empty_sync_aggregate(),
            execution_payload: payload,
            commitments: VariableList::new(commitments)
                .expect("invariant: at most the fork's blob limit, far below 4096"),
            ..BlockContent::empty(slot, planned.proposer, parent_root)
        };
        let block = assemble(config.fork_at_slot(slot), content)?;
        let root = block.header(block.compute_body_root()).tree_hash_root();
        parent_root = root;
        blocks.push((block, root));
    }
    Ok(blocks)
}

/// Signs every block over `compute_signing_root(root, proposer_domain(epoch))`, on all
/// cores.
fn sign_blocks(
    unsigned: &[(SignedBeaconBlock, Hash256)],
    config: &ChainConfig,
    keys: &InteropKeys,
) -> Result<Vec<Block>, DevnetError> {
    par_map(unsigned, |(block, root)| {
        let signing_root = config.proposer_signing_root(block.slot(), *root);
        let signature = keys
            .sign(block.proposer_index(), signing_root)
            .map_err(|source| DevnetError::Signing { source })?;
        let mut block = block.clone();
        *block.signature_mut() = signature;
        Ok(Block::new(block))
    })
    .into_iter()
    .collect()
}
