//! Blocks served per second over loopback: one node serves a devnet chain without blobs,
//! one client asks for it 64 blocks at a time (decoding every block, context bytes
//! checked). Quotas are lifted on both sides so the benchmark measures the stack, not
//! the rate limits.
//!
//! ```sh
//! cargo bench -p beacon-sync-net --bench serve -- --warm-up-time 2 --measurement-time 10
//! ```

use std::hint::black_box;
use std::sync::Arc;

use consensus::Fork;
use consensus::devnet::{Devnet, DevnetParams, seed_from_u64};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use libp2p::identity::Keypair;
use net::{ManualClock, MemorySource, NetConfig, NetEvent, NetMetrics, Node, NodeSetup, QuotaSet};
use peer_pool::{PeerPool, PoolConfig};
use sync_types::{Slot, SyncPeer, SyncRange};

const SLOTS: u64 = 1024;
const BLOCKS_PER_REQUEST: u64 = 64;

fn config() -> NetConfig {
    NetConfig {
        outbound_quotas: None,
        server_peer_quotas: QuotaSet::lighthouse().times(1_000_000),
        server_global_quotas: QuotaSet::lighthouse().times(1_000_000),
        ..NetConfig::default()
    }
}

async fn start(devnet: &Devnet, source: MemorySource) -> Node {
    let clock = ManualClock::at_slot(devnet.config(), SLOTS + 1);
    Node::start(NodeSetup {
        keypair: Keypair::generate_secp256k1(),
        config: config(),
        chain: devnet.config().clone(),
        source: Arc::new(source),
        clock: Arc::new(clock),
        pool: PeerPool::new(PoolConfig::default()).expect("pool"),
        listen: "/ip4/127.0.0.1/tcp/0".parse().expect("multiaddr"),
        metrics: NetMetrics::default(),
    })
    .await
    .expect("node starts")
}

fn serve(c: &mut Criterion) {
    let devnet = Devnet::generate(DevnetParams {
        seed: seed_from_u64(1),
        validators: 16,
        genesis_fork: Fork::Electra,
        slots: SLOTS,
        skip_per_mille: 0,
        max_blobs: Some(0),
        ..DevnetParams::default()
    })
    .expect("devnet");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (server, client, peer) = runtime.block_on(async {
        let server = start(&devnet, MemorySource::from_devnet(&devnet)).await;
        let client = start(&devnet, MemorySource::new(devnet.genesis_block())).await;
        let mut events = client.handle().subscribe();
        let server_id = server.handle().local_peer_id();
        client
            .handle()
            .dial(server.handle().dial_addr().expect("addr"))
            .await
            .expect("dial");
        loop {
            if let Ok(NetEvent::PeerConnected { peer, .. }) = events.recv().await
                && peer == server_id
            {
                break;
            }
        }
        let peer = client.handle().peer(&server_id).expect("in the pool");
        (server, client, peer)
    });

    let mut group = c.benchmark_group("serve");
    group.throughput(Throughput::Elements(BLOCKS_PER_REQUEST));
    let mut start = 1;
    group.bench_function("blocks_by_range_64_loopback", |b| {
        b.iter(|| {
            let range = SyncRange::new(Slot(start), BLOCKS_PER_REQUEST).expect("range");
            start = if start + 2 * BLOCKS_PER_REQUEST > SLOTS {
                1
            } else {
                start + BLOCKS_PER_REQUEST
            };
            let blocks = runtime
                .block_on(peer.blocks_by_range(range))
                .expect("served");
            assert_eq!(blocks.len() as u64, BLOCKS_PER_REQUEST);
            black_box(blocks)
        });
    });
    group.finish();
    runtime.block_on(async {
        client.shutdown().await;
        server.shutdown().await;
    });
}

criterion_group!(benches, serve);
criterion_main!(benches);
