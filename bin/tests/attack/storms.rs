//! Storms from one host (127.0.0.2): connections that never send a byte, a burst of new
//! identities sending Status, and identities flooding requests. The host gets only its
//! share of the inbound connections (8), its flooders are let go and then the host is
//! banned, and an honest peer on 127.0.0.1 is admitted and served throughout.

use std::time::{Duration, Instant};

use consensus::containers::BeaconBlocksByRangeRequest;
use net::{NetConfig, RpcRequest};
use tokio::io::AsyncReadExt;
use tokio::net::TcpSocket;

use super::{
    ATTACKER_IP, MEMORY_BOUND_MIB, client, connect, honest_latencies, median, peak_rss_mib, serve,
    server_id, start_client,
};

/// The server's default share of inbound connections for one address.
const PER_IP: f64 = 8.0;

/// A TCP connection from the attacker's address to `port` that never sends a byte;
/// resolves when the server closes it, with how long that took.
async fn silent_connection(port: u16) -> Option<Duration> {
    let socket = TcpSocket::new_v4().ok()?;
    socket
        .bind((ATTACKER_IP.parse::<std::net::IpAddr>().ok()?, 0).into())
        .ok()?;
    let started = Instant::now();
    let mut stream = socket.connect(([127, 0, 0, 1], port).into()).await.ok()?;
    let mut buf = [0u8; 256];
    // Whatever the server sends (its side of the noise handshake), until it closes.
    while let Ok(n) = stream.read(&mut buf).await {
        if n == 0 {
            break;
        }
    }
    Some(started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storms_from_one_host_get_its_share_then_a_ban_while_an_honest_peer_is_served() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut server = serve(dir.path());
    let port = server
        .addr
        .iter()
        .find_map(|p| match p {
            libp2p::multiaddr::Protocol::Tcp(port) => Some(port),
            _ => None,
        })
        .expect("a TCP address");
    let (honest_node, honest) = client(dir.path(), NetConfig::default(), &server.addr).await;
    let quiet = median(honest_latencies(&honest, 6).await);

    // 1. 200 connections that never send a byte.
    let silent: Vec<_> = (0..200)
        .map(|_| tokio::spawn(silent_connection(port)))
        .collect();
    let during_silent = median(honest_latencies(&honest, 3).await);
    let mut closed = Vec::new();
    for connection in silent {
        let took = tokio::time::timeout(Duration::from_secs(60), connection)
            .await
            .expect("the server closes every silent connection")
            .expect("no panic");
        closed.push(took.expect("the connection was made"));
    }
    let refused_ip = r#"beacon_sync_net_connections_refused_total{reason="too_many_from_ip"}"#;
    let silent_refused = server.metric(refused_ip);
    let slowest = closed.iter().max().copied().unwrap_or_default();
    assert!(
        silent_refused >= 200.0 - PER_IP,
        "only the host's share waited for the handshake: {silent_refused} refused"
    );

    // 2. 200 new identities from the same host dial and send Status at once.
    let mut identities = Vec::new();
    for _ in 0..200 {
        identities.push(start_client(dir.path(), NetConfig::default(), ATTACKER_IP).await);
    }
    let started = Instant::now();
    let dials = identities.iter().map(|node| connect(node, &server.addr));
    let burst = futures::future::join_all(dials);
    let (admitted, during_burst) = tokio::join!(burst, honest_latencies(&honest, 3));
    let admitted = admitted.iter().filter(|p| p.is_some()).count();
    let burst_took = started.elapsed();
    let late = start_client(dir.path(), NetConfig::default(), "127.0.0.1").await;
    let late_joined = Instant::now();
    let late_peer = connect(&late, &server.addr)
        .await
        .expect("an honest peer that connects after the burst is admitted");
    let late_admission = late_joined.elapsed();
    assert!(!honest_latencies(&late_peer, 1).await.is_empty());
    assert!(
        admitted as f64 <= PER_IP,
        "{admitted} of 200 identities from one host admitted"
    );
    for node in identities {
        node.shutdown().await;
    }

    // 3. 24 identities from the same host flood block requests, ignoring every quota,
    //    for up to 15 s each: each is let go, and then the host is banned.
    let flooder_config = NetConfig {
        outbound_quotas: None,
        max_concurrent_requests: 8,
        ..NetConfig::default()
    };
    let target = server_id(&server.addr);
    let mut flooders = tokio::task::JoinSet::new();
    for _ in 0..24 {
        let node = start_client(dir.path(), flooder_config.clone(), ATTACKER_IP).await;
        let addr = server.addr.clone();
        flooders.spawn(async move {
            let Some(_) = connect(&node, &addr).await else {
                node.shutdown().await;
                return (false, 0u64);
            };
            let deadline = Instant::now() + Duration::from_secs(15);
            let mut served = 0;
            while Instant::now() < deadline && node.handle().peer(&target).is_some() {
                let requests = (0..8).map(|i| {
                    let request = RpcRequest::BlocksByRange(BeaconBlocksByRangeRequest {
                        start_slot: 1 + i * 32,
                        count: 64,
                        step: 1,
                    });
                    node.handle().request(target, request)
                });
                for answer in futures::future::join_all(requests).await {
                    if matches!(answer.map(net::ReceivedResponse::into_items), Ok(Ok(_))) {
                        served += 1;
                    }
                }
            }
            node.shutdown().await;
            (true, served)
        });
    }
    let during_flood = median(honest_latencies(&honest, 3).await);
    let (mut connected, mut flood_served) = (0, 0);
    while let Some(result) = flooders.join_next().await {
        let (was_connected, served) = result.expect("no panic");
        connected += usize::from(was_connected);
        flood_served += served;
    }
    let after = median(honest_latencies(&honest, 3).await);
    let bans = server.metric("beacon_sync_net_ip_bans_total");
    let banned_refusals =
        server.metric(r#"beacon_sync_net_connections_refused_total{reason="banned_ip"}"#);
    let bad_score =
        server.metric(r#"beacon_sync_net_disconnects_total{by="us",reason="bad_score"}"#);
    let peak = peak_rss_mib(server.pid());
    eprintln!(
        "silent: {silent_refused} of 200 refused at once, the rest closed by {slowest:?}; \
         burst: {admitted} of 200 identities admitted in {burst_took:?}, a later honest peer \
         admitted in {late_admission:?}; flood: {connected} of 24 flooders connected, \
         {flood_served} requests served to them, {bad_score} let go for their score, \
         {bans} IP ban, {banned_refusals} connections refused as banned; \
         honest median latency for 32 blocks: {quiet:?} quiet, {during_silent:?} during the \
         silent connections, {during_burst:?} during the burst, {during_flood:?} during the \
         flood, {after:?} after; server peak RSS {peak} MiB",
        during_burst = median(during_burst),
    );
    assert!(bad_score >= 6.0, "flooders let go: {bad_score}");
    assert_eq!(bans, 1.0, "the host is banned once");
    assert!(
        connected < 24,
        "some flooders were refused: {connected} connected"
    );
    assert!(peak < MEMORY_BOUND_MIB, "peak RSS {peak} MiB");
    assert!(server.is_up(), "the server is still up");
    for node in [honest_node, late] {
        node.shutdown().await;
    }
}
