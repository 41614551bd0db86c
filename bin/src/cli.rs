//! The command line (clap). Every flag of `sync`, `serve` and `devnet` can also come from
//! a TOML file (`--config FILE`, keys named as the long flags); a flag wins over the file.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use serde::Deserialize;

/// beacon-sync: range-sync Ethereum beacon blocks and blob sidecars from peers, verify
/// every proposer signature and KZG proof, and store them.
#[derive(Debug, Parser)]
#[command(name = "beacon-sync", version, about, long_about = None)]
pub(crate) struct Cli {
    /// Settings from a TOML file (keys as the long flags, e.g. `datadir = "data"`).
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Log filter (tracing's EnvFilter syntax); also RUST_LOG.
    #[arg(long, global = true, default_value = "info")]
    pub(crate) log: String,
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Generate (or reuse) a signed chain, serve it from local peers (one adversarial),
    /// sync a fresh node from genesis and another from a checkpoint, and print a summary.
    Devnet(DevnetArgs),
    /// Write a devnet chain into a data directory (to `serve` it, or `sync` from it).
    Generate(ChainArgs),
    /// Sync a chain from peers into a data directory (resumes from its anchors).
    Sync(SyncArgs),
    /// Serve a data directory to peers.
    Serve(ServeArgs),
    /// Show what a data directory holds.
    Inspect(InspectArgs),
}

/// The fork of a devnet's blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ForkArg {
    /// Deneb.
    Deneb,
    /// Electra.
    Electra,
    /// Fulu: blob data as data columns. The generated chain keeps all 128 columns of
    /// every Fulu block (about 0.3 MB per blob), and the syncing nodes fetch their 8
    /// sampled columns from peers that custody them.
    Fulu,
}

/// When a devnet chain turns Fulu.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FuluEpochArg {
    /// It stays in its genesis fork.
    Never,
    /// At this epoch (above 0).
    At(u64),
}

impl std::str::FromStr for FuluEpochArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "never" => Ok(FuluEpochArg::Never),
            epoch => match epoch.parse() {
                Ok(0) => Err("epoch 0 is genesis: give --fork fulu instead".to_owned()),
                Ok(epoch) => Ok(FuluEpochArg::At(epoch)),
                Err(_) => Err(format!("`{epoch}` is not an epoch number or never")),
            },
        }
    }
}

/// Which block of a beacon node `--checkpoint` starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum CheckpointArg {
    /// Its finalized block.
    Finalized,
}

/// How far back backfill goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum BackfillArg {
    /// To genesis.
    Genesis,
    /// To a slot.
    Slot(u64),
    /// Not at all.
    None,
}

impl std::str::FromStr for BackfillArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "genesis" => Ok(BackfillArg::Genesis),
            "none" => Ok(BackfillArg::None),
            slot => slot
                .parse()
                .map(BackfillArg::Slot)
                .map_err(|_| format!("`{slot}` is not genesis, none or a slot number")),
        }
    }
}

/// A generated chain's shape.
#[derive(Clone, Debug, Args)]
pub(crate) struct ChainArgs {
    /// Data directory (the chain goes to `<datadir>/source`).
    #[arg(long, default_value = "beacon-sync-devnet")]
    pub(crate) datadir: PathBuf,
    /// Slots after genesis.
    #[arg(long, default_value_t = 4096)]
    pub(crate) slots: u64,
    /// Interop validators.
    #[arg(long, default_value_t = 64)]
    pub(crate) validators: u64,
    /// The most blobs per block (drawn uniformly in 0..=max).
    #[arg(long, default_value_t = 6)]
    pub(crate) max_blobs: u64,
    /// The fork of genesis. An Electra chain turns Fulu at `--fulu-epoch`, then crosses
    /// two BPO forks (blob limits 15 and 21, new fork digests); a Fulu chain crosses the
    /// BPO forks only.
    #[arg(long, value_enum, default_value = "electra")]
    pub(crate) fork: ForkArg,
    /// The epoch an Electra chain turns Fulu, or `never`. Default: the last quarter of
    /// the chain is Fulu (epoch 96 of 128).
    #[arg(long, value_name = "EPOCH|never")]
    pub(crate) fulu_epoch: Option<FuluEpochArg>,
    /// The chain's seed.
    #[arg(long, default_value_t = 0)]
    pub(crate) seed: u64,
}

/// `beacon-sync devnet`.
#[derive(Clone, Debug, Args)]
pub(crate) struct DevnetArgs {
    /// The chain.
    #[command(flatten)]
    pub(crate) chain: ChainArgs,
    /// Serving peers.
    #[arg(long, default_value_t = 4)]
    pub(crate) peers: usize,
    /// How many serving peers lie (about blobs, or with forged blocks when there are none).
    #[arg(long, default_value_t = 1)]
    pub(crate) adversaries: usize,
    /// After the summary, keep the serving peers running (until Ctrl-C) and print their
    /// addresses, to `sync` from them.
    #[arg(long)]
    pub(crate) keep_running: bool,
    /// Instead of the summary, measure: slots/s of the full sync over loopback and of the
    /// verifier alone on the same blocks, forward and backfill, on chains with exactly
    /// `--blobs-per-block` blobs in every block (generated into `<datadir>/bench-*`, with
    /// the fork schedule of `--fork` and `--fulu-epoch`; `--max-blobs` and `--adversaries`
    /// do not apply; the serving peers are supernodes). Prints a table.
    #[arg(long, conflicts_with = "keep_running")]
    pub(crate) bench: bool,
    /// The bench's chains: blobs in every block, one chain each.
    #[arg(long, value_delimiter = ',', default_values_t = node::devnet::BENCH_BLOBS_PER_BLOCK, requires = "bench")]
    pub(crate) blobs_per_block: Vec<u64>,
    /// The syncing nodes (and the bench's verifier) custody all 128 columns of every Fulu
    /// block, instead of the minimum (8 sampled columns).
    #[arg(long)]
    pub(crate) supernode: bool,
    /// The syncing nodes find the serving peers with discv5 (the first serving peer their
    /// bootnode) instead of being given their addresses.
    #[arg(long, conflicts_with = "bench")]
    pub(crate) discovery: bool,
}

/// Network and HTTP settings of a running node.
#[derive(Clone, Debug, Default, Args, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub(crate) struct NodeArgs {
    /// Data directory.
    #[arg(long)]
    pub(crate) datadir: Option<PathBuf>,
    /// A peer to dial (repeatable), e.g. /ip4/127.0.0.1/tcp/9000/p2p/16Uiu2...
    #[arg(long = "peer", value_name = "MULTIADDR")]
    pub(crate) peers: Vec<String>,
    /// Address to listen on for peers.
    #[arg(long)]
    pub(crate) listen_address: Option<IpAddr>,
    /// TCP port for peers (0: any free port).
    #[arg(long)]
    pub(crate) port: Option<u16>,
    /// Address of the HTTP API.
    #[arg(long)]
    pub(crate) http_address: Option<IpAddr>,
    /// Port of the HTTP API (0: any free port; unset: no HTTP API).
    #[arg(long)]
    pub(crate) http_port: Option<u16>,
    /// How many peers to keep (default 100, as Lighthouse and Teku): up to 10 % more may
    /// be connected before the worst and the useless are let go, and 30 % of the target
    /// is kept for peers we dial.
    #[arg(long)]
    pub(crate) target_peers: Option<usize>,
    /// Custody, fetch, store and serve all 128 data columns of every Fulu block (an
    /// archive; blobs can be rebuilt from them). Default: the minimum custody (4 groups)
    /// and 8 sampled columns, from the node id.
    #[arg(long)]
    pub(crate) supernode: bool,
    /// Find peers with discv5 from these node records (`enr:...`, comma-separated)
    /// instead of the network's published bootnodes.
    #[arg(long, value_delimiter = ',', value_name = "ENR,...")]
    pub(crate) bootnodes: Vec<String>,
    /// The UDP port of discovery (default: the TCP port).
    #[arg(long)]
    pub(crate) discovery_port: Option<u16>,
    /// The IPv4 address our node record gives others to reach us at (default: the listen
    /// address, or 127.0.0.1 when listening on all).
    #[arg(long)]
    pub(crate) enr_address: Option<std::net::Ipv4Addr>,
    /// Do not run discovery even when the network has bootnodes: only `--peer`s.
    #[arg(long)]
    pub(crate) disable_discovery: bool,
}

/// `beacon-sync sync`.
#[derive(Clone, Debug, Args)]
pub(crate) struct SyncArgs {
    /// The network: a directory with `config.yaml` and `genesis.ssz` (any network), or one
    /// written by `beacon-sync generate` (`<datadir>/source`).
    #[arg(long, value_name = "DIR")]
    pub(crate) testnet_dir: Option<PathBuf>,
    /// A public network by name (with `--genesis-state`, or `--checkpoint-block` and
    /// `--checkpoint-state`).
    #[arg(long, value_enum, conflicts_with = "testnet_dir")]
    pub(crate) network: Option<NetworkArg>,
    /// Follow the beacon node at this REST API URL (`http://HOST:PORT`): its genesis,
    /// config and genesis state come from its standard endpoints, and it is the peer when
    /// no `--peer` is given.
    #[arg(long, value_name = "URL", conflicts_with_all = ["testnet_dir", "network"])]
    pub(crate) beacon_api: Option<String>,
    /// With `--beacon-api`: start from that node's finalized block (`finalized`), its
    /// validators from the finalized state, and backfill from there.
    #[arg(
        long,
        value_enum,
        requires = "beacon_api",
        conflicts_with = "checkpoint_block"
    )]
    pub(crate) checkpoint: Option<CheckpointArg>,
    /// Checkpoint sync: start from the finalized state and block of the beacon node at this
    /// URL (`http://HOST:PORT`), both fetched as SSZ and checked against `--network` or
    /// `--testnet-dir` (its chain, its fork at that slot, the block's state root) before
    /// the node starts; backfill then goes down from there.
    #[arg(long, value_name = "URL", conflicts_with_all = ["beacon_api", "checkpoint_block", "genesis_state"])]
    pub(crate) checkpoint_sync_url: Option<String>,
    /// With `--checkpoint-sync-url`: a weak subjectivity checkpoint `0xROOT:EPOCH` (the
    /// block root at that epoch's start) the checkpoint must agree with, or the sync is
    /// refused.
    #[arg(long, value_name = "ROOT:EPOCH", requires = "checkpoint_sync_url")]
    pub(crate) wss_checkpoint: Option<node::checkpoint::WssCheckpoint>,
    /// The genesis state (SSZ) of `--network`, or instead of `--beacon-api`'s, to sync from
    /// genesis.
    #[arg(long, value_name = "FILE", conflicts_with = "testnet_dir")]
    pub(crate) genesis_state: Option<PathBuf>,
    /// Start from this checkpoint block (SSZ) instead of genesis.
    #[arg(long, value_name = "FILE")]
    pub(crate) checkpoint_block: Option<PathBuf>,
    /// The validator registry from this state (SSZ) instead of the devnet's keys.
    #[arg(long, value_name = "FILE")]
    pub(crate) checkpoint_state: Option<PathBuf>,
    /// How far back to backfill: genesis, a slot, or none (default: the
    /// MIN_EPOCHS_FOR_BLOCK_REQUESTS horizon).
    #[arg(long, value_name = "genesis|SLOT|none")]
    pub(crate) backfill_to: Option<BackfillArg>,
    /// Stop once in sync and backfilled (instead of following the head).
    #[arg(long)]
    pub(crate) exit_when_synced: bool,
    /// Network and HTTP settings.
    #[command(flatten)]
    pub(crate) node: NodeArgs,
}

/// The public networks `--network` knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum NetworkArg {
    /// Ethereum mainnet.
    Mainnet,
    /// Sepolia.
    Sepolia,
    /// Hoodi.
    Hoodi,
    /// Holesky.
    Holesky,
}

/// `beacon-sync serve`.
#[derive(Clone, Debug, Args)]
pub(crate) struct ServeArgs {
    /// The network directory (default: the data directory, when `generate` wrote it).
    #[arg(long, value_name = "DIR")]
    pub(crate) testnet_dir: Option<PathBuf>,
    /// The network from the beacon node at this REST API URL (for a data directory
    /// that `sync --beacon-api` filled).
    #[arg(long, value_name = "URL", conflicts_with = "testnet_dir")]
    pub(crate) beacon_api: Option<String>,
    /// Network and HTTP settings.
    #[command(flatten)]
    pub(crate) node: NodeArgs,
}

/// `beacon-sync inspect`.
#[derive(Clone, Debug, Args)]
pub(crate) struct InspectArgs {
    /// Data directory (or the store file in it).
    #[arg(long)]
    pub(crate) datadir: PathBuf,
    /// Print JSON.
    #[arg(long)]
    pub(crate) json: bool,
}
