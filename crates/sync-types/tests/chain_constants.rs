//! [`ChainSpec::mainnet`] checked against the shared vector file
//! `shared/vectors/chain_constants.json` (the mainnet fork list and the Fulu
//! blob-parameter-only forks).
//!
//! The `shared` folder sits next to the repository root, locally and in CI. If the file is
//! missing the tests fail: a missing vector file must never pass as "nothing to check".

use serde_json::Value;
use sync_types::{BlobLimit, ChainSpec, Epoch, Slot};

/// Where the vector file is, from this crate's manifest directory.
const VECTORS_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/vectors/chain_constants.json"
);

/// A fork of the mainnet fork list.
#[derive(Debug)]
struct Fork {
    name: String,
    epoch: Epoch,
    first_slot: Slot,
}

/// A Fulu blob-parameter-only fork.
#[derive(Debug)]
struct BpoFork {
    epoch: Epoch,
    first_slot: Slot,
    max_blobs_per_block: u64,
}

/// The `mainnet` object of the vector file.
///
/// # Panics
///
/// If the file is missing or is not the expected JSON, with a message saying which.
#[track_caller]
fn mainnet_vectors() -> Value {
    let text = std::fs::read_to_string(VECTORS_PATH).unwrap_or_else(|err| {
        panic!(
            "cannot read the chain-constant vectors at {VECTORS_PATH}: {err}. \
             The `shared` folder must sit next to the repository root."
        )
    });
    let mut all: Value = serde_json::from_str(&text)
        .unwrap_or_else(|err| panic!("{VECTORS_PATH} is not valid JSON: {err}"));
    let mainnet = all["mainnet"].take();
    assert!(
        mainnet.is_object(),
        "{VECTORS_PATH} has no `mainnet` object"
    );
    mainnet
}

/// The `u64` at `key` of `object`.
#[track_caller]
fn u64_field(object: &Value, key: &str) -> u64 {
    object[key]
        .as_u64()
        .unwrap_or_else(|| panic!("`{key}` is not an unsigned integer in {object}"))
}

/// The mainnet fork list.
#[track_caller]
fn forks(mainnet: &Value) -> Vec<Fork> {
    let list = mainnet["forks"]
        .as_array()
        .expect("`mainnet.forks` is a list");
    list.iter()
        .map(|f| Fork {
            name: f["fork"].as_str().expect("each fork has a name").to_owned(),
            epoch: Epoch(u64_field(f, "epoch")),
            first_slot: Slot(u64_field(f, "first_slot")),
        })
        .collect()
}

/// The mainnet fork called `name`.
#[track_caller]
fn fork(mainnet: &Value, name: &str) -> Fork {
    forks(mainnet)
        .into_iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no fork `{name}` in the mainnet fork list"))
}

/// The Fulu blob-parameter-only forks, by epoch.
#[track_caller]
fn bpo_forks(mainnet: &Value) -> Vec<BpoFork> {
    let list = mainnet["fulu_bpo_forks"]
        .as_array()
        .expect("`mainnet.fulu_bpo_forks` is a list");
    let mut bpo: Vec<BpoFork> = list
        .iter()
        .map(|f| BpoFork {
            epoch: Epoch(u64_field(f, "epoch")),
            first_slot: Slot(u64_field(f, "first_slot")),
            max_blobs_per_block: u64_field(f, "max_blobs_per_block"),
        })
        .collect();
    bpo.sort_by_key(|f| f.epoch);
    bpo
}

/// The epoch before `epoch` (which must not be genesis).
#[track_caller]
fn epoch_before(epoch: Epoch) -> Epoch {
    Epoch(epoch.as_u64().checked_sub(1).expect("a fork after genesis"))
}

#[test]
fn the_vector_file_lists_the_mainnet_forks_and_the_bpo_forks() {
    let mainnet = mainnet_vectors();
    let names: Vec<String> = forks(&mainnet).into_iter().map(|f| f.name).collect();
    for name in ["phase0", "deneb", "electra", "fulu"] {
        assert!(
            names.iter().any(|n| n == name),
            "fork `{name}` missing from {names:?}"
        );
    }
    let limits: Vec<u64> = bpo_forks(&mainnet)
        .iter()
        .map(|f| f.max_blobs_per_block)
        .collect();
    assert_eq!(limits, [15, 21], "the BPO blob limits in the vector file");
}

#[test]
fn deneb_fork_epoch_is_the_vectors_deneb_epoch() {
    let deneb = fork(&mainnet_vectors(), "deneb");
    assert_eq!(ChainSpec::mainnet().deneb_fork_epoch, deneb.epoch);
}

#[test]
fn every_fork_starts_at_the_first_slot_of_the_vectors() {
    let spec = ChainSpec::mainnet();
    let mainnet = mainnet_vectors();
    let starts = forks(&mainnet)
        .into_iter()
        .map(|f| (f.name, f.epoch, f.first_slot))
        .chain(
            bpo_forks(&mainnet)
                .into_iter()
                .map(|f| ("bpo".to_owned(), f.epoch, f.first_slot)),
        );
    for (name, epoch, first_slot) in starts {
        assert_eq!(
            spec.start_slot(epoch),
            first_slot,
            "first slot of {name} at epoch {epoch}"
        );
        assert_eq!(
            spec.epoch_of(first_slot),
            epoch,
            "epoch of the first slot of {name}"
        );
        if let Some(before) = first_slot.checked_sub(1) {
            assert_eq!(
                spec.epoch_of(before),
                Epoch(epoch.as_u64() - 1),
                "slot before {name}"
            );
        }
    }
}

#[test]
fn the_blob_limit_is_6_from_deneb_and_0_the_epoch_before() {
    let spec = ChainSpec::mainnet();
    let deneb = fork(&mainnet_vectors(), "deneb").epoch;
    assert_eq!(spec.max_blobs_per_block_at(deneb), 6);
    assert_eq!(spec.max_blobs_per_block_at(epoch_before(deneb)), 0);
    assert_eq!(spec.max_blobs_per_block_at(Epoch(0)), 0);
}

#[test]
fn the_blob_limit_is_9_from_electra_and_6_the_epoch_before() {
    let spec = ChainSpec::mainnet();
    let electra = fork(&mainnet_vectors(), "electra").epoch;
    assert_eq!(spec.max_blobs_per_block_at(electra), 9);
    assert_eq!(spec.max_blobs_per_block_at(epoch_before(electra)), 6);
}

#[test]
fn fulu_keeps_the_electra_blob_limit_until_the_first_bpo_fork() {
    // The vector file's Fulu digest note: at the Fulu epoch the blob parameters are
    // Electra's (364032, 9).
    let spec = ChainSpec::mainnet();
    let mainnet = mainnet_vectors();
    let fulu = fork(&mainnet, "fulu").epoch;
    let first_bpo = bpo_forks(&mainnet)
        .first()
        .map(|f| f.epoch)
        .expect("a BPO fork");
    assert!(fulu < first_bpo);
    assert_eq!(spec.max_blobs_per_block_at(fulu), 9);
    assert_eq!(spec.max_blobs_per_block_at(epoch_before(first_bpo)), 9);
}

#[test]
fn each_bpo_fork_raises_the_blob_limit_at_its_epoch_and_not_before() {
    let spec = ChainSpec::mainnet();
    let mut previous_limit = 9; // Electra's
    for bpo in bpo_forks(&mainnet_vectors()) {
        assert_eq!(
            spec.max_blobs_per_block_at(bpo.epoch),
            bpo.max_blobs_per_block,
            "limit at the BPO fork at epoch {}",
            bpo.epoch
        );
        assert_eq!(
            spec.max_blobs_per_block_at(epoch_before(bpo.epoch)),
            previous_limit,
            "limit the epoch before the BPO fork at epoch {}",
            bpo.epoch
        );
        previous_limit = bpo.max_blobs_per_block;
    }
    assert_eq!(previous_limit, 21);
    assert_eq!(spec.max_blobs_per_block_at(Epoch(u64::MAX)), 21);
}

#[test]
fn the_blob_schedule_has_exactly_the_forks_that_change_the_limit() {
    let mainnet = mainnet_vectors();
    let mut expected = vec![
        BlobLimit {
            epoch: fork(&mainnet, "deneb").epoch,
            max_blobs_per_block: 6,
        },
        BlobLimit {
            epoch: fork(&mainnet, "electra").epoch,
            max_blobs_per_block: 9,
        },
    ];
    expected.extend(bpo_forks(&mainnet).iter().map(|f| BlobLimit {
        epoch: f.epoch,
        max_blobs_per_block: f.max_blobs_per_block,
    }));
    assert_eq!(ChainSpec::mainnet().blob_limits, expected);
}

#[test]
fn the_request_limit_drops_to_the_deneb_limit_at_the_deneb_epoch() {
    let spec = ChainSpec::mainnet();
    let deneb = fork(&mainnet_vectors(), "deneb").epoch;
    assert_eq!(spec.max_request_blocks_at(epoch_before(deneb)), 1024);
    assert_eq!(spec.max_request_blocks_at(deneb), 128);
}
