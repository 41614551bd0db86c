//! Peers that never read: 8 connections from 127.0.0.2, each asking for 32 blob ranges
//! and reading nothing. Before the write timeout and the in-flight caps, this raised the
//! server from 62 to 474 MiB and from 4 to 173 threads for the 60 s stream timeout. Now
//! each peer holds at most its share of responses, is let go once its streams take
//! nothing for the write timeout (10 s), and the honest peer is served meanwhile.

use std::sync::Arc;
use std::time::{Duration, Instant};

use net::NetConfig;
use net::codec::{Protocol, encode_request};

use super::raw_peer::{RawEvent, RawReply, spawn_raw_peer_on};
use super::{
    ATTACKER_IP, MEMORY_BOUND_MIB, client, honest_latencies, median, peak_rss_mib,
    serve_with_blobs, status_request,
};

/// A whole `blob_sidecars_by_range/1` request for 32 slots from `start` (its SSZ is two
/// little-endian u64: start slot, count).
fn blobs_request(start: u64) -> Vec<u8> {
    let ssz = [start.to_le_bytes(), 32u64.to_le_bytes()].concat();
    let mut wire = Vec::new();
    encode_request(Protocol::BlobSidecarsByRange, &ssz, &mut wire).expect("encodes");
    wire
}

fn threads(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the server runs");
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("Threads")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peers_that_never_read_are_let_go_and_hold_bounded_memory() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut server = serve_with_blobs(dir.path(), 3);
    let threads_before = threads(server.pid());
    let (honest_node, honest) = client(dir.path(), NetConfig::default(), &server.addr).await;
    let quiet = median(honest_latencies(&honest, 6).await);

    let started = Instant::now();
    let mut readers = Vec::new();
    for _ in 0..8 {
        let raw =
            spawn_raw_peer_on(ATTACKER_IP, Arc::new(|_, _| RawReply::Bytes(Vec::new()))).await;
        let requests = (0..32).map(|i| blobs_request(1 + (i % 7) * 32)).collect();
        let status = status_request(dir.path());
        raw.dial_and_request_unread(server.addr.clone(), status, requests)
            .await;
        readers.push(raw);
    }
    let during = median(honest_latencies(&honest, 6).await);
    let peak_threads = threads(server.pid());
    // Each is let go: its connection closes (the server's Goodbye is not read either).
    let gone = async {
        for raw in &mut readers {
            while !matches!(raw.next_event().await, RawEvent::Closed(_)) {}
        }
    };
    tokio::time::timeout(Duration::from_secs(60), gone)
        .await
        .expect("every non-reader is let go");
    let all_gone = started.elapsed();
    let after = median(honest_latencies(&honest, 3).await);
    let not_reading =
        server.metric(r#"beacon_sync_net_disconnects_total{by="us",reason="not_reading"}"#);
    let served = server.metric(
        r#"beacon_sync_net_requests_total{direction="inbound",protocol="blob_sidecars_by_range",result="success"}"#,
    );
    let busy = server.metric(
        r#"beacon_sync_net_requests_total{direction="inbound",protocol="blob_sidecars_by_range",result="busy"}"#,
    );
    let in_flight = server.metric("beacon_sync_net_responses_in_flight");
    let peak = peak_rss_mib(server.pid());
    eprintln!(
        "non-readers: 8 x 32 blob ranges; {served} responses started, {busy} refused as busy; \
         {not_reading} peers let go as not reading, all gone after {all_gone:?}; \
         server threads {threads_before} before, {peak_threads} during; \
         honest median latency for 32 blocks: {quiet:?} quiet, {during:?} during, {after:?} after; \
         server peak RSS {peak} MiB"
    );
    assert_eq!(not_reading, 8.0, "every non-reader is let go as such");
    assert!(served <= 32.0, "at most 4 responses per peer: {served}");
    assert_eq!(
        in_flight, 0.0,
        "their responses hold no room after they left"
    );
    assert!(peak < MEMORY_BOUND_MIB, "peak RSS {peak} MiB");
    assert!(server.is_up(), "the server is still up");
    honest_node.shutdown().await;
}
