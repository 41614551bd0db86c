use std::net::Ipv4Addr;

use super::*;

fn addr(ip: [u8; 4]) -> Multiaddr {
    format!("/ip4/{}/tcp/9000", Ipv4Addr::from(ip))
        .parse()
        .expect("multiaddr")
}

fn refusal(denied: &ConnectionDenied) -> IpRefusal {
    *denied.downcast_ref::<IpRefusal>().expect("an IpRefusal")
}

#[tokio::test(start_paused = true)]
async fn one_address_gets_at_most_its_share_of_inbound_connections() {
    let mut admission = IpAdmission::new(2, 5, Duration::from_secs(60));
    let a = addr([127, 0, 0, 1]);
    let ids: Vec<ConnectionId> = (0..4).map(ConnectionId::new_unchecked).collect();
    admission.admit(ids[0], &a).expect("first");
    admission.admit(ids[1], &a).expect("second");
    let denied = admission
        .admit(ids[2], &a)
        .expect_err("third from the same address");
    assert_eq!(
        refusal(&denied),
        IpRefusal::TooManyFromIp {
            ip: ip_of(&a).expect("ip"),
            limit: 2
        }
    );
    admission
        .admit(ids[3], &addr([127, 0, 0, 2]))
        .expect("another address has its own share");
    admission.release(ids[0]);
    admission
        .admit(ids[2], &a)
        .expect("room again after one closed");
    // Releasing an unknown or already released connection changes nothing.
    admission.release(ids[0]);
    assert_eq!(admission.incoming.get(&ip_of(&a).expect("ip")), Some(&2));
}

#[tokio::test(start_paused = true)]
async fn an_address_is_banned_once_more_than_the_threshold_of_its_peers_were_let_go() {
    let window = Duration::from_secs(60);
    let mut admission = IpAdmission::new(100, 2, window);
    let a = addr([10, 0, 0, 7]);
    let ip = ip_of(&a).expect("ip");
    let peers: Vec<PeerId> = (0..4).map(|_| PeerId::random()).collect();
    for peer in &peers {
        admission.peers.insert(*peer, ip);
    }
    let now = Instant::now();
    assert_eq!(admission.strike(&peers[0], now), None);
    assert_eq!(admission.strike(&peers[1], now), None);
    admission
        .admit(ConnectionId::new_unchecked(1), &a)
        .expect("two strikes are not more than the threshold");
    assert_eq!(admission.strike(&peers[2], now), Some(ip), "the third bans");
    assert_eq!(admission.strike(&peers[3], now), None, "already banned");
    let denied = admission
        .admit(ConnectionId::new_unchecked(2), &a)
        .expect_err("banned");
    assert_eq!(refusal(&denied), IpRefusal::Banned { ip });
    admission
        .admit(ConnectionId::new_unchecked(3), &addr([10, 0, 0, 8]))
        .expect("only that address");
    // An unknown peer (never connected) strikes no address.
    assert_eq!(admission.strike(&PeerId::random(), now), None);

    tokio::time::advance(window).await;
    admission
        .admit(ConnectionId::new_unchecked(4), &a)
        .expect("the ban ends after its duration");
    // Old strikes have expired too: one new strike does not ban again.
    assert_eq!(admission.strike(&peers[0], Instant::now()), None);
}
