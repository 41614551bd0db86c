//! Adopter example 2: pull a range of blocks with their blob sidecars over eth2 req/resp
//! with `net`, and check it with the adopter's own verifier (not `consensus::ChainVerifier`).
//!
//! From `net` the adopter takes the network: a [`Node`] on 127.0.0.1 connects (dial and
//! Status handshake, [`NetworkHandle::connect`](net::NetworkHandle::connect)) and asks BeaconBlocksByRange and
//! BlobSidecarsByRange through the peer's [`SyncPeer`] methods, which decode each chunk by
//! its context bytes. It implements the verifier, [`verify`], with `consensus`'s public
//! helpers: the hash chain from the genesis root it trusts, the proposer signatures against
//! its own registry ([`ChainConfig::proposer_signing_root`], one
//! [`bls::verify_signature_sets`] batch), the blob sidecars against their blocks
//! ([`check_blob_sidecars`], one [`kzg::verify_blob_proofs`] batch).
//!
//! The chain is a deterministic, signed devnet (Deneb, then Electra from epoch 2, up to 2
//! blobs a block), served in-process unless the address of a node serving it is given:
//! `cargo run -p adopters --bin pull_range [-- /ip4/127.0.0.1/tcp/PORT/p2p/PEERID]`.
//! It prints what it expects, pulled and verified, and the head root, and exits 0; on any
//! failure it prints one line to stderr and exits 1.

use std::fmt::Display;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use consensus::bls::{self, PublicKey, SignatureSet};
use consensus::devnet::{Devnet, DevnetParams, seed_from_u64};
use consensus::verify::blobs::check_blob_sidecars;
use consensus::{Block, ChainConfig, Fork, Sidecar, kzg, primitives::Hash256};
use net::{ChainSource, ManualClock, MemorySource, NetConfig};
use net::{Multiaddr, NetMetrics, Node, NodeSetup};
use peer_pool::{PeerPool, PoolConfig};
use sync_types::{Slot, SyncPeer, SyncRange};

/// How long any one step may take (a guard only: each step awaits an event or an answer).
const GUARD: Duration = Duration::from_secs(60);

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("pull_range: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let params = DevnetParams {
        seed: seed_from_u64(2),
        genesis_fork: Fork::Deneb,
        later_forks: vec![(Fork::Electra, 2)],
        slots: 256,
        max_blobs: Some(2),
        blob_pool: 2,
        ..DevnetParams::default()
    };
    let devnet = tokio::task::spawn_blocking(|| Devnet::generate(params)).await;
    let devnet = devnet.map_err(fail("devnet"))?.map_err(fail("devnet"))?;
    // Slots 1..=128 (BeaconBlocksByRange allows 128 a request): what the devnet holds there.
    let range = SyncRange::new(Slot(1), 128).ok_or("empty range")?;
    let slots = format!("slots {}..={}", range.start().0, range.last().0);
    let last = range.last().0;
    let count = devnet
        .blocks()
        .partition_point(|b| b.signed().slot() <= last);
    let blobs: usize = (0..count).map(|index| devnet.blob_count(index)).sum();
    println!("expected: {count} blocks, {blobs} blob sidecars in {slots}");
    let (server, addr) = match std::env::args().nth(1) {
        Some(arg) => (None, arg.parse::<Multiaddr>().map_err(fail("address"))?),
        None => {
            let server = start_node(&devnet, Arc::new(MemorySource::from_devnet(&devnet))).await?;
            let addr = server.handle().dial_addr().ok_or("no server address")?;
            (Some(server), addr)
        }
    };
    // The client holds only the genesis block: its status says it is at slot 0.
    let client = start_node(&devnet, Arc::new(MemorySource::new(devnet.genesis_block()))).await?;
    let addr_text = addr.to_string();
    // Dial, then wait for the status handshake: the peer is then in the client's pool.
    let peer = client.handle().connect(addr, GUARD).await;
    let peer = peer.map_err(fail("connect"))?;
    let (head_slot, head_root) = (peer.head_slot().0, peer.status().head_root);
    println!("connected to {addr_text}: head slot {head_slot}, root {head_root}");
    let blocks = guard("blocks", peer.blocks_by_range(range)).await?;
    let blocks = blocks.map_err(fail("blocks by range"))?;
    let sidecars = guard("sidecars", peer.blob_sidecars_by_range(range)).await?;
    let sidecars = sidecars.map_err(fail("blob sidecars by range"))?;
    let counts = format!("{} blocks, {} blob sidecars", blocks.len(), sidecars.len());
    println!("pulled: {counts}");
    // The adopter's trust: the genesis block's root and the genesis validator registry.
    let (keys, chain) = (devnet.public_keys().to_vec(), devnet.config().clone());
    let anchor = (0, devnet.genesis_block().root());
    // BLS and KZG batches are CPU work: off the runtime's threads.
    let verifier = move || verify(&chain, &keys, anchor, range, &blocks, &sidecars);
    let verified = tokio::task::spawn_blocking(verifier).await;
    let (slot, root) = verified.map_err(fail("verifier"))??;
    println!("verified: {counts} in {slots} (hash chain, proposer signatures, sidecars, KZG)");
    println!("head: slot {slot}, root {root}");
    client.shutdown().await;
    if let Some(server) = server {
        server.shutdown().await;
    }
    Ok(())
}

/// Starts a node on 127.0.0.1 (an ephemeral port) serving `source`.
async fn start_node(devnet: &Devnet, source: Arc<dyn ChainSource>) -> Result<Node, String> {
    // The devnet's genesis was in 2023: by the system clock its blobs are past the retention
    // window (MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS) and not served, so the nodes' clocks
    // read the slot after its head.
    let clock = ManualClock::at_slot(devnet.config(), devnet.head().signed().slot() + 1);
    let listen = "/ip4/127.0.0.1/tcp/0".parse().map_err(fail("listen"))?;
    Node::start(NodeSetup {
        keypair: net::generate_identity(),
        config: NetConfig::default(),
        chain: devnet.config().clone(),
        source,
        clock: Arc::new(clock),
        pool: PeerPool::new(PoolConfig::default()).map_err(fail("peer pool"))?,
        listen,
        metrics: NetMetrics::default(),
    })
    .await
    .map_err(fail("node"))
}

/// An error mapper: `what: error`.
fn fail<E: Display>(what: &'static str) -> impl Fn(E) -> String {
    move |error| format!("{what}: {error}")
}

/// `future`'s output, or an error naming `what` after [`GUARD`].
async fn guard<T>(what: &str, future: impl Future<Output = T>) -> Result<T, String> {
    let timeout = tokio::time::timeout(GUARD, future).await;
    timeout.map_err(|_| format!("no {what} within {GUARD:?}"))
}

/// The adopter's verifier: `blocks` must ascend in `range` and chain from `anchor` (slot,
/// root), each signed by its proposer in `keys`; `sidecars` must be exactly the blocks'
/// blobs, in order, each proven against its block. Returns the last block's slot and root.
fn verify(
    chain: &ChainConfig,
    keys: &[PublicKey],
    anchor: (u64, Hash256),
    range: SyncRange,
    blocks: &[Block],
    sidecars: &[Sidecar],
) -> Result<(u64, Hash256), String> {
    let (mut parent, mut rest, mut sets) = (anchor, sidecars, Vec::new());
    for block in blocks {
        let (signed, root, slot) = (block.signed(), block.root(), block.signed().slot());
        let error = |what| Err(format!("block of slot {slot}: {what}"));
        if !range.contains(Slot(slot)) || slot <= parent.0 {
            return error("out of the range or of order");
        }
        if signed.parent_root() != parent.1 {
            return error("parent root is not the previous block's root");
        }
        let index = usize::try_from(signed.proposer_index()).ok();
        let Some(pubkey) = index.and_then(|i| keys.get(i)) else {
            return error("proposer not in the registry");
        };
        let signing_root = chain.proposer_signing_root(slot, root);
        sets.push(SignatureSet {
            pubkey,
            signing_root,
            signature: signed.signature(),
        });
        // Its sidecars are the next ones naming its root (header, commitment, inclusion).
        let own = rest.iter().take_while(|s| s.block_root() == root).count();
        let (own, later) = rest.split_at(own);
        check_blob_sidecars(block, own).map_err(|e| e.to_string())?;
        (parent, rest) = ((slot, root), later);
    }
    if let Some(stray) = rest.first() {
        return Err(fail("a sidecar of a block not served")(stray.block_root()));
    }
    bls::verify_signature_sets(&sets).map_err(fail("proposer signatures"))?;
    let inner: Vec<_> = sidecars.iter().map(Sidecar::sidecar).collect();
    let blobs: Vec<_> = inner.iter().map(|s| &s.blob).collect();
    let commitments: Vec<_> = inner.iter().map(|s| s.kzg_commitment).collect();
    let proofs: Vec<_> = inner.iter().map(|s| s.kzg_proof).collect();
    kzg::verify_blob_proofs(&blobs, &commitments, &proofs).map_err(fail("KZG proofs"))?;
    Ok(parent)
}
