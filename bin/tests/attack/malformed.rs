//! Malformed requests against the serving process: 8 identities from 127.0.0.2 pass
//! the handshake, then send requests with a huge varint length prefix, a prefix far over
//! the request's size, a frame that inflates past its declared length, and a stream that
//! ends mid-request. Each is refused with InvalidRequest and costs the peer its score:
//! every one is let go, and then the host is banned. An honest peer is served meanwhile.

use std::sync::Arc;
use std::time::{Duration, Instant};

use net::NetConfig;
use net::codec::{encode_payload, write_varint};

use super::raw_peer::{RawEvent, RawReply, spawn_raw_peer_on};
use super::{
    ATTACKER_IP, MEMORY_BOUND_MIB, client, honest_latencies, median, peak_rss_mib, serve,
    status_request,
};

/// The size of a `blob_sidecars_by_range` request's SSZ (two u64).
const REQUEST_SIZE: u64 = 16;

/// The malformed requests, in the order they are sent.
fn malformed() -> Vec<Vec<u8>> {
    let huge_varint = [[0xff; 10].as_slice(), &[0x01]].concat();
    let mut oversized_prefix = Vec::new();
    write_varint(1 << 30, &mut oversized_prefix);
    oversized_prefix.extend_from_slice(&[0; 64]);
    // A prefix of 16 bytes, then snappy frames of 64 KiB of zeros.
    let mut frames = Vec::new();
    encode_payload(&[0; 65_536], &mut frames);
    let mut inflating = Vec::new();
    write_varint(REQUEST_SIZE, &mut inflating);
    inflating.extend_from_slice(&frames[3..]); // past the 3-byte varint of 65,536
    let mut truncated = Vec::new();
    write_varint(REQUEST_SIZE, &mut truncated);
    vec![huge_varint, oversized_prefix, inflating, truncated]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_are_refused_and_their_peers_let_go_then_their_host_banned() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut server = serve(dir.path());
    let (honest_node, honest) = client(dir.path(), NetConfig::default(), &server.addr).await;
    let quiet = median(honest_latencies(&honest, 6).await);

    let started = Instant::now();
    let mut peers = Vec::new();
    for _ in 0..8 {
        let raw =
            spawn_raw_peer_on(ATTACKER_IP, Arc::new(|_, _| RawReply::Bytes(Vec::new()))).await;
        let status = status_request(dir.path());
        raw.dial_and_request_unread(server.addr.clone(), status, malformed())
            .await;
        peers.push(raw);
    }
    let during = median(honest_latencies(&honest, 6).await);
    // Each is let go (its connection closes), or, dialing once its host is banned,
    // refused before it connects.
    let gone = async {
        let mut refused_at_dial = 0;
        for raw in &mut peers {
            loop {
                match raw.next_event().await {
                    RawEvent::Closed(_) => break,
                    RawEvent::DialFailed => {
                        refused_at_dial += 1;
                        break;
                    }
                    _ => {}
                }
            }
        }
        refused_at_dial
    };
    let refused_at_dial = tokio::time::timeout(Duration::from_secs(60), gone)
        .await
        .expect("every malformed peer is let go");
    let all_gone = started.elapsed();
    let invalid = server.metric(
        r#"beacon_sync_net_requests_total{direction="inbound",protocol="blob_sidecars_by_range",result="invalid_request"}"#,
    );
    let bad_score =
        server.metric(r#"beacon_sync_net_disconnects_total{by="us",reason="bad_score"}"#);
    let bans = server.metric("beacon_sync_net_ip_bans_total");
    // The host is banned now: one more identity from it is refused at once.
    let late = spawn_raw_peer_on(ATTACKER_IP, Arc::new(|_, _| RawReply::Bytes(Vec::new()))).await;
    let mut late = late;
    late.dial_and_request_unread(server.addr.clone(), status_request(dir.path()), malformed())
        .await;
    let refused = loop {
        match late.next_event().await {
            RawEvent::DialFailed => break true,
            RawEvent::Closed(_) => break false,
            _ => {}
        }
    };
    assert!(
        refused,
        "the banned host's next dial is refused before it is connected"
    );
    let banned = server.metric(r#"beacon_sync_net_connections_refused_total{reason="banned_ip"}"#);
    let after = median(honest_latencies(&honest, 3).await);
    let peak = peak_rss_mib(server.pid());
    eprintln!(
        "malformed: 8 identities x 4 malformed requests; {invalid} refused as invalid, \
         {bad_score} peers let go for their score, {refused_at_dial} refused at the dial, \
         all gone after {all_gone:?}; \
         {bans} IP ban, then {banned} connection refused as banned; \
         honest median latency for 32 blocks: {quiet:?} quiet, {during:?} during, {after:?} after; \
         server peak RSS {peak} MiB"
    );
    assert!(
        invalid >= bad_score,
        "each connected peer's malformed requests were refused: {invalid}"
    );
    assert_eq!(
        bad_score + f64::from(refused_at_dial),
        8.0,
        "every one was let go for its score, or refused once its host was banned"
    );
    assert!(
        bad_score > 5.0,
        "enough were let go to ban the host: {bad_score}"
    );
    assert_eq!(bans, 1.0, "and then its host was banned");
    assert!(banned >= 1.0, "a banned host's next connection is refused");
    assert!(peak < MEMORY_BOUND_MIB, "peak RSS {peak} MiB");
    assert!(server.is_up(), "the server is still up");
    honest_node.shutdown().await;
}
