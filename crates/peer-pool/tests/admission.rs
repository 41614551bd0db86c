//! Spec A.3 admission: limits, `lenSpace`, config checks and the `checkPeer` order.

mod common;

use common::{Incoming, Outgoing, Peer, add, expect_consistent, pool, unlimited};
use peer_pool::{AddError, ConfigError, Lifetime, PeerFilter, PeerPool, PeerType, PoolConfig};
use sync_types::ScoredPeer;

fn try_add(pool: &common::Pool, key: u32, kind: PeerType) -> Result<(), AddError> {
    pool.add_peer_no_wait(Peer::new(key), kind, Lifetime::forever())
}

#[test]
fn an_unlimited_pool_admits_any_number_of_peers_in_both_directions() {
    let pool = unlimited();
    for key in 0..500 {
        let kind = if key % 3 == 0 { Incoming } else { Outgoing };
        assert_eq!(try_add(&pool, key, kind), Ok(()));
    }
    assert_eq!(pool.len(), 500);
    assert_eq!(pool.len_current(PeerFilter::INCOMING), 167);
    assert_eq!(pool.len_current(PeerFilter::OUTGOING), 333);
    assert_eq!(pool.len_space(PeerFilter::ANY), usize::MAX);
    expect_consistent(&pool);
}

#[test]
fn the_total_limit_refuses_either_direction_once_reached() {
    let pool = pool(PoolConfig::default().with_max_peers(3));
    add(&pool, 1, Incoming);
    add(&pool, 2, Outgoing);
    add(&pool, 3, Incoming);
    assert_eq!(try_add(&pool, 4, Incoming), Err(AddError::NoSpace));
    assert_eq!(try_add(&pool, 5, Outgoing), Err(AddError::NoSpace));
    assert_eq!(pool.len(), 3);
    assert!(!pool.contains(&4));
}

#[test]
fn the_incoming_limit_refuses_only_incoming_peers() {
    let pool = pool(PoolConfig::default().with_max_incoming(1));
    add(&pool, 1, Incoming);
    assert_eq!(try_add(&pool, 2, Incoming), Err(AddError::NoSpace));
    assert_eq!(try_add(&pool, 3, Outgoing), Ok(()));
    assert_eq!(try_add(&pool, 4, Outgoing), Ok(()));
    assert_eq!(pool.len_space(PeerFilter::INCOMING), 0);
    assert_eq!(pool.len_space(PeerFilter::OUTGOING), usize::MAX);
}

#[test]
fn the_outgoing_limit_refuses_only_outgoing_peers() {
    let pool = pool(PoolConfig::default().with_max_outgoing(2));
    add(&pool, 1, Outgoing);
    add(&pool, 2, Outgoing);
    assert_eq!(try_add(&pool, 3, Outgoing), Err(AddError::NoSpace));
    assert_eq!(try_add(&pool, 4, Incoming), Ok(()));
}

#[test]
fn a_removed_peer_frees_its_space() {
    let pool = pool(PoolConfig::default().with_max_peers(1));
    add(&pool, 1, Incoming);
    assert_eq!(try_add(&pool, 2, Outgoing), Err(AddError::NoSpace));
    assert!(pool.delete_peer(&1, false));
    assert_eq!(try_add(&pool, 2, Outgoing), Ok(()));
}

#[test]
fn direction_limits_above_the_total_are_refused_when_all_three_are_set() {
    let config = PoolConfig::default()
        .with_max_peers(10)
        .with_max_incoming(6)
        .with_max_outgoing(5);
    assert_eq!(
        PeerPool::<Peer>::new(config).map(|_| ()),
        Err(ConfigError::DirectionLimitsExceedTotal {
            max_peers: 10,
            max_incoming: 6,
            max_outgoing: 5,
        })
    );
    let exact = PoolConfig::default()
        .with_max_peers(10)
        .with_max_incoming(6)
        .with_max_outgoing(4);
    assert!(PeerPool::<Peer>::new(exact).is_ok());
}

#[test]
fn direction_limits_whose_sum_overflows_are_refused_not_wrapped() {
    let config = PoolConfig::default()
        .with_max_peers(usize::MAX)
        .with_max_incoming(usize::MAX)
        .with_max_outgoing(1);
    assert!(PeerPool::<Peer>::new(config).is_err());
}

#[test]
fn a_direction_cap_above_the_total_is_valid_when_the_other_direction_is_unlimited() {
    // Nimbus adds the unlimited -1 into its check and would refuse this.
    let config = PoolConfig::default()
        .with_max_peers(10)
        .with_max_outgoing(20);
    let pool = pool(config);
    for key in 0..10 {
        add(&pool, key, Outgoing);
    }
    assert_eq!(try_add(&pool, 10, Outgoing), Err(AddError::NoSpace));
}

#[test]
fn config_errors_read_as_one_line() {
    let err = ConfigError::DirectionLimitsExceedTotal {
        max_peers: 10,
        max_incoming: 6,
        max_outgoing: 5,
    };
    assert_eq!(
        err.to_string(),
        "max_peers 10 is below max_incoming 6 + max_outgoing 5"
    );
    for e in [
        AddError::LowScore,
        AddError::Duplicate,
        AddError::Dead,
        AddError::NoSpace,
    ] {
        assert!(!e.to_string().contains('\n'));
    }
}

#[test]
fn len_space_follows_the_spec_formulas() {
    // (max_peers, max_incoming, max_outgoing, incoming peers, outgoing peers,
    //  expected space for ANY, INCOMING, OUTGOING)
    type Row = (
        Option<usize>,
        Option<usize>,
        Option<usize>,
        u32,
        u32,
        [usize; 3],
    );
    let m = usize::MAX;
    let rows: [Row; 8] = [
        (None, None, None, 0, 0, [m, m, m]),
        (Some(10), None, None, 2, 3, [5, 5, 5]),
        (Some(10), Some(4), Some(6), 2, 3, [5, 2, 3]),
        (Some(10), Some(4), Some(6), 4, 6, [0, 0, 0]),
        // total = 10 - 3 = 7; inc = min(7, 8 - 1) = 7; out = min(7, 2 - 2) = 0.
        (Some(10), Some(8), Some(2), 1, 2, [7, 7, 0]),
        // unlimited total: inc + out, each by its own cap.
        (None, Some(3), Some(4), 1, 1, [5, 2, 3]),
        // one unlimited cap: the sum saturates instead of overflowing.
        (None, Some(3), None, 0, 0, [m, 3, m]),
        (Some(5), None, Some(1), 3, 1, [1, 1, 0]),
    ];
    for (i, (max, max_in, max_out, n_in, n_out, want)) in rows.into_iter().enumerate() {
        let config = PoolConfig {
            max_peers: max,
            max_incoming: max_in,
            max_outgoing: max_out,
            ..PoolConfig::default()
        };
        let pool = pool(config);
        for key in 0..n_in {
            add(&pool, key, Incoming);
        }
        for key in 100..100 + n_out {
            add(&pool, key, Outgoing);
        }
        let got = [
            pool.len_space(PeerFilter::ANY),
            pool.len_space(PeerFilter::INCOMING),
            pool.len_space(PeerFilter::OUTGOING),
        ];
        assert_eq!(got, want, "row {i}");
    }
}

#[test]
fn len_space_of_huge_direction_caps_saturates_instead_of_overflowing() {
    let config = PoolConfig {
        max_peers: None,
        max_incoming: Some(usize::MAX - 1),
        max_outgoing: Some(usize::MAX - 1),
        ..PoolConfig::default()
    };
    let pool = pool(config);
    add(&pool, 1, Incoming);
    assert_eq!(pool.len_space(PeerFilter::INCOMING), usize::MAX - 2);
    assert_eq!(pool.len_space(PeerFilter::ANY), usize::MAX);
}

#[test]
fn add_checks_score_then_duplicate_then_dead_then_space() {
    let pool = pool(PoolConfig::default().with_max_peers(1));
    let (dead, handle) = Lifetime::new();
    handle.close();
    add(&pool, 1, Incoming); // the pool is now full

    // A low-score peer that is also a duplicate and dead: LowScore first.
    let low_dup = Peer::scored(1, -1);
    assert_eq!(
        pool.add_peer_no_wait(low_dup, Outgoing, dead.clone()),
        Err(AddError::LowScore)
    );
    // A duplicate that is also dead: Duplicate.
    assert_eq!(
        pool.add_peer_no_wait(Peer::new(1), Outgoing, dead.clone()),
        Err(AddError::Duplicate)
    );
    // Dead, on a full pool: Dead, not NoSpace.
    assert_eq!(
        pool.add_peer_no_wait(Peer::new(2), Outgoing, dead),
        Err(AddError::Dead)
    );
    // Alive and new, on a full pool: NoSpace.
    assert_eq!(try_add(&pool, 2, Outgoing), Err(AddError::NoSpace));
    assert_eq!(pool.len(), 1);
}

#[test]
fn the_score_check_admits_a_peer_exactly_at_the_minimum() {
    let pool = pool(PoolConfig::default().with_min_score(100));
    assert_eq!(
        pool.add_peer_no_wait(Peer::scored(1, 100), Incoming, Lifetime::forever()),
        Ok(())
    );
    assert_eq!(
        pool.add_peer_no_wait(Peer::scored(2, 99), Incoming, Lifetime::forever()),
        Err(AddError::LowScore)
    );
    let default = unlimited();
    assert_eq!(default.config().min_score, Some(0));
    assert_eq!(
        default.add_peer_no_wait(Peer::scored(3, 0), Incoming, Lifetime::forever()),
        Ok(())
    );
}

#[test]
fn without_a_score_check_low_scores_are_admitted_and_kept_on_release() {
    let pool = pool(PoolConfig::default().without_score_check());
    assert_eq!(
        pool.add_peer_no_wait(Peer::scored(1, -5_000), Incoming, Lifetime::forever()),
        Ok(())
    );
    let held = pool
        .acquire_no_wait(PeerFilter::ANY)
        .expect("the low scorer is there");
    assert_eq!(held.key(), &1);
    drop(held);
    assert_eq!(pool.len(), 1, "a release keeps it: the check is off");
    let checked = unlimited();
    assert_eq!(
        checked.add_peer_no_wait(Peer::scored(2, -1), Incoming, Lifetime::forever()),
        Err(AddError::LowScore)
    );
}

#[test]
fn a_peer_whose_connection_ended_is_refused_as_dead() {
    let pool = unlimited();
    let (lifetime, handle) = Lifetime::new();
    drop(handle);
    assert_eq!(
        pool.add_peer_no_wait(Peer::new(1), Incoming, lifetime),
        Err(AddError::Dead)
    );
    assert!(pool.is_empty());
}

#[test]
fn refusals_say_whether_to_disconnect_as_the_node_does() {
    assert!(AddError::LowScore.should_disconnect());
    assert!(AddError::NoSpace.should_disconnect());
    assert!(!AddError::Dead.should_disconnect());
    assert!(!AddError::Duplicate.should_disconnect());
}

#[test]
fn a_refused_peer_leaves_the_counters_untouched() {
    let pool = pool(PoolConfig::default().with_max_incoming(1));
    add(&pool, 1, Incoming);
    let refused = Peer::new(2);
    let _ = pool.add_peer_no_wait(refused.clone(), Incoming, Lifetime::forever());
    assert_eq!(pool.counts(), common::counts(1, 0));
    assert_eq!(refused.score(), 300);
    expect_consistent(&pool);
}
