//! A peer that lies is let go below zero and banned; the ban is in `peer-bans.json` of
//! the data directory, the peers API shows the peer as banned with why it left, and a
//! node restarted on the same directory never connects to it again while it syncs from
//! the honest peer.

use e2e::{GUARD, serve, small_chain, source};
use node::http::serve as serve_http;
use node::{BeaconNode, NodeSettings, StartFrom};

async fn start(
    dir: &std::path::Path,
    source: &node::devnet::SourceChain,
    peers: Vec<libp2p::Multiaddr>,
) -> BeaconNode {
    let mut settings = NodeSettings::new(
        dir,
        source.config.clone(),
        source.proposers.clone(),
        StartFrom::Genesis(Box::new(source.genesis.clone())),
    );
    settings.peers = peers;
    settings.backfill = node::BackfillTo::None;
    BeaconNode::start(settings).await.expect("node starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_liar_is_banned_the_ban_survives_a_restart_and_the_api_says_why() {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = source(&small_chain(&dir.path().join("net")));
    // The first peer lies about blobs; the second is honest.
    let servers = serve(&source, 2, 1).await;
    let addrs = servers.addrs();
    let liar = node::peer_id_of(&addrs[0]).expect("an id");
    let honest = node::peer_id_of(&addrs[1]).expect("an id");
    let data = dir.path().join("node");

    let first = start(&data, &source, addrs.clone()).await;
    let head = source.anchors.head.slot;
    tokio::time::timeout(GUARD, first.wait_for_head(head))
        .await
        .expect("syncs from the honest peer");
    // The liar's last answer may still be in verification when the sync ends: wait for
    // its ban (the book bans it once its connection is gone and its score below zero).
    tokio::time::timeout(GUARD, async {
        while !first.peer_book().is_banned(&liar) {
            let mut events = first.network().subscribe();
            let _ = tokio::time::timeout(std::time::Duration::from_secs(1), events.recv()).await;
            first.peer_book().ban_faulty();
        }
    })
    .await
    .expect("the liar is banned");
    assert!(!first.peer_book().is_banned(&honest));

    let http = serve_http("127.0.0.1:0".parse().expect("addr"), first.api_context())
        .await
        .expect("serves");
    let url = format!("http://{}/eth/v1/node/peers/{liar}", http.local_addr());
    let out = tokio::task::block_in_place(|| {
        std::process::Command::new("curl")
            .args(["-sf", "-m", "10", &url])
            .output()
            .expect("curl runs")
    });
    assert!(out.status.success(), "GET {url}");
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let view = &body["data"];
    assert_eq!(view["state"], "disconnected");
    assert_eq!(view["banned"], true);
    assert!(view["score"].as_i64().expect("a score") < 0, "{view}");
    assert!(
        view["disconnect_reason"]
            .as_str()
            .is_some_and(|r| !r.is_empty()),
        "{view}"
    );
    assert!(
        view["last_seen_p2p_address"]
            .as_str()
            .expect("text")
            .starts_with("/ip4/127.0.0.1/tcp/"),
        "{view}"
    );
    http.shutdown().await.expect("stops");
    first.shutdown().await;

    let saved = std::fs::read_to_string(data.join("peer-bans.json")).expect("the ban file");
    assert!(saved.contains(&liar.to_string()), "{saved}");

    // Restarted: the honest peer is dialled, the banned one never. The redial round
    // dials the configured peers in order, the liar first: had it been dialled, the
    // liar's side would see us by the time the honest peer joined.
    let mut liar_side = servers.events(0).expect("the liar's events");
    let second = start(&data, &source, addrs).await;
    assert!(second.peer_book().is_banned(&liar), "the ban was read back");
    let mut events = second.network().subscribe();
    tokio::time::timeout(GUARD, async {
        loop {
            if let Ok(net::NetEvent::PeerConnected { peer, .. }) = events.recv().await
                && peer == honest
            {
                return;
            }
        }
    })
    .await
    .expect("the honest peer connects");
    let us = second.network().local_peer_id();
    while let Ok(event) = liar_side.try_recv() {
        if let net::NetEvent::PeerConnected { peer, .. } = event {
            assert_ne!(peer, us, "the banned peer was dialled");
        }
    }
    assert!(
        !second.peer_book().snapshot().contains_key(&liar),
        "the banned peer never connected"
    );
    second.shutdown().await;
    servers.shutdown().await;
}
