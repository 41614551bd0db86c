//! One identity floods a serving node with 3,000 block requests from 50 concurrent
//! streams, ignoring every quota. The node refuses it, penalises it and lets it go, stays
//! within a memory bound, and keeps serving an honest peer, whose latency is reported
//! with and without the flood.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use consensus::containers::BeaconBlocksByRangeRequest;
use net::{NetConfig, RpcRequest};
use sync_types::RequestError;

use super::{MEMORY_BOUND_MIB, client, honest_latencies, median, peak_rss_mib, serve, server_id};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_identity_flooding_from_50_streams_is_let_go_while_an_honest_peer_is_served() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut server = serve(dir.path());
    let addr = server.addr.clone();
    let (honest_node, honest) = client(dir.path(), NetConfig::default(), &addr).await;
    let quiet = median(honest_latencies(&honest, 9).await);

    let flooder_config = NetConfig {
        outbound_quotas: None,
        max_concurrent_requests: 50,
        ..NetConfig::default()
    };
    let (flooder_node, _) = client(dir.path(), flooder_config, &addr).await;
    let target = server_id(&addr);
    let counts: Arc<[AtomicU64; 4]> = Arc::new(Default::default());
    let mut streams = tokio::task::JoinSet::new();
    for stream in 0..50u64 {
        let handle = flooder_node.handle().clone();
        let counts = Arc::clone(&counts);
        streams.spawn(async move {
            for i in 0..60u64 {
                let request = RpcRequest::BlocksByRange(BeaconBlocksByRangeRequest {
                    start_slot: 1 + (stream * 60 + i) % 192,
                    count: 64,
                    step: 1,
                });
                let slot = match handle
                    .request(target, request)
                    .await
                    .map(net::ReceivedResponse::into_items)
                {
                    Ok(Ok(_)) => 0,
                    Ok(Err(RequestError::RateLimited { .. })) => 1,
                    Err(RequestError::Disconnected) | Ok(Err(RequestError::Disconnected)) => 2,
                    _ => 3,
                };
                counts[slot].fetch_add(1, Ordering::Relaxed);
            }
        });
    }
    let under_attack = median(honest_latencies(&honest, 9).await);
    while streams.join_next().await.is_some() {}
    let [served, refused, disconnected, other] =
        std::array::from_fn(|i| counts[i].load(Ordering::Relaxed));
    let after = median(honest_latencies(&honest, 3).await);
    let peak = peak_rss_mib(server.pid());
    eprintln!(
        "flood of 3,000: served {served}, refused {refused}, after the disconnect {disconnected}, other {other}; \
         honest median latency for 32 blocks: {quiet:?} quiet, {under_attack:?} under attack, {after:?} after; \
         server peak RSS {peak} MiB"
    );
    assert_eq!(served + refused + disconnected + other, 3_000);
    assert!(
        served <= 32,
        "the flooder got more than its quota: {served}"
    );
    assert!(
        refused >= 12,
        "refused {refused} times before it was let go"
    );
    assert!(
        disconnected > 2_000,
        "it was let go: {disconnected} failed as disconnected"
    );
    assert!(peak < MEMORY_BOUND_MIB, "peak RSS {peak} MiB");
    assert!(server.is_up(), "the server is still up");
    for node in [honest_node, flooder_node] {
        node.shutdown().await;
    }
}
