//! Peers a node cannot use: one that is unreachable (the node says so and keeps trying),
//! and peers of another network (refused at the handshake, never in the pool).

use e2e::{GUARD, serve, small_chain, source};
use libp2p::Multiaddr;
use libp2p::identity::Keypair;
use libp2p::multiaddr::Protocol;
use net::NetEvent;
use node::{BeaconNode, NodeSettings, StartFrom};
use tokio::sync::broadcast;

async fn expect<T>(
    events: &mut broadcast::Receiver<NetEvent>,
    mut pick: impl FnMut(&NetEvent) -> Option<T>,
) -> T {
    let wait = async {
        loop {
            match events.recv().await {
                Ok(event) => {
                    if let Some(found) = pick(&event) {
                        return found;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => panic!("events closed"),
            }
        }
    };
    tokio::time::timeout(GUARD, wait)
        .await
        .expect("the event comes")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_peer_is_reported_and_the_node_keeps_running() {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = source(&small_chain(dir.path()));
    // A port nobody listens on: bind one, note it, free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("binds")
        .local_addr()
        .expect("addr")
        .port();
    let nobody = Keypair::generate_secp256k1().public().to_peer_id();
    let addr: Multiaddr = format!("/ip4/127.0.0.1/tcp/{port}")
        .parse::<Multiaddr>()
        .expect("multiaddr")
        .with(Protocol::P2p(nobody));
    let mut settings = NodeSettings::new(
        dir.path().join("node"),
        source.config.clone(),
        source.proposers.clone(),
        StartFrom::Genesis(Box::new(source.genesis.clone())),
    );
    settings.peers = vec![addr];
    let node = BeaconNode::start(settings).await.expect("node starts");
    let mut events = node.network().subscribe();
    let error = expect(&mut events, |e| match e {
        NetEvent::DialFailed {
            peer: Some(p),
            error,
        } if *p == nobody => Some(error.clone()),
        _ => None,
    })
    .await;
    assert!(!error.contains('\n'), "one line: {error}");
    assert_eq!(node.network().pool().len(), 0);
    assert_eq!(
        node.chain().anchors().head.slot,
        0,
        "nothing synced, nothing broken"
    );
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peers_of_another_network_are_refused_at_the_handshake() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ours = source(&small_chain(&dir.path().join("ours")));
    // Another validator count: another genesis validators root, so another fork digest.
    let theirs = source(&node::devnet::DevnetOptions {
        validators: 8,
        ..small_chain(&dir.path().join("theirs"))
    });
    let servers = serve(&theirs, 2, 0).await;
    let mut settings = NodeSettings::new(
        dir.path().join("node"),
        ours.config.clone(),
        ours.proposers.clone(),
        StartFrom::Genesis(Box::new(ours.genesis.clone())),
    );
    settings.peers = servers.addrs();
    let node = BeaconNode::start(settings).await.expect("node starts");
    let mut events = node.network().subscribe();
    let mut refused = 0;
    while refused < 2 {
        expect(&mut events, |e| {
            matches!(e, NetEvent::PeerRejected { .. }).then_some(())
        })
        .await;
        refused += 1;
    }
    assert_eq!(
        node.network().pool().len(),
        0,
        "no peer of another network joins the pool"
    );
    assert_eq!(node.chain().anchors().head.slot, 0);
    node.shutdown().await;
    servers.shutdown().await;
}
