//! Read-only opening, for an `inspect` beside a node: it reads what a node wrote without
//! knowing the network, never creates or changes a file, and refuses with a typed
//! one-line error a missing file, a database a node holds, one a killed node left
//! unrecovered, and files that are not a store.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failure is a test failure"
)]

mod support;

use store::{NetworkIdentity, Store, StoreError};
use support::{Chain, noise, one_line, populated, set_schema_version};

#[test]
fn a_reader_sees_what_the_node_wrote_and_learns_its_network() {
    let chain = Chain::electra();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chain.redb");
    populated(&path, &chain, 6);
    let written = Store::open(&path, &chain.config).unwrap();
    let expected = (
        written.summary().unwrap(),
        written.blocks_ssz_by_range(0, 100).unwrap(),
        written.blob_sidecars_ssz_by_range(0, 100).unwrap(),
    );
    drop(written);
    let before = std::fs::read(&path).unwrap();

    let reader = Store::open_read_only(&path).unwrap();
    assert!(reader.is_read_only());
    assert_eq!(reader.path(), path);
    assert_eq!(
        reader.network().unwrap(),
        Some(NetworkIdentity::of(&chain.config))
    );
    let summary = reader.summary().unwrap();
    assert_eq!(summary.anchors.unwrap().head.slot, 9);
    assert_eq!(
        (
            summary,
            reader.blocks_ssz_by_range(0, 100).unwrap(),
            reader.blob_sidecars_ssz_by_range(0, 100).unwrap(),
        ),
        expected
    );
    let head = chain.at(9).block.root();
    assert_eq!(reader.block_ssz_by_root(head).unwrap().unwrap().id.slot, 9);
    assert_eq!(reader.block_at_or_before(100).unwrap().unwrap().root, head);

    // Readers share the file; while one is open, a node cannot start on it.
    let second = Store::open_read_only(&path).unwrap();
    assert_eq!(second.anchors().unwrap(), reader.anchors().unwrap());
    let error = Store::open(&path, &chain.config).unwrap_err();
    assert!(matches!(error, StoreError::Locked { .. }), "{error}");
    drop((reader, second));
    assert_eq!(std::fs::read(&path).unwrap(), before, "not a byte changed");
    Store::open(&path, &chain.config).unwrap();
}

#[test]
fn a_read_only_open_never_creates_a_database() {
    let dir = tempfile::tempdir().unwrap();
    for path in [
        dir.path().join("chain.redb"),
        dir.path().join("no-such-folder/chain.redb"),
    ] {
        let error = Store::open_read_only(&path).unwrap_err();
        assert!(
            matches!(&error, StoreError::Missing { path: p } if *p == path),
            "{error}"
        );
        assert!(!error.is_retryable() && !error.is_corruption());
        let text = one_line(&error);
        assert!(text.contains("no database there"), "{text}");
        assert!(!path.exists(), "{} was created", path.display());
    }
    assert!(!dir.path().join("no-such-folder").exists());
}

#[test]
fn a_read_only_open_beside_a_running_node_says_to_ask_its_http_api() {
    let chain = Chain::electra();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chain.redb");
    populated(&path, &chain, 6);
    let node = Store::open(&path, &chain.config).unwrap();
    let error = Store::open_read_only(&path).unwrap_err();
    assert!(matches!(error, StoreError::InUse { .. }), "{error}");
    assert!(error.is_retryable());
    let text = one_line(&error);
    assert!(
        text.contains("in use by a running node") && text.contains("HTTP API"),
        "{text}"
    );
    drop(node);
    Store::open_read_only(&path).unwrap();
}

#[test]
fn a_read_only_open_refuses_files_that_are_not_a_store_and_changes_none() {
    let chain = Chain::electra();
    let dir = tempfile::tempdir().unwrap();

    let empty = dir.path().join("empty.redb");
    std::fs::write(&empty, b"").unwrap();
    let error = Store::open_read_only(&empty).unwrap_err();
    one_line(&error);
    assert!(error.is_corruption(), "{error}");
    assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0, "left empty");

    let random = dir.path().join("random.redb");
    let bytes = noise(70_000, 0x2545_f491_4f6c_dd1d);
    std::fs::write(&random, &bytes).unwrap();
    let error = Store::open_read_only(&random).unwrap_err();
    assert!(error.is_corruption(), "{error}");
    assert_eq!(std::fs::read(&random).unwrap(), bytes);

    // A sound redb database of someone else's: no meta table.
    let foreign = dir.path().join("foreign.redb");
    let db = redb::Database::create(&foreign).unwrap();
    let txn = db.begin_write().unwrap();
    txn.open_table(redb::TableDefinition::<u64, u64>::new("other"))
        .unwrap()
        .insert(1, 2)
        .unwrap();
    txn.commit().unwrap();
    drop(db);
    let error = Store::open_read_only(&foreign).unwrap_err();
    assert!(
        matches!(&error, StoreError::Corrupt { detail, .. } if detail.contains("meta table")),
        "{error}"
    );

    // Another schema version.
    let other = dir.path().join("other.redb");
    populated(&other, &chain, 6);
    set_schema_version(&other, 9);
    let error = Store::open_read_only(&other).unwrap_err();
    assert!(
        matches!(error, StoreError::SchemaMismatch { found: 9, .. }),
        "{error}"
    );
}

#[cfg(unix)]
#[test]
fn a_database_left_by_a_killed_node_must_be_recovered_before_it_is_read() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};

    let chain = Chain::electra();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chain.redb");
    // The crash helper stores the anchor (segment 0), announces segment 1 and waits.
    let mut writer = Command::new(env!("CARGO_BIN_EXE_store-crash-writer"))
        .arg(&path)
        .arg(support::pyspec_dir("electra"))
        .arg("electra")
        .arg(chain.config.genesis_validators_root().to_string())
        .arg(chain.config.genesis_time().to_string())
        .arg("forward")
        .arg("1")
        .arg("0")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the writer starts");
    let mut lines = BufReader::new(writer.stdout.take().unwrap()).lines();
    let mut go = writer.stdin.take().unwrap();
    let mut next = || lines.next().unwrap().unwrap();
    assert!(next().starts_with("plan "));
    assert!(next().starts_with("begin 0 "));
    writeln!(go, "go").unwrap();
    go.flush().unwrap();
    assert_eq!(next(), "done 0");
    assert!(next().starts_with("begin 1 "), "waiting before segment 1");
    // While the node process lives, its lock keeps readers out.
    let error = Store::open_read_only(&path).unwrap_err();
    assert!(matches!(error, StoreError::InUse { .. }), "{error}");
    writer.kill().unwrap();
    writer.wait().unwrap();

    let error = Store::open_read_only(&path).unwrap_err();
    assert!(matches!(error, StoreError::NeedsRecovery { .. }), "{error}");
    let text = one_line(&error);
    assert!(text.contains("start the node on it once"), "{text}");
    // A read-write open recovers it; then it reads.
    drop(Store::open(&path, &chain.config).unwrap());
    let reader = Store::open_read_only(&path).unwrap();
    assert_eq!(reader.anchors().unwrap().unwrap().head.slot, 0);
}
