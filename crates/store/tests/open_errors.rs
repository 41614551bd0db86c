//! Opening refuses, with a typed one-line error, every database it must not use: one of
//! another schema version or network, one already open, and files that are not a
//! database or are damaged. None of them panics.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failure is a test failure"
)]

mod support;

use consensus::primitives::Hash256;
use store::schema::{BLOB_SIDECAR_CHUNKS, BLOCK_CHUNKS, SCHEMA_VERSION};
use store::{Store, StoreError};
use support::{Chain, noise, one_line, populated, set_schema_version};

#[test]
fn a_database_of_another_schema_version_is_refused() {
    let chain = Chain::electra();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chain.redb");
    populated(&path, &chain, 4);
    set_schema_version(&path, 7);

    let error = Store::open(&path, &chain.config).unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::SchemaMismatch {
                found: 7,
                expected: SCHEMA_VERSION,
                ..
            }
        ),
        "{error}"
    );
    assert!(!error.is_retryable());
    let text = one_line(&error);
    assert!(
        text.contains("schema version 7") && text.contains(&format!("version {SCHEMA_VERSION}")),
        "{text}"
    );
}

#[test]
fn a_database_of_another_network_is_refused_naming_both() {
    let chain = Chain::electra();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chain.redb");
    populated(&path, &chain, 4);
    let other_root = Hash256::repeat_byte(0xab);
    let other = chain.config.clone().with_genesis(1_700_000_000, other_root);
    let error = Store::open(&path, &other).unwrap_err();
    let StoreError::WrongNetwork {
        stored, expected, ..
    } = &error
    else {
        panic!("{error}")
    };
    assert_eq!(
        stored.genesis_validators_root,
        chain.config.genesis_validators_root()
    );
    assert_eq!(expected.genesis_validators_root, other_root);
    let text = one_line(&error);
    assert!(text.contains(&other_root.to_string()), "{text}");
    assert!(
        text.contains(&chain.config.genesis_validators_root().to_string()),
        "{text}"
    );
    // Same root, other name.
    let renamed = chain.config.clone().with_name("hoodi");
    let error = Store::open(&path, &renamed).unwrap_err();
    assert!(one_line(&error).contains("hoodi"), "{error}");
    // Same name and validators, another genesis time: a dev network restarted with a
    // new genesis (Lodestar's `dev` makes the same interop validators every time).
    let restarted = chain.config.clone().with_genesis(
        chain.config.genesis_time() + 600,
        chain.config.genesis_validators_root(),
    );
    let error = Store::open(&path, &restarted).unwrap_err();
    assert!(matches!(error, StoreError::WrongNetwork { .. }), "{error}");
    let text = one_line(&error);
    assert!(
        text.contains(&format!("genesis time {}", chain.config.genesis_time()))
            && text.contains(&format!(
                "genesis time {}",
                chain.config.genesis_time() + 600
            )),
        "{text}"
    );
    // The right network still opens, with its data.
    let store = Store::open(&path, &chain.config).unwrap();
    assert_eq!(store.stats().unwrap().blocks, 5);
}

#[test]
fn the_same_database_opened_twice_is_locked_until_the_first_closes() {
    let chain = Chain::electra();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chain.redb");
    let first = Store::open(&path, &chain.config).unwrap();
    let error = Store::open(&path, &chain.config).unwrap_err();
    assert!(matches!(error, StoreError::Locked { .. }), "{error}");
    assert!(error.is_retryable());
    assert!(one_line(&error).contains("chain.redb"), "{error}");
    // A clone shares the open database instead.
    let clone = first.clone();
    clone.init_anchor(&chain.genesis, &[]).unwrap();
    drop((first, clone));
    let store = Store::open(&path, &chain.config).unwrap();
    assert!(store.anchors().unwrap().is_some());
}

#[test]
fn a_file_of_random_bytes_is_not_a_database() {
    let chain = Chain::electra();
    let dir = tempfile::tempdir().unwrap();
    for (name, len) in [
        ("short.redb", 7),
        ("page.redb", 4096),
        ("big.redb", 1 << 20),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, noise(len, 0x9e37_79b9_7f4a_7c15)).unwrap();
        let error = Store::open(&path, &chain.config).unwrap_err();
        assert!(error.is_corruption(), "{name}: {error}");
        assert!(one_line(&error).contains(name), "{error}");
        assert_eq!(
            std::fs::read(&path).unwrap().len(),
            len,
            "the file is left as it was"
        );
    }
}

#[test]
fn damage_anywhere_in_the_file_is_a_typed_error_never_a_panic() {
    let chain = Chain::electra();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chain.redb");
    populated(&path, &chain, 4);
    let good = std::fs::read(&path).unwrap();
    let mut refused = 0;
    // Flip 64 bytes at 24 places spread over the file (headers, tree pages, blobs, free
    // space). With the integrity check on open (the default), a damaged page is found
    // before anything trusts it; damage to free space is harmless.
    for step in 0..24 {
        let offset = good.len() * step / 24;
        let mut damaged = good.clone();
        damaged[offset..offset + 64]
            .iter_mut()
            .for_each(|byte| *byte ^= 0x5a);
        std::fs::write(&path, &damaged).unwrap();
        match Store::open(&path, &chain.config) {
            Err(error) => {
                assert!(error.is_corruption(), "offset {offset}: {error}");
                one_line(&error);
                refused += 1;
            }
            Ok(store) => {
                assert_eq!(store.stats().unwrap().blocks, 5, "offset {offset}");
                assert_eq!(
                    store.blocks_by_range(0, 10).unwrap().len(),
                    5,
                    "offset {offset}"
                );
                assert_eq!(
                    store.blob_sidecars_by_range(0, 10).unwrap().len(),
                    6,
                    "offset {offset}"
                );
            }
        }
    }
    assert!(
        refused >= 4,
        "most of the file is live data: {refused} of 24 refused"
    );
}

#[test]
fn a_missing_chunk_is_a_corrupt_record_not_a_short_value() {
    let chain = Chain::electra();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chain.redb");
    populated(&path, &chain, 4);
    let (slot_2, slot_4) = (chain.at(2).block.root(), chain.at(4).block.root());
    let db = redb::Database::open(&path).unwrap();
    let txn = db.begin_write().unwrap();
    txn.open_table(BLOCK_CHUNKS)
        .unwrap()
        .remove((&slot_2.0, 0))
        .unwrap()
        .unwrap();
    txn.open_table(BLOB_SIDECAR_CHUNKS)
        .unwrap()
        .remove((&slot_4.0, 1, 3))
        .unwrap()
        .unwrap();
    txn.commit().unwrap();
    drop(db);

    let store = Store::open(&path, &chain.config).unwrap();
    let corrupt = |result: Result<(), StoreError>, what: &str| {
        let error = result.expect_err(what);
        assert!(
            matches!(error, StoreError::CorruptRecord { .. }),
            "{what}: {error}"
        );
        one_line(&error);
    };
    corrupt(store.block(slot_2).map(drop), "block");
    corrupt(store.block_ssz(slot_2).map(drop), "block bytes");
    corrupt(store.blocks_by_range(0, 10).map(drop), "blocks by range");
    corrupt(store.sidecar(slot_4, 1).map(drop), "sidecar");
    corrupt(store.sidecars(slot_4).map(drop), "sidecars");
    corrupt(
        store.blob_sidecars_ssz_by_range(4, 1).map(drop),
        "sidecars by range",
    );
    // What is intact still reads.
    assert_eq!(
        store.sidecar(slot_4, 0).unwrap().as_ref(),
        Some(&chain.at(4).sidecars.as_ref().unwrap()[0])
    );
    assert_eq!(
        store.block(chain.at(1).block.root()).unwrap().as_ref(),
        Some(&chain.at(1).block)
    );
}

#[test]
fn a_folder_in_place_of_the_file_is_an_io_error() {
    let chain = Chain::electra();
    let dir = tempfile::tempdir().unwrap();
    let error = Store::open(dir.path(), &chain.config).unwrap_err();
    assert!(matches!(error, StoreError::Io { .. }), "{error}");
    one_line(&error);
}
