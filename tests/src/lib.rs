//! Helpers of the end-to-end tests: a small generated chain served by local peers, and
//! the comparison of a synced store with the source chain.
//!
//! Every test here runs whole nodes over TCP on 127.0.0.1 with the real clock: a wait
//! is for an event (a head, a finished backfill), bounded by [`GUARD`] only against a
//! hang.

use std::path::Path;
use std::time::Duration;

use node::devnet::{self, DevnetOptions, Lie, ServingPeers, SourceChain};
use store::Store;

/// The longest any wait may take before a test fails (a guard against hangs only).
pub const GUARD: Duration = Duration::from_secs(240);

/// A small devnet: 256 slots, 16 validators, up to 2 blobs per block.
pub fn small_chain(dir: &Path) -> DevnetOptions {
    DevnetOptions {
        data_dir: dir.to_path_buf(),
        slots: 256,
        validators: 16,
        max_blobs: 2,
        ..DevnetOptions::default()
    }
}

/// Generates the chain of `options` (in its data directory).
///
/// # Panics
/// If it cannot be built.
pub fn source(options: &DevnetOptions) -> SourceChain {
    devnet::prepare(options).expect("the devnet chain builds")
}

/// `count` serving peers of `source`, the first `adversaries` of them lying about blobs.
///
/// # Panics
/// If a peer cannot listen.
pub async fn serve(source: &SourceChain, count: usize, adversaries: usize) -> ServingPeers {
    devnet::serve_source(source, count, adversaries, Lie::Blobs)
        .await
        .expect("serving peers start")
}

/// Asserts that `synced` holds exactly the source chain from `from_slot` up: the same
/// block at every slot and the same blob sidecars (bytes) for every block.
///
/// # Panics
/// On the first difference.
#[track_caller]
pub fn assert_same_chain(synced: &Store, source: &Store, from_slot: u64) {
    let head = source
        .anchors()
        .expect("reads")
        .expect("anchored")
        .head
        .slot;
    let mut blocks = 0;
    let mut sidecars = 0;
    for slot in from_slot..=head {
        let ours = synced.block_root_at(slot).expect("reads");
        let theirs = source.block_root_at(slot).expect("reads");
        assert_eq!(ours, theirs, "block at slot {slot}");
        if let Some(root) = theirs {
            blocks += 1;
            let a: Vec<_> = synced
                .sidecars(root)
                .expect("reads")
                .iter()
                .map(consensus::Sidecar::as_ssz_bytes)
                .collect();
            let b: Vec<_> = source
                .sidecars(root)
                .expect("reads")
                .iter()
                .map(consensus::Sidecar::as_ssz_bytes)
                .collect();
            assert!(
                a == b,
                "sidecars of the block at slot {slot} differ ({} vs {})",
                a.len(),
                b.len()
            );
            sidecars += b.len();
        }
    }
    assert!(blocks > 0, "compared no block");
    let _ = sidecars;
}
