//! The built-in networks (mainnet, sepolia, holesky, hoodi) and pyspec-style devnets.
//!
//! Where each value was read:
//! - mainnet: fork versions and epochs up to Electra, the preset and networking values:
//!   ethereum/consensus-specs `configs/mainnet.yaml` (the copy in this crate's
//!   `tests/fixtures/mainnet_config.yaml`, see its README); Fulu epoch 411392 and the BPO
//!   forks (412672: 15 blobs, 419072: 21 blobs): the same file and `shared/spec/wire.md`
//!   section 8. Genesis time and root: bytes 0..40 of the mainnet genesis state
//!   (`shared/vectors/chain_constants.json`).
//! - sepolia: phase0..Deneb from sigp/lighthouse @ 2e0eb6d1
//!   `built_in_network_configs/sepolia/config.yaml` (as recorded in chain_constants.json);
//!   Electra (0x90000074 at 222464) from eth-clients/sepolia @ 562d9938
//!   `metadata/config.yaml`; Fulu (0x90000075 at 272640) and the BPO forks (274176: 15,
//!   275712: 21) from ChainSafe/lodestar @ 05b89de2
//!   `packages/config/src/chainConfig/networks/sepolia.ts`, which mirrors
//!   eth-clients/sepolia @ 56f0bff4. Genesis time 1655733600 = MIN_GENESIS_TIME +
//!   GENESIS_DELAY (1655647200 + 86400), as in chain_constants.json.
//! - holesky: sigp/lighthouse @ 044b604f
//!   `built_in_network_configs/holesky/config.yaml` (also `tests/fixtures/holesky_config.yaml`).
//!   Genesis time 1695902400 = 1695902100 + 300.
//! - hoodi: sigp/lighthouse @ 044b604f `built_in_network_configs/hoodi/config.yaml`
//!   (also `tests/fixtures/hoodi_config.yaml`). Genesis time 1742213400 = 1742212800 + 600,
//!   as in chain_constants.json.
//!
//! Genesis validators roots of all four: `shared/vectors/chain_constants.json`.

use alloy_primitives::{b256, fixed_bytes};

use super::{BlobScheduleEntry, ChainConfig, ConfigParts, ForkParams};
use crate::fork::Fork;
use crate::primitives::{Hash256, Version};

/// A fork at `epoch`.
const fn at(version: Version, epoch: u64) -> ForkParams {
    ForkParams {
        version,
        epoch: Some(epoch),
    }
}

/// The mainnet preset and networking values every built-in network shares.
fn mainnet_parts(
    name: &str,
    forks: [ForkParams; Fork::ALL.len()],
    blob_schedule: Vec<BlobScheduleEntry>,
) -> ConfigParts {
    ConfigParts {
        name: name.to_owned(),
        seconds_per_slot: 12,
        max_request_blocks: 1024,
        max_request_blocks_deneb: 128,
        min_epochs_for_block_requests: 33_024,
        min_epochs_for_blob_sidecars_requests: 4096,
        min_epochs_for_data_column_sidecars_requests: 4096,
        max_blobs_per_block: 6,
        max_blobs_per_block_electra: 9,
        blob_schedule,
        forks,
    }
}

/// Two BPO forks raising the blob limit to 15, then 21.
fn bpo_schedule(bpo1: u64, bpo2: u64) -> Vec<BlobScheduleEntry> {
    vec![
        BlobScheduleEntry {
            epoch: bpo1,
            max_blobs_per_block: 15,
        },
        BlobScheduleEntry {
            epoch: bpo2,
            max_blobs_per_block: 21,
        },
    ]
}

/// Builds a built-in network whose values are constants known to be in order.
fn built_in(
    parts: ConfigParts,
    genesis_time: u64,
    genesis_validators_root: Hash256,
) -> ChainConfig {
    ChainConfig::from_parts(parts)
        .expect("invariant: built-in fork schedules are in fork order")
        .with_genesis(genesis_time, genesis_validators_root)
}

impl ChainConfig {
    /// Ethereum mainnet, with Fulu and both BPO forks scheduled.
    ///
    /// # Panics
    ///
    /// Never: the built-in schedule is in fork order.
    pub fn mainnet() -> ChainConfig {
        let forks = [
            at(fixed_bytes!("0x00000000"), 0),
            at(fixed_bytes!("0x01000000"), 74_240),
            at(fixed_bytes!("0x02000000"), 144_896),
            at(fixed_bytes!("0x03000000"), 194_048),
            at(fixed_bytes!("0x04000000"), 269_568),
            at(fixed_bytes!("0x05000000"), 364_032),
            at(fixed_bytes!("0x06000000"), 411_392),
        ];
        built_in(
            mainnet_parts("mainnet", forks, bpo_schedule(412_672, 419_072)),
            1_606_824_023,
            b256!("0x4b363db94e286120d76eb905340fdd4e54bfe9f06bf33ff6cf5ad27f511bfe95"),
        )
    }

    /// The Sepolia testnet.
    ///
    /// # Panics
    ///
    /// Never: the built-in schedule is in fork order.
    pub fn sepolia() -> ChainConfig {
        let forks = [
            at(fixed_bytes!("0x90000069"), 0),
            at(fixed_bytes!("0x90000070"), 50),
            at(fixed_bytes!("0x90000071"), 100),
            at(fixed_bytes!("0x90000072"), 56_832),
            at(fixed_bytes!("0x90000073"), 132_608),
            at(fixed_bytes!("0x90000074"), 222_464),
            at(fixed_bytes!("0x90000075"), 272_640),
        ];
        built_in(
            mainnet_parts("sepolia", forks, bpo_schedule(274_176, 275_712)),
            1_655_733_600,
            b256!("0xd8ea171f3c94aea21ebc42a1ed61052acf3f9209c00e4efbaaddac09ed9b8078"),
        )
    }

    /// The Holesky testnet.
    ///
    /// # Panics
    ///
    /// Never: the built-in schedule is in fork order.
    pub fn holesky() -> ChainConfig {
        let forks = [
            at(fixed_bytes!("0x01017000"), 0),
            at(fixed_bytes!("0x02017000"), 0),
            at(fixed_bytes!("0x03017000"), 0),
            at(fixed_bytes!("0x04017000"), 256),
            at(fixed_bytes!("0x05017000"), 29_696),
            at(fixed_bytes!("0x06017000"), 115_968),
            at(fixed_bytes!("0x07017000"), 165_120),
        ];
        built_in(
            mainnet_parts("holesky", forks, bpo_schedule(166_400, 167_936)),
            1_695_902_400,
            b256!("0x9143aa7c615a7f7115e2b6aac319c03529df8242ae705fba9df39b79c59fa8b1"),
        )
    }

    /// The Hoodi testnet.
    ///
    /// # Panics
    ///
    /// Never: the built-in schedule is in fork order.
    pub fn hoodi() -> ChainConfig {
        let forks = [
            at(fixed_bytes!("0x10000910"), 0),
            at(fixed_bytes!("0x20000910"), 0),
            at(fixed_bytes!("0x30000910"), 0),
            at(fixed_bytes!("0x40000910"), 0),
            at(fixed_bytes!("0x50000910"), 0),
            at(fixed_bytes!("0x60000910"), 2048),
            at(fixed_bytes!("0x70000910"), 50_688),
        ];
        built_in(
            mainnet_parts("hoodi", forks, bpo_schedule(52_480, 54_016)),
            1_742_213_400,
            b256!("0x212f13fc4df078b6cb7db228f1c8307566dcecf900867401a92023d7ba99cb5f"),
        )
    }

    /// A chain that starts at `genesis_fork`, as pyspec and `lodestar dev` make them:
    /// mainnet preset, fork versions and blob schedule, every fork up to `genesis_fork` at
    /// epoch 0 and the later ones unscheduled.
    ///
    /// # Panics
    ///
    /// Never: such a schedule is always in fork order.
    pub fn devnet(
        genesis_fork: Fork,
        genesis_time: u64,
        genesis_validators_root: Hash256,
    ) -> ChainConfig {
        let mainnet = ChainConfig::mainnet();
        let forks = Fork::ALL.map(|fork| ForkParams {
            version: mainnet.fork_version(fork),
            epoch: (fork <= genesis_fork).then_some(0),
        });
        built_in(
            mainnet_parts("devnet", forks, mainnet.blob_schedule.clone()),
            genesis_time,
            genesis_validators_root,
        )
    }
}
