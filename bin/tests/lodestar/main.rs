//! Interop of the whole node with a client we did not write (issue 11): the `beacon-sync`
//! binary against Lodestar 1.5.1 on 127.0.0.1, as a user runs it.
//!
//! One Lodestar produces a 2 s-slot dev chain; a second one, with no validators and no
//! peer of its own, starts from the same genesis state. Our node, started only with the
//! producer's REST URL (`sync --beacon-api`), syncs from genesis, follows the head within
//! 2 slots, and is dialled into the second Lodestar, which range-syncs from us. Then:
//! SIGKILL and restart (it resumes above its stored head), a node started from the
//! producer's finalized checkpoint that backfills to genesis, every stored root compared
//! with the producer's `/eth/v1/beacon/headers/{slot}`, both Lodestars' logs free of
//! errors about us and of rate limiting, and finally the producer restarted with a new
//! genesis: our node stops in one line and will not reopen its data on the new chain.
//!
//! The first run installs Lodestar from the npm registry into the target directory
//! (about 2 minutes); the test takes about 5 minutes of chain time after that. It never
//! skips itself: without Node.js it fails, after `scripts/ensure-node.sh` tried to
//! install it.

mod ours;
#[path = "../support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use lodestar_harness::{Events, Follower, Producer, block_root, get_json, slots, wait_until};
use ours::{Ours, metric_samples};
use support::field as log_field;

#[test]
fn beacon_sync_syncs_from_follows_backfills_from_and_serves_lodestar() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let producer = Producer::start(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")));
    // The clock every wait below goes by: the producer's heads (one per 2 s slot).
    let ticks = producer.events();
    let events = &ticks;
    let follower = Follower::start(
        &producer.node_modules(),
        &producer.genesis_state(),
        &dir.path().join("follower"),
        events,
    );
    wait_until("64 slots of chain", slots(64), events, || {
        (producer.head_slot() >= 64).then_some(())
    });

    // Forward sync from genesis with the producer as the only source; the follower is
    // dialled too, and learns the chain from us.
    let data = dir.path().join("forward");
    let peers = [producer.p2p_address(), follower.p2p_address()];
    let peer_args = ["--peer", &peers[0], "--peer", &peers[1]];
    let target = producer.head_slot();
    let started = Instant::now();
    let mut ours = Ours::sync(
        &producer.url(),
        &data,
        &dir.path().join("1.log"),
        &peer_args,
    );
    wait_until(
        "our node at the producer's head",
        Duration::from_secs(120),
        events,
        || ours.head_slot().filter(|&head| head >= target),
    );
    let took = started.elapsed();
    eprintln!(
        "forward: {target} slots in at most {took:.1?} from the process start (seen at the next head event; {:.0} slots/s or more)",
        target as f64 / took.as_secs_f64()
    );
    follows_the_head_within_two_slots(&ours, events);

    let our_id = ours.peer_id(events);
    let served = wait_until("the follower synced from us", slots(40), events, || {
        let head = follower.head_slot();
        (head >= target).then_some(head)
    });
    assert_eq!(
        follower.connected_peers(),
        std::slice::from_ref(&our_id),
        "we are the follower's only peer"
    );
    same_roots("the follower", &follower.url(), &producer.url(), 0..=served);
    eprintln!("reverse: the follower range-synced slots 1..={served} from us");

    // SIGKILL while following, restart on the same data directory.
    let seen = ours.head_slot().expect("our head");
    ours.kill();
    let mut ours = Ours::sync(
        &producer.url(),
        &data,
        &dir.path().join("2.log"),
        &peer_args,
    );
    let line = |needle: &str, key: &str| {
        ours.log()
            .lines()
            .find(|l| l.contains(needle))
            .and_then(|l| log_field(l, key))
    };
    let (committed, start) = wait_until("the resumed sync", slots(10), events, || {
        line("resuming from the stored anchors", "head")
            .zip(line("sync started direction=forward", "start"))
    });
    assert!(committed >= seen, "a head the API showed was committed");
    assert_eq!(start, committed + 1, "resumed just above the stored head");
    no_block_fetched_twice_and_no_failure(&ours, events);

    // A second node from the producer's finalized checkpoint, backfilled to genesis.
    wait_until("a finalized epoch", slots(110), events, || {
        (producer.finalized_epoch() >= 1).then_some(())
    });
    let checkpoint = Ours::sync(
        &producer.url(),
        &dir.path().join("checkpoint"),
        &dir.path().join("checkpoint.log"),
        &["--checkpoint", "finalized"],
    );
    let status = wait_until(
        "backfill to genesis",
        Duration::from_secs(120),
        events,
        || {
            checkpoint
                .status()
                .filter(|s| s["anchors"]["backfill_complete"] == true)
        },
    );
    let trusted = status["anchors"]["trusted"]["slot"].as_u64().expect("slot");
    assert!(trusted > 0, "started from a checkpoint above genesis");
    let head = wait_until("the checkpoint node at the head", slots(10), events, || {
        checkpoint
            .head_slot()
            .filter(|&h| h + 2 >= producer.head_slot())
    });
    same_roots(
        "the checkpoint node",
        &checkpoint.url(),
        &producer.url(),
        0..=head,
    );
    eprintln!("checkpoint: finalized slot {trusted}, backfilled to 0, forward to {head}");
    drop(checkpoint);

    let head = ours.head_slot().expect("our head");
    same_roots("our node", &ours.url(), &producer.url(), 0..=head);
    assert_eq!(
        ours.metric(r#"beacon_sync_net_requests_total{direction="inbound",protocol="goodbye""#),
        0,
        "no Goodbye from either Lodestar"
    );
    lodestar_saw_nothing_wrong("the producer", &producer.url(), &producer.log(), &our_id);
    lodestar_saw_nothing_wrong("the follower", &follower.url(), &follower.log(), &our_id);

    // The producer comes back with a new genesis (same validators, new time). What the
    // old chain held at its end, to compare with our store once our node has stopped.
    let last_slot = producer.head_slot();
    let roots: Vec<(u64, Option<String>)> = (last_slot.saturating_sub(8)..=last_slot + 1)
        .map(|slot| (slot, block_root(&producer.url(), slot)))
        .collect();
    drop(ticks);
    producer.restart_with_new_genesis();
    let events = &producer.events();
    let exit = ours.wait_exit(Duration::from_secs(60), events);
    assert!(!exit.success(), "our node stops: {exit}");
    let last = last_line(&ours.log());
    assert!(last.contains("changed its genesis"), "{last}");
    eprintln!("new genesis, running node: {last}");
    // It stopped cleanly: `inspect` reads the store, and its head is the old chain's.
    let (slot, root) = inspect_head(&data);
    assert!(
        slot + 2 >= last_slot,
        "our head {slot} was within 2 of {last_slot}"
    );
    assert!(
        roots.contains(&(slot, Some(root.clone()))),
        "inspect's head {root} at {slot} is the producer's: {roots:?}"
    );
    let mut again = Ours::sync(&producer.url(), &data, &dir.path().join("3.log"), &[]);
    let exit = again.wait_exit(Duration::from_secs(60), events);
    let last = last_line(&again.log());
    assert!(
        !exit.success() && last.contains("genesis time"),
        "the old data directory is refused on the new chain: {last}"
    );
    eprintln!("new genesis, restarted node: {last}");
}

/// Samples `/eth/v1/node/syncing` at 40 events of the producer, each as it makes a new
/// head: the moment our node is furthest behind.
fn follows_the_head_within_two_slots(ours: &Ours, events: &Events) {
    let mut distances = Vec::new();
    let mut heads = 0;
    while heads < 40 {
        let event = events
            .next(Duration::from_secs(30))
            .expect("a new head within 30 s");
        if event == "head" {
            heads += 1;
            distances.extend(ours.sync_distance());
        }
    }
    let within = distances.iter().filter(|&&d| d <= 2).count();
    eprintln!("sync distance samples: {distances:?}");
    assert!(distances.len() >= 30, "the API answered: {distances:?}");
    // A debug build on a loaded 2-core machine may miss a beat; by hand (release) it is
    // never over 2.
    assert!(
        within * 10 >= distances.len() * 9 && distances.iter().all(|&d| d <= 3),
        "the head is followed within 2 slots: {distances:?}"
    );
}

fn no_block_fetched_twice_and_no_failure(ours: &Ours, events: &Events) {
    wait_until("the new head synced", slots(10), events, || {
        ours.head_slot().filter(|_| {
            ours.metric(r#"beacon_sync_range_blocks_verified_total{direction="forward""#) > 0
        })
    });
    // A range in flight is received before it is verified: equal once it lands.
    wait_until(
        "every received block verified",
        Duration::from_secs(20),
        events,
        || {
            let received =
                ours.metric(r#"beacon_sync_range_blocks_received_total{direction="forward""#);
            let verified =
                ours.metric(r#"beacon_sync_range_blocks_verified_total{direction="forward""#);
            (received == verified).then_some(())
        },
    );
    let metrics = ours.metrics();
    let failed: Vec<_> = metric_samples(
        &metrics,
        r#"beacon_sync_net_requests_total{direction="outbound""#,
    )
    .filter(|(name, n)| *n > 0 && !name.contains(r#"result="success""#))
    .collect();
    assert!(failed.is_empty(), "requests to Lodestar failed: {failed:?}");
}

/// Every slot in `slots` has the same root (or is empty) on both nodes.
fn same_roots(who: &str, ours: &str, lodestar: &str, slots: std::ops::RangeInclusive<u64>) {
    let mut blocks = 0;
    for slot in slots {
        let root = block_root(ours, slot);
        assert_eq!(root, block_root(lodestar, slot), "{who}, slot {slot}");
        blocks += usize::from(root.is_some());
    }
    assert!(blocks > 1, "{who} holds blocks");
}

/// No request error about our peer id, no rate limiting of anyone, and no penalty in
/// Lodestar's own score of us.
fn lodestar_saw_nothing_wrong(who: &str, url: &str, log: &str, peer_id: &str) {
    let scores = get_json(&format!("{url}/eth/v1/lodestar/lodestar-peer-score-stats"))
        .unwrap_or_else(|| panic!("{who}'s peer scores"));
    let ours = scores["data"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["peerId"] == peer_id);
    // A peer Lodestar never scored has no entry: a score of 0.
    let score = ours
        .and_then(|s| s["lodestarScore"].as_f64())
        .unwrap_or(0.0);
    eprintln!("{who}: its score of us {score} ({ours:?})");
    assert!(score >= 0.0, "{who} penalised us: {ours:?}");
    // Lodestar prints peer ids as the first 2 and last 6 characters.
    let short = format!("{}...{}", &peer_id[..2], &peer_id[peer_id.len() - 6..]);
    let mentions: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(&short) || l.contains(peer_id))
        .collect();
    let warnings = mentions.iter().filter(|l| l.contains("warn")).count();
    eprintln!(
        "{who}: {} log lines about us, {warnings} warnings",
        mentions.len()
    );
    let about_us: Vec<&&str> = mentions
        .iter()
        .filter(|l| l.contains("error") || l.to_lowercase().contains("goodbye"))
        .collect();
    assert!(about_us.is_empty(), "{who} logged about us: {about_us:#?}");
    let limited = log
        .lines()
        .filter(|l| l.to_lowercase().contains("rate_limited") || l.contains("rate limit"))
        .count();
    assert_eq!(limited, 0, "{who} rate-limited a peer");
}

/// The stored head of a data directory no node holds, as `beacon-sync inspect` prints it.
fn inspect_head(data: &std::path::Path) -> (u64, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_beacon-sync"))
        .args(["inspect", "--json", "--datadir"])
        .arg(data)
        .output()
        .expect("inspect runs");
    assert!(output.status.success(), "inspect: {output:?}");
    let found: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let head = &found["head"];
    (
        head["slot"].as_u64().expect("a head slot"),
        head["root"].as_str().expect("a head root").to_owned(),
    )
}

fn last_line(log: &str) -> String {
    log.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .to_owned()
}
