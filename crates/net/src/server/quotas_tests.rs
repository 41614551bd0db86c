use super::*;
use crate::quota::Quota;

#[test]
fn a_flooding_peer_is_refused_while_another_still_fits() {
    let t0 = Instant::now();
    let per_peer = QuotaSet {
        blocks_by_range: Quota::per_secs(100, 10),
        ..QuotaSet::lighthouse()
    };
    let global = QuotaSet {
        blocks_by_range: Quota::per_secs(250, 10),
        ..QuotaSet::lighthouse()
    };
    let mut quotas = ServerQuotas::new(per_peer, &global, t0);
    let (flooder, other) = (PeerId::random(), PeerId::random());
    let mut take = |peer, n| quotas.try_take(peer, RpcKind::BlocksByRange, n, t0);
    assert!(take(flooder, 64).is_ok());
    assert!(take(flooder, 64).is_err());
    assert!(take(other, 64).is_ok());
    // 128 of the 250 global tokens are gone; a third peer fits 100 but not 150.
    assert!(take(PeerId::random(), 100).is_ok());
    assert!(take(other, 30).is_err());
}

#[test]
fn a_burst_of_new_identities_sending_status_never_locks_out_an_honest_peer() {
    // Before, Status was charged to a global bucket (16 x 5 per 15 s): 100 fresh keys
    // emptied it and every new honest peer was refused its handshake for about 15 s.
    let t0 = Instant::now();
    let lighthouse = QuotaSet::lighthouse();
    let mut quotas = ServerQuotas::new(lighthouse, &lighthouse.times(16), t0);
    for _ in 0..1_000 {
        assert!(
            quotas
                .try_take(PeerId::random(), RpcKind::Status, 1, t0)
                .is_ok()
        );
    }
    let honest = PeerId::random();
    assert!(quotas.try_take(honest, RpcKind::Status, 1, t0).is_ok());
    assert!(quotas.try_take(honest, RpcKind::Ping, 1, t0).is_ok());
    // Each identity still has its own limit.
    for _ in 0..4 {
        assert!(quotas.try_take(honest, RpcKind::Status, 1, t0).is_ok());
    }
    assert!(quotas.try_take(honest, RpcKind::Status, 1, t0).is_err());
}

#[test]
fn a_huge_count_costs_everyone_only_what_the_peer_may_be_served() {
    // `count = u64::MAX` passes a peer's bucket as a full bucket (1,024); it used to
    // take up to 16,384 from the global bucket, emptying it for everyone.
    let t0 = Instant::now();
    let lighthouse = QuotaSet::lighthouse();
    let mut quotas = ServerQuotas::new(lighthouse, &lighthouse.times(16), t0);
    let greedy = PeerId::random();
    assert!(
        quotas
            .try_take(greedy, RpcKind::BlocksByRange, u64::MAX, t0)
            .is_ok()
    );
    for n in 0..15 {
        assert!(
            quotas
                .try_take(PeerId::random(), RpcKind::BlocksByRange, 1024, t0)
                .is_ok(),
            "peer {n} after the greedy one"
        );
    }
    assert!(
        quotas
            .try_take(PeerId::random(), RpcKind::BlocksByRange, 1, t0)
            .is_err(),
        "16 x 1,024 is the global quota"
    );
}

#[test]
fn reconnecting_does_not_buy_a_fresh_quota() {
    let t0 = Instant::now();
    let lighthouse = QuotaSet::lighthouse();
    let mut quotas = ServerQuotas::new(lighthouse, &lighthouse.times(16), t0);
    let peer = PeerId::random();
    assert!(
        quotas
            .try_take(peer, RpcKind::BlocksByRange, 1024, t0)
            .is_ok()
    );
    quotas.disconnected(&peer, t0);
    assert_eq!(quotas.remembered(), 1, "its empty bucket is kept");
    assert!(
        quotas
            .try_take(peer, RpcKind::BlocksByRange, 1, t0)
            .is_err()
    );
    // Once refilled, there is nothing to remember.
    let later = t0 + Duration::from_secs(15);
    quotas.disconnected(&peer, later);
    assert_eq!(quotas.remembered(), 0);
    assert!(
        quotas
            .try_take(peer, RpcKind::BlocksByRange, 1024, later)
            .is_ok()
    );
}
