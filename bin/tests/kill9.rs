//! The syncing node is killed with SIGKILL halfway through forward sync (or backfill);
//! restarted on the same data directory it resumes from its stored head (or backfill
//! mark), never asking again for what it had committed, and finishes with exactly the
//! source chain. The kill points do not depend on the machine's speed: a test that waited
//! for a progress line in the middle of a sync hung CI once, when a fast backfill ended
//! between two lines.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use node::devnet::{self, DevnetOptions, Lie};
use support::{Running, field};

/// The longest any one step may take before the test fails with the node's log.
const GUARD: Duration = Duration::from_secs(300);

fn sync(net_dir: &Path, data_dir: &Path, peers: &[String], exit_when_synced: bool) -> Running {
    sync_with(
        net_dir,
        data_dir,
        peers,
        exit_when_synced,
        &["--backfill-to", "genesis"],
    )
}

fn sync_with(
    net_dir: &Path,
    data_dir: &Path,
    peers: &[String],
    exit_when_synced: bool,
    extra: &[&str],
) -> Running {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_beacon-sync"));
    cmd.args(["sync", "--testnet-dir"])
        .arg(net_dir)
        .arg("--datadir")
        .arg(data_dir)
        .args(["--listen-address", "127.0.0.1", "--port", "0"])
        // The queue's debug lines say when each range was verified.
        .env("RUST_LOG", "info,sync::queue=debug")
        .env("NO_COLOR", "1");
    for p in peers {
        cmd.args(["--peer", p]);
    }
    cmd.args(extra);
    if exit_when_synced {
        cmd.arg("--exit-when-synced");
    }
    Running::spawn(cmd)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_halfway_resumes_from_its_stored_head_and_finishes_the_same_chain() {
    let dir = tempfile::tempdir().expect("temp dir");
    let options = DevnetOptions {
        data_dir: dir.path().join("net"),
        slots: 2048,
        validators: 16,
        max_blobs: 1,
        ..DevnetOptions::default()
    };
    let source = devnet::prepare(&options).expect("the chain builds");
    let servers = devnet::serve_source(&source, 2, 0, Lie::Blobs)
        .await
        .expect("serving");
    let peers: Vec<String> = servers.addrs().iter().map(ToString::to_string).collect();
    let data = dir.path().join("node");
    let head = source.anchors.head.slot;

    // First run: SIGKILL (Child::kill sends it) once ten ranges were verified. The
    // sink holds at most one segment besides the one it is writing, so several are
    // committed by then, and the chain has 64 ranges: the kill falls inside the sync
    // whatever the machine's speed.
    let mut first = sync(&source.dir, &data, &peers, false);
    tokio::task::block_in_place(|| {
        let mut processed = 0;
        first.wait_for(GUARD, "ten verified ranges", |l| {
            processed += usize::from(l.contains("result processed"));
            processed == 10
        });
        first.kill();
    });

    // The store holds what was committed before the kill (recovered on open).
    let committed = {
        let store = store::Store::open(data.join(node::STORE_FILE), &source.config)
            .expect("reopens after SIGKILL");
        store.anchors().expect("reads").expect("anchored").head.slot
    };
    assert!(
        committed > 0 && committed < head,
        "killed inside the sync with progress committed ({committed} of {head})"
    );

    // Second run: it starts where the store ends and finishes.
    let mut second = sync(&source.dir, &data, &peers, true);
    let (start_line, status) = tokio::task::block_in_place(|| {
        let line = second.wait_for_line("sync started direction=forward", GUARD);
        (line, second.wait_exit(GUARD))
    });
    let start = field(&start_line, "start").expect("a start slot");
    assert_eq!(
        start,
        committed + 1,
        "forward sync resumes just above the stored head: {start_line}"
    );
    if !status.success() {
        second.fail("the second run did not end in sync");
    }

    // Read-only: a store the exiting node left unclosed would be refused here.
    let store = store::Store::open_read_only(data.join(node::STORE_FILE))
        .expect("the exited node closed its store cleanly");
    assert_eq!(
        store.anchors().expect("reads").expect("anchored").head,
        source.anchors.head
    );
    for slot in 0..=head {
        assert_eq!(
            store.block_root_at(slot).expect("reads"),
            source.store.block_root_at(slot).expect("reads"),
            "slot {slot}"
        );
    }
    servers.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_halfway_through_backfill_resumes_from_its_backfill_mark() {
    let dir = tempfile::tempdir().expect("temp dir");
    let options = DevnetOptions {
        data_dir: dir.path().join("net"),
        slots: 2048,
        validators: 16,
        max_blobs: 1,
        ..DevnetOptions::default()
    };
    let source = devnet::prepare(&options).expect("the chain builds");
    let servers = devnet::serve_source(&source, 2, 0, Lie::Blobs)
        .await
        .expect("serving");
    let peers: Vec<String> = servers.addrs().iter().map(ToString::to_string).collect();
    let data = dir.path().join("node");
    let head = source.anchors.head.slot;

    // A checkpoint block 64 slots below the head, as a file.
    let target = (head - 64) / 32 * 32;
    let id = source
        .store
        .block_at_or_before(target)
        .expect("reads")
        .expect("a block");
    let checkpoint = dir.path().join("checkpoint.ssz");
    let block = source.store.block(id.root).expect("reads").expect("stored");
    std::fs::write(&checkpoint, block.signed().as_ssz_bytes()).expect("writes");
    let checkpoint = checkpoint.to_str().expect("utf-8").to_owned();
    // The first run backfills only to slot 1024, so a mark between the anchor and
    // genesis is reached whatever the machine's speed: it is killed at the first
    // progress line that shows one (while segments are still coming, or once there).
    let first_run = [
        "--checkpoint-block",
        checkpoint.as_str(),
        "--backfill-to",
        "1024",
    ];
    let second_run = [
        "--checkpoint-block",
        checkpoint.as_str(),
        "--backfill-to",
        "genesis",
    ];

    let mut first = sync_with(&source.dir, &data, &peers, false, &first_run);
    let anchor = id.slot;
    let seen_backfill = tokio::task::block_in_place(|| {
        let line = first.wait_for(GUARD, "a progress line inside backfill", |l| {
            l.contains("node::progress")
                && field(l, "backfill").is_some_and(|b| b < anchor && b > 0)
        });
        first.kill();
        field(&line, "backfill").expect("matched")
    });

    let mark = {
        let store = store::Store::open(data.join(node::STORE_FILE), &source.config)
            .expect("reopens after SIGKILL");
        store
            .anchors()
            .expect("reads")
            .expect("anchored")
            .backfill
            .slot
    };
    assert!(
        mark <= seen_backfill,
        "a reported backfill mark is committed"
    );
    assert!(mark > 0, "killed before backfill ended");

    let mut second = sync_with(&source.dir, &data, &peers, true, &second_run);
    let (start_line, status) = tokio::task::block_in_place(|| {
        let line = second.wait_for_line("sync started direction=backward", GUARD);
        (line, second.wait_exit(GUARD))
    });
    let start = field(&start_line, "start").expect("a start slot");
    assert_eq!(
        start + 1,
        mark,
        "backfill resumes just below its stored mark: {start_line}"
    );
    if !status.success() {
        second.fail("the second run did not end in sync and backfilled");
    }

    let store = store::Store::open(data.join(node::STORE_FILE), &source.config).expect("opens");
    let anchors = store.anchors().expect("reads").expect("anchored");
    assert_eq!(anchors.head, source.anchors.head);
    assert_eq!(anchors.backfill.slot, 0);
    for slot in 0..=head {
        assert_eq!(
            store.block_root_at(slot).expect("reads"),
            source.store.block_root_at(slot).expect("reads"),
            "slot {slot}"
        );
    }
    servers.shutdown().await;
}
