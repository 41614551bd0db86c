//! Serving under attack (issue 12): `beacon-sync serve` runs a generated 256-slot devnet
//! in its own process with the default network limits, and attackers on 127.0.0.2 try
//! to take it down while an honest peer on 127.0.0.1 connects and fetches blocks. Each
//! case prints its figures (with `--nocapture`): what the attackers got, the server's
//! peak resident set, and the honest peer's latency.
//!
//! - `flood`: one identity, 3,000 requests from 50 streams;
//! - `malformed`: 8 identities whose requests are malformed (huge length prefixes,
//!   frames longer than declared, streams that end mid-request);
//! - `non_readers`: 8 connections with 32 blob-range streams each that never read;
//! - `storms`: 200 connections that never send a byte, 200 identities sending Status at
//!   once, and 24 identities flooding for up to 15 s.

mod flood;
mod malformed;
mod non_readers;
mod storms;

/// The raw test peer of the net crate (it can send requests and never read the answers).
#[allow(dead_code, unreachable_pub)]
#[path = "../../../crates/net/tests/support/raw_peer.rs"]
mod raw_peer;

/// How long [`raw_peer`] waits for one of its events.
const GUARD: Duration = Duration::from_secs(20);

use std::io::{BufRead, BufReader};
use std::net::IpAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use libp2p::PeerId;
use libp2p::identity::Keypair;
use lodestar_harness::{free_port, get_text};
use net::codec::{Protocol, encode_request};
use net::{
    ChainSource, MemorySource, NetConfig, NetMetrics, NetPeer, Node, NodeSetup, StatusMessage,
    SystemClock,
};
use peer_pool::{PeerPool, PoolConfig};
use sync_types::{Slot, SyncPeer, SyncRange};

/// The serving node's resident set may not pass this (its peak, `VmHWM`; 26 MiB
/// measured on the first run of the flood).
const MEMORY_BOUND_MIB: u64 = 128;

/// Where the attackers come from; the honest peer is on 127.0.0.1.
const ATTACKER_IP: &str = "127.0.0.2";

/// The server, killed when dropped.
struct Server {
    child: Child,
    /// Its p2p address, peer id included.
    addr: libp2p::Multiaddr,
    /// Its HTTP API (metrics).
    http: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn is_up(&mut self) -> bool {
        self.child.try_wait().expect("waits").is_none()
    }

    /// The value of one series of the server's `/metrics` (0 when absent).
    fn metric(&self, series: &str) -> f64 {
        let text = get_text(&format!("{}/metrics", self.http)).expect("the server's metrics");
        text.lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or(0.0)
    }
}

fn beacon_sync() -> Command {
    Command::new(env!("CARGO_BIN_EXE_beacon-sync"))
}

/// A 256-slot devnet without blobs in `dir`, served by its own process.
fn serve(dir: &Path) -> Server {
    serve_with_blobs(dir, 0)
}

/// A 256-slot devnet in `dir` with up to `max_blobs` per block, served by its own process.
/// Serves a 256-slot Electra chain (`--fulu-epoch never`): the memory bound was set on it.
/// The serving process's resident set grows with the store before any attack: opening
/// checks every page (redb's integrity check) and keeps them in redb's cache, so the same
/// chain turning Fulu at epoch 6 idles about 45 MiB higher (177 MiB against 131 MiB,
/// measured with the debug build).
fn serve_with_blobs(dir: &Path, max_blobs: u32) -> Server {
    let status = beacon_sync()
        .args([
            "generate",
            "--slots",
            "256",
            "--fulu-epoch",
            "never",
            "--max-blobs",
        ])
        .arg(max_blobs.to_string())
        .arg("--datadir")
        .arg(dir)
        .stdout(Stdio::null())
        .status()
        .expect("generate runs");
    assert!(status.success(), "generate");
    let (port, http_port) = (free_port(), free_port());
    let mut child = beacon_sync()
        .args(["serve", "--listen-address", "127.0.0.1"])
        .args(["--port", &port.to_string()])
        .args(["--http-port", &http_port.to_string()])
        .arg("--datadir")
        .arg(dir.join("source"))
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    // The server says where it listens, peer id included, once it does.
    let mut log = BufReader::new(child.stderr.take().expect("piped")).lines();
    let addr = log
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| line.split_once("listening on ")?.1.trim().parse().ok());
    // Keep reading, so the server never blocks on a full pipe.
    std::thread::spawn(move || log.for_each(drop));
    let http = format!("http://127.0.0.1:{http_port}");
    let server = Server {
        child,
        addr: addr.expect("the server logs its address before its log ends"),
        http,
    };
    assert!(
        get_text(&format!("{}/metrics", server.http)).is_some(),
        "the HTTP API is up once the node listens"
    );
    server
}

/// A client node of the served network with `config`, listening on and dialing from
/// `ip`.
async fn start_client(dir: &Path, config: NetConfig, ip: &str) -> Node {
    let network = node::launch::load_testnet_dir(&dir.join("source")).expect("the devnet");
    let from: IpAddr = ip.parse().expect("an IP address");
    Node::start(NodeSetup {
        keypair: Keypair::generate_secp256k1(),
        config: NetConfig {
            dial_from: Some(from),
            ..config
        },
        chain: network.config,
        source: Arc::new(MemorySource::new(&network.genesis)),
        clock: Arc::new(SystemClock),
        pool: PeerPool::new(PoolConfig::default()).expect("a pool"),
        listen: format!("/ip4/{ip}/tcp/0").parse().expect("multiaddr"),
        metrics: NetMetrics::default(),
    })
    .await
    .expect("the client starts")
}

/// Dials `server` from `node`: the server's handle once the handshake is done, or
/// `None` if the connection was refused or dropped first.
async fn connect(node: &Node, server: &libp2p::Multiaddr) -> Option<NetPeer> {
    let server_id = server_id(server);
    let mut events = node.handle().subscribe();
    node.handle().dial(server.clone()).await.ok()?;
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if let Some(peer) = node.handle().peer(&server_id) {
                return Some(peer);
            }
            match events.recv().await {
                Ok(net::NetEvent::DialFailed { .. }) => return None,
                Ok(net::NetEvent::PeerDisconnected { peer }) if peer == server_id => return None,
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    })
    .await
    .expect("the dial settles within 30 s")
}

/// A client on 127.0.0.1 connected to `server`.
async fn client(dir: &Path, config: NetConfig, server: &libp2p::Multiaddr) -> (Node, NetPeer) {
    let node = start_client(dir, config, "127.0.0.1").await;
    let peer = connect(&node, server)
        .await
        .expect("connected to the server");
    (node, peer)
}

/// The peer id a server address names.
fn server_id(addr: &libp2p::Multiaddr) -> PeerId {
    node::peer_id_of(addr).expect("the address names the peer")
}

/// How long each of `n` requests for 32 blocks takes the honest peer. The test asks for
/// 21 x 32 blocks in all, inside the quota (1,024 per 10 s) the honest client keeps to
/// by itself: its latency is the server's, not its own limiter's.
async fn honest_latencies(peer: &NetPeer, n: u64) -> Vec<Duration> {
    let mut took = Vec::new();
    for i in 0..n {
        let range = SyncRange::new(Slot(1 + (i % 6) * 32), 32).expect("range");
        let started = Instant::now();
        let blocks = peer
            .blocks_by_range(range)
            .await
            .expect("the honest peer is served");
        assert!(!blocks.is_empty());
        took.push(started.elapsed());
    }
    took
}

fn peak_rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the server runs");
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM");
    kib / 1024
}

/// A whole `status/1` request of a peer at the devnet's genesis, so that a raw peer
/// passes the handshake.
fn status_request(dir: &Path) -> Vec<u8> {
    let network = node::launch::load_testnet_dir(&dir.join("source")).expect("the devnet");
    let info = MemorySource::new(&network.genesis).chain_info();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970");
    let status = StatusMessage::local(&network.config, &info, now);
    let mut wire = Vec::new();
    encode_request(
        Protocol::StatusV1,
        &status.to_ssz(Protocol::StatusV1),
        &mut wire,
    )
    .expect("encodes");
    wire
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}
