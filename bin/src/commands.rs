//! Each command: turn the arguments into the `node` crate's settings and run it.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use anyhow::{Context, bail};
use consensus::verify::Proposers;
use consensus::{Block, ChainConfig, Fork};
use node::api_client::BeaconApi;
use node::checkpoint::fetch_checkpoint;
use node::devnet::{self, DevnetOptions};
use node::launch::{self, Network};
use node::{BackfillTo, BeaconNode, NodeSettings, StartFrom};

use crate::cli::{
    BackfillArg, ChainArgs, CheckpointArg, Cli, Command, DevnetArgs, ForkArg, FuluEpochArg,
    InspectArgs, NetworkArg, NodeArgs, ServeArgs, SyncArgs,
};
use crate::settings;

/// Runs the command `cli` names.
pub(crate) async fn run(cli: Cli) -> anyhow::Result<()> {
    let file = settings::load(cli.config.as_deref())?;
    match cli.command {
        Command::Devnet(args) => devnet(args).await,
        Command::Generate(args) => generate(&args).await,
        Command::Sync(args) => sync(args, file).await,
        Command::Serve(args) => serve(args, file).await,
        Command::Inspect(args) => inspect(&args),
    }
}

fn devnet_options(chain: &ChainArgs) -> DevnetOptions {
    let fork = match chain.fork {
        ForkArg::Deneb => Fork::Deneb,
        ForkArg::Electra => Fork::Electra,
        ForkArg::Fulu => Fork::Fulu,
    };
    let fulu_epoch = match (chain.fulu_epoch, fork) {
        (Some(FuluEpochArg::At(epoch)), _) => Some(epoch),
        (None, Fork::Electra) => Some(devnet::default_fulu_epoch(chain.slots)),
        (Some(FuluEpochArg::Never) | None, _) => None,
    };
    let bpo_from = if fork == Fork::Fulu {
        Some(0)
    } else {
        fulu_epoch
    };
    DevnetOptions {
        data_dir: chain.datadir.clone(),
        slots: chain.slots,
        validators: chain.validators,
        max_blobs: chain.max_blobs,
        fork,
        fulu_epoch,
        bpo: bpo_from.map_or_else(Vec::new, |fulu| devnet::default_bpo(chain.slots, fulu)),
        seed: chain.seed,
        ..DevnetOptions::default()
    }
}

async fn devnet(args: DevnetArgs) -> anyhow::Result<()> {
    let options = DevnetOptions {
        peers: args.peers,
        adversaries: args.adversaries,
        supernode: args.supernode,
        discovery: args.discovery,
        ..devnet_options(&args.chain)
    };
    if args.bench {
        let report = devnet::run_bench(&options, &args.blobs_per_block).await?;
        println!("{report}");
        return Ok(());
    }
    let report = devnet::run(&options).await?;
    println!("{report}");
    if !report.is_success() {
        bail!("the devnet sync did not end as it should (see the summary above)");
    }
    if args.keep_running {
        let source = {
            let options = options.clone();
            tokio::task::spawn_blocking(move || devnet::prepare(&options)).await??
        };
        let servers = devnet::serve_source(
            &source,
            options.peers,
            options.adversaries,
            devnet::Lie::Blobs,
        )
        .await?;
        println!("serving {} (Ctrl-C to stop):", source.dir.display());
        for addr in servers.addrs() {
            println!("  --peer {addr}");
        }
        println!(
            "sync from them with: beacon-sync sync --testnet-dir {} --datadir DIR --peer ...",
            source.dir.display()
        );
        shutdown_signal().await;
        servers.shutdown().await;
    }
    Ok(())
}

async fn generate(args: &ChainArgs) -> anyhow::Result<()> {
    let options = devnet_options(args);
    let source = tokio::task::spawn_blocking(move || devnet::prepare(&options)).await??;
    println!(
        "{} {} slots into {} (head {}); serve it with: beacon-sync serve --datadir {}",
        if source.generated {
            "generated"
        } else {
            "already had"
        },
        source.recipe.slots,
        source.dir.display(),
        source.anchors.head,
        source.dir.display()
    );
    Ok(())
}

/// The chain, its registry and (for a network directory) its genesis block.
struct Chain {
    config: ChainConfig,
    proposers: Proposers,
    genesis: Option<Block>,
}

impl From<Network> for Chain {
    fn from(network: Network) -> Self {
        Chain {
            config: network.config,
            proposers: network.proposers,
            genesis: Some(network.genesis),
        }
    }
}

/// The configuration of a built-in network.
fn built_in(network: NetworkArg) -> ChainConfig {
    match network {
        NetworkArg::Mainnet => ChainConfig::mainnet(),
        NetworkArg::Sepolia => ChainConfig::sepolia(),
        NetworkArg::Hoodi => ChainConfig::hoodi(),
        NetworkArg::Holesky => ChainConfig::holesky(),
    }
}

/// With `--checkpoint-sync-url`: the chain (the network's config, the finalized state's
/// registry) and the checked finalized block to start from.
async fn from_checkpoint_url(
    args: &SyncArgs,
    node_args: &NodeArgs,
) -> anyhow::Result<Option<(Chain, Block, node::RegistryRefresh)>> {
    let Some(url) = &args.checkpoint_sync_url else {
        return Ok(None);
    };
    let config = match (&args.testnet_dir, args.network) {
        (Some(dir), _) => launch::load_testnet_dir(dir)?.config,
        (None, Some(network)) => built_in(network),
        (None, None) => bail!(
            "--checkpoint-sync-url needs --network NAME or --testnet-dir DIR: the checkpoint is checked against it"
        ),
    };
    let api = BeaconApi::new(url)?;
    let list = bootnodes(node_args, &config, args.testnet_dir.as_deref())?;
    if !node_args.disable_discovery && node_args.peers.is_empty() && !list.is_empty() {
        // Before a download that may take minutes: is the network there at all?
        node::probe_bootnodes(&config, &list, BOOTNODE_WAIT).await?;
    }
    tracing::info!(target: "beacon_sync", url = api.url(), network = config.name(), "fetching the finalized state and block");
    let checkpoint = fetch_checkpoint(&api, &config, args.wss_checkpoint).await?;
    tracing::info!(target: "beacon_sync", slot = checkpoint.block.signed().slot(), root = %checkpoint.block.root(), "checkpoint taken");
    // Forward sync far past the checkpoint meets validators that joined later: their
    // keys come from the same API's head state.
    let refresh = node::RegistryRefresh::new(api, checkpoint.state_slot, &config);
    let chain = Chain {
        config,
        proposers: checkpoint.proposers,
        genesis: None,
    };
    Ok(Some((chain, checkpoint.block, refresh)))
}

fn load_chain(args: &SyncArgs) -> anyhow::Result<Chain> {
    match (&args.testnet_dir, args.network) {
        (Some(dir), _) => Ok(launch::load_testnet_dir(dir)?.into()),
        (None, Some(network)) => {
            let config = built_in(network);
            if let Some(path) = &args.genesis_state {
                return Ok(launch::load_genesis_state(path, config)?.into());
            }
            let Some(state) = &args.checkpoint_state else {
                bail!(
                    "--network {} needs --genesis-state FILE, or --checkpoint-state FILE (a state of the network, for its validator registry) with --checkpoint-block FILE: no genesis state is embedded",
                    config.name()
                );
            };
            let proposers = launch::load_registry(state, &config)?;
            Ok(Chain {
                config,
                proposers,
                genesis: None,
            })
        }
        (None, None) => bail!(
            "no network given: use --testnet-dir DIR (config.yaml and genesis.ssz, or a directory made by `beacon-sync generate`), or --network NAME with --genesis-state FILE or a checkpoint"
        ),
    }
}

/// The bootnodes discovery starts from: `--bootnodes`, else the testnet directory's
/// list, else the built-in network's published one (none for a devnet).
fn bootnodes(
    node: &NodeArgs,
    config: &ChainConfig,
    testnet_dir: Option<&std::path::Path>,
) -> anyhow::Result<Vec<net::discovery::Enr>> {
    if !node.bootnodes.is_empty() {
        let text = node.bootnodes.join("\n");
        return net::discovery::parse_bootnodes(&text).context("invalid --bootnodes");
    }
    if let Some(dir) = testnet_dir
        && let Some(list) = node::bootnodes::of_testnet_dir(dir)?
    {
        return Ok(list);
    }
    match node::bootnodes::built_in(config.name()) {
        Some(list) => Ok(list?),
        None => Ok(Vec::new()),
    }
}

/// Turns discovery on (unless `--disable-discovery`) when there are bootnodes; without
/// any `--peer`, a node whose bootnodes do not answer within [`BOOTNODE_WAIT`] stops.
fn with_discovery(
    settings: &mut NodeSettings,
    node: &NodeArgs,
    bootnodes: Vec<net::discovery::Enr>,
) {
    if node.disable_discovery || bootnodes.is_empty() {
        return;
    }
    // Without --enr-address or a specific listen address our record names no address:
    // we find and dial peers, and discv5 learns the address peers see.
    let ip = node.enr_address.unwrap_or(match node.listen_address {
        Some(IpAddr::V4(ip)) => ip,
        _ => Ipv4Addr::UNSPECIFIED,
    });
    settings.discovery = Some(node::NodeDiscovery {
        ip,
        udp_port: node.discovery_port.or(node.port).unwrap_or(9000),
        bootnodes,
        bootnode_wait: settings.peers.is_empty().then_some(BOOTNODE_WAIT),
    });
}

/// How long a node without `--peer`s waits for a bootnode to answer before it stops.
const BOOTNODE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

fn node_settings(
    node: &NodeArgs,
    chain: Chain,
    start: StartFrom,
    default_dir: PathBuf,
) -> anyhow::Result<NodeSettings> {
    let data_dir = node.datadir.clone().unwrap_or(default_dir);
    let mut settings = NodeSettings::new(data_dir, chain.config, chain.proposers, start);
    let ip = node
        .listen_address
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let proto = if ip.is_ipv4() { "ip4" } else { "ip6" };
    settings.listen = format!("/{proto}/{ip}/tcp/{}", node.port.unwrap_or(9000))
        .parse()
        .context("invalid --listen-address or --port")?;
    settings.peers = node
        .peers
        .iter()
        .map(|p| {
            p.parse()
                .with_context(|| format!("invalid --peer {p}: not a multiaddr"))
        })
        .collect::<anyhow::Result<_>>()?;
    if node.supernode {
        settings.net.metadata.custody_group_count =
            Some(consensus::custody::NUMBER_OF_CUSTODY_GROUPS);
    }
    if let Some(target) = node.target_peers {
        anyhow::ensure!(
            target > 0,
            "invalid --target-peers 0: the node needs at least one peer"
        );
        settings.peer_manager.target_peers = target;
        settings.pool = node::pool_config(&settings.peer_manager);
    }
    Ok(settings)
}

async fn sync(args: SyncArgs, file: NodeArgs) -> anyhow::Result<()> {
    let node_args = settings::merge(args.node.clone(), file);
    let api = args.beacon_api.as_deref().map(BeaconApi::new).transpose()?;
    let from_url = from_checkpoint_url(&args, &node_args).await?;
    let mut refresh = None;
    let (mut chain, finalized) = match (&api, args.checkpoint) {
        _ if let Some((chain, block, from)) = from_url => {
            refresh = Some(from);
            (chain, Some(block))
        }
        // A trusted checkpoint needs no genesis state: the finalized state has the keys.
        (Some(api), Some(CheckpointArg::Finalized)) => {
            let config = api.config().await?;
            let (proposers, state_slot) = api.registry(&config, "finalized").await?;
            refresh = Some(node::RegistryRefresh::new(api.clone(), state_slot, &config));
            let chain = Chain {
                config,
                proposers,
                genesis: None,
            };
            (chain, Some(api.finalized_block().await?))
        }
        (Some(api), None) => (
            api.network(args.genesis_state.as_deref()).await?.into(),
            None,
        ),
        (None, _) => (load_chain(&args)?, None),
    };
    let start = match (&args.checkpoint_block, chain.genesis.take()) {
        _ if let Some(block) = finalized => StartFrom::Checkpoint {
            block: Box::new(block),
            sidecars: Vec::new(),
            columns: Vec::new(),
        },
        (Some(path), _) => StartFrom::Checkpoint {
            block: Box::new(launch::load_checkpoint_block(path, &chain.config)?),
            sidecars: Vec::new(),
            columns: Vec::new(),
        },
        (None, Some(genesis)) => StartFrom::Genesis(Box::new(genesis)),
        (None, None) => bail!(
            "--network {} needs --checkpoint-block FILE or --genesis-state FILE: no genesis state is embedded",
            chain.config.name()
        ),
    };
    if let (Some(state), Some(_)) = (&args.checkpoint_state, &args.testnet_dir) {
        chain.proposers = launch::load_registry(state, &chain.config)?;
    }
    let mut settings = node_settings(&node_args, chain, start, PathBuf::from("beacon-sync-data"))?;
    settings.registry_refresh = refresh;
    if let (Some(api), true) = (&api, settings.peers.is_empty()) {
        // The beacon node itself is the peer.
        settings.peers = api.p2p_addresses().await?;
        if settings.peers.is_empty() {
            bail!(
                "{}/eth/v1/node/identity lists no p2p address: give the peer with --peer MULTIADDR",
                api.url()
            );
        }
    }
    // After the peers are known: a node with some does not wait for the bootnodes.
    let list = bootnodes(&node_args, &settings.chain, args.testnet_dir.as_deref())?;
    with_discovery(&mut settings, &node_args, list);
    settings.backfill = match args.backfill_to {
        Some(BackfillArg::Genesis) => BackfillTo::Genesis,
        Some(BackfillArg::Slot(slot)) => BackfillTo::Slot(slot),
        Some(BackfillArg::None) => BackfillTo::None,
        None => BackfillTo::Horizon,
    };
    // The beacon node may be restarted on another chain under us: stop, in one line,
    // rather than sync another chain's blocks against this store.
    let chain = settings.chain.clone();
    let watch = async move {
        match api {
            Some(api) => api.watch_genesis(&chain, GENESIS_CHECK_INTERVAL).await,
            None => std::future::pending().await,
        }
    };
    run_node(settings, &node_args, args.exit_when_synced, watch).await
}

/// How often `sync --beacon-api` checks that the beacon node's genesis is unchanged.
const GENESIS_CHECK_INTERVAL: std::time::Duration = std::time::Duration::from_secs(10);

async fn serve(args: ServeArgs, file: NodeArgs) -> anyhow::Result<()> {
    let node_args = settings::merge(args.node.clone(), file);
    let Some(data_dir) = node_args.datadir.clone() else {
        bail!("serve needs --datadir DIR (a directory made by `beacon-sync generate` or `sync`)");
    };
    let network = match &args.beacon_api {
        Some(url) => BeaconApi::new(url)?.network(None).await?,
        None => {
            let network_dir = args.testnet_dir.clone().unwrap_or_else(|| data_dir.clone());
            launch::load_testnet_dir(&network_dir)?
        }
    };
    let start = StartFrom::Genesis(Box::new(network.genesis.clone()));
    let mut settings = node_settings(&node_args, network.into(), start, data_dir)?;
    let list = bootnodes(&node_args, &settings.chain, args.testnet_dir.as_deref())?;
    with_discovery(&mut settings, &node_args, list);
    settings.backfill = BackfillTo::None;
    run_node(settings, &node_args, false, std::future::pending()).await
}

/// Runs the node until a signal, until synced (`exit_when_synced`), or until `fatal`
/// gives an error; the node is shut down gracefully in every case.
async fn run_node(
    settings: NodeSettings,
    args: &NodeArgs,
    exit_when_synced: bool,
    fatal: impl std::future::Future<Output = node::api_client::ApiError>,
) -> anyhow::Result<()> {
    let data_dir = settings.data_dir.clone();
    let node = BeaconNode::start(settings)
        .await
        .with_context(|| format!("cannot start the node on {}", data_dir.display()))?;
    let http = match args.http_port {
        Some(port) => {
            let ip = args.http_address.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
            let server = node::http::serve(SocketAddr::new(ip, port), node.api_context()).await?;
            tracing::info!(target: "beacon_sync", addr = %server.local_addr(), "HTTP API listening");
            Some(server)
        }
        None => None,
    };
    for addr in node.network().listen_addrs() {
        tracing::info!(target: "beacon_sync", "listening on {addr}/p2p/{}", node.network().local_peer_id());
    }
    let progress = node::progress::spawn_progress(node.status_source());
    let synced = async {
        if exit_when_synced {
            node.wait_until_synced().await;
            tracing::info!(target: "beacon_sync", "in sync and backfilled");
        } else {
            std::future::pending::<()>().await;
        }
    };
    let failure = tokio::select! {
        () = synced => None,
        () = shutdown_signal() => None,
        error = fatal => Some(error),
    };
    progress.abort();
    if let Some(http) = http
        && let Err(error) = http.shutdown().await
    {
        tracing::warn!(target: "beacon_sync", %error, "HTTP server did not stop cleanly");
    }
    node.shutdown().await;
    match failure {
        Some(error) => Err(error.into()),
        None => Ok(()),
    }
}

fn inspect(args: &InspectArgs) -> anyhow::Result<()> {
    let found = node::inspect::inspect(&args.datadir)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&found)?);
    } else {
        print!("{found}");
    }
    Ok(())
}

/// SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    tracing::info!(target: "beacon_sync", "shutting down");
}
