use std::time::Duration;

use peer_pool::PeerType::{Incoming, Outgoing};

use super::*;

fn view(id: u32, direction: PeerType, score: i64, head: u64) -> PeerView<u32> {
    PeerView {
        id,
        direction,
        score,
        head_slot: head,
        earliest_available_slot: None,
        has_needed_custody: true,
    }
}

fn config(target: usize) -> PeerManagerConfig {
    PeerManagerConfig {
        target_peers: target,
        ..PeerManagerConfig::default()
    }
}

const SYNCED: Needs = Needs {
    head_slot: 1000,
    backfill_mark: None,
};

#[test]
fn limits_follow_the_target() {
    let c = config(100);
    assert_eq!(c.max_peers(), 110);
    assert_eq!(c.min_outbound(), 30);
    assert_eq!(c.max_inbound(), 80);
    let c = config(7);
    assert_eq!(
        (c.max_peers(), c.min_outbound(), c.max_inbound()),
        (8, 3, 5)
    );
}

#[test]
fn above_the_target_the_useless_go_first_then_the_worst_scored() {
    let c = config(4);
    let peers = vec![
        view(1, Incoming, 900, 1000),
        view(2, Incoming, 100, 1000),
        view(3, Incoming, 1000, 10), // far behind: useless
        view(4, Outgoing, 50, 1000),
        view(5, Outgoing, 500, 1000),
        view(6, Outgoing, 300, 1000),
    ];
    let pruned = prune(&c, &peers, SYNCED);
    // Outbound reserve is 2 of 3 outbound: peer 4 (worst) may go.
    assert_eq!(
        pruned,
        vec![(3, PruneReason::Useless), (4, PruneReason::Excess)]
    );
}

#[test]
fn the_outbound_reserve_is_never_pruned() {
    let c = config(3); // reserve 1
    let peers = vec![
        view(1, Outgoing, 10, 1000),
        view(2, Incoming, 900, 1000),
        view(3, Incoming, 800, 1000),
        view(4, Incoming, 700, 1000),
    ];
    let pruned = prune(&c, &peers, SYNCED);
    assert_eq!(pruned, vec![(4, PruneReason::Excess)]);
}

#[test]
fn inbound_above_its_share_goes_even_below_the_target() {
    let c = config(10); // max inbound 11 - 3 = 8
    let mut peers: Vec<_> = (0..9)
        .map(|i| view(i, Incoming, 300 + i64::from(i), 1000))
        .collect();
    peers.push(view(100, Outgoing, 300, 1000));
    assert_eq!(
        prune(&c, &peers, SYNCED),
        vec![(0, PruneReason::TooManyInbound)]
    );
}

#[test]
fn a_peer_behind_us_helps_backfill_if_it_serves_below_the_mark() {
    let c = config(1);
    let needs = Needs {
        head_slot: 1000,
        backfill_mark: Some(500),
    };
    let mut old = view(1, Incoming, 300, 100);
    assert!(is_useful(&old, needs, &c), "serves everything it has");
    old.earliest_available_slot = Some(600);
    assert!(
        !is_useful(&old, needs, &c),
        "pruned its history above the mark"
    );
    let mut no_custody = view(2, Incoming, 300, 1000);
    no_custody.has_needed_custody = false;
    assert!(!is_useful(&no_custody, needs, &c));
}

#[test]
fn dials_fill_the_target_and_the_outbound_reserve_but_never_pass_the_maximum() {
    let c = config(10);
    assert_eq!(dials_wanted::<u32>(&c, &[]), 10);
    let inbound: Vec<_> = (0..8).map(|i| view(i, Incoming, 300, 1000)).collect();
    assert_eq!(
        dials_wanted(&c, &inbound),
        3,
        "the reserve of 3, not only 2 to target"
    );
    let full: Vec<_> = (0..11).map(|i| view(i, Incoming, 300, 1000)).collect();
    assert_eq!(dials_wanted(&c, &full), 0);
}

#[test]
fn new_connections_are_refused_at_the_maximum_and_above_the_inbound_share() {
    let c = config(10);
    let eight_in: Vec<_> = (0..8).map(|i| view(i, Incoming, 300, 1000)).collect();
    assert_eq!(
        admit(&c, &eight_in, Incoming),
        Err(PruneReason::TooManyInbound)
    );
    assert_eq!(admit(&c, &eight_in, Outgoing), Ok(()));
    let full: Vec<_> = (0..11).map(|i| view(i, Outgoing, 300, 1000)).collect();
    assert_eq!(admit(&c, &full, Outgoing), Err(PruneReason::Full));
}

#[test]
fn scores_fade_towards_the_new_peer_score_with_the_half_life() {
    let half = Duration::from_secs(600);
    assert_eq!(
        decay(900, half, half),
        -300,
        "600 above halves to 300 above"
    );
    assert_eq!(decay(100, half, half), 100, "200 below halves to 100 below");
    assert_eq!(
        decay(-5, half, half),
        0,
        "a peer below zero is on its way out"
    );
    let mut score = 1000;
    for _ in 0..200 {
        score += decay(score, Duration::from_secs(30), half);
    }
    assert_eq!(score, NEW_PEER_SCORE, "reaches it, and stays");
}

#[test]
fn bans_survive_a_reopen_and_an_address_with_many_banned_peers_is_banned() {
    let dir = tempfile::tempdir().expect("temp dir");
    let c = PeerManagerConfig {
        ip_ban_threshold: 3,
        ..config(10)
    };
    let ip: std::net::IpAddr = "10.0.0.7".parse().expect("ip");
    let mut bans = BanList::open(dir.path(), &c, 1_000).expect("opens");
    assert!(!bans.ban("a", Some(ip), 1_000).expect("saves"));
    assert!(!bans.ban("b", Some(ip), 1_000).expect("saves"));
    assert!(
        bans.ban("c", Some(ip), 1_000).expect("saves"),
        "the third bans the address"
    );
    assert!(bans.is_ip_banned(ip, 1_001));

    let reopened = BanList::open(dir.path(), &c, 1_100).expect("reopens");
    assert!(reopened.is_banned("a", 1_100));
    assert!(reopened.is_ip_banned(ip, 1_100));
    assert_eq!(reopened.len(1_100), 3);
    let end = 1_000 + c.ban_duration.as_secs();
    assert!(!reopened.is_banned("a", end), "a ban ends");
    let later = BanList::open(dir.path(), &c, end).expect("reopens");
    assert!(later.is_empty(end), "ended bans are dropped on open");
}

#[test]
fn a_corrupt_ban_file_is_a_one_line_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join(bans::BANS_FILE), b"{not json").expect("writes");
    let error = BanList::open(dir.path(), &config(10), 0).expect_err("refused");
    let text = error.to_string();
    assert!(
        text.contains("peer-bans.json") && !text.contains('\n'),
        "{text}"
    );
}
