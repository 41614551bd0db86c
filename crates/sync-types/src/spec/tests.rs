//! Tests of the chain constants and the blob and column windows.

use super::*;

#[test]
fn mainnet_blob_limits_follow_the_fork_schedule() {
    let s = ChainSpec::mainnet();
    assert_eq!(s.max_blobs_per_block_at(Epoch(269_567)), 0);
    assert_eq!(s.max_blobs_per_block_at(Epoch(269_568)), 6);
    assert_eq!(s.max_blobs_per_block_at(Epoch(364_032)), 9);
    assert_eq!(s.max_blobs_per_block_at(Epoch(412_672)), 15);
    assert_eq!(s.max_blobs_per_block_at(Epoch(500_000)), 21);
    assert_eq!(s.max_request_blocks_at(Epoch(0)), 1024);
    assert_eq!(s.max_request_blocks_at(Epoch(269_568)), 128);
}

#[test]
fn blob_window_is_measured_from_the_wall_epoch_and_never_before_deneb() {
    let s = ChainSpec::mainnet();
    assert_eq!(s.blob_window_start(Epoch(270_000)), Epoch(269_568));
    assert_eq!(s.blob_window_start(Epoch(300_000)), Epoch(300_000 - 4096));
}

#[test]
fn a_range_straddling_the_deneb_fork_needs_blobs() {
    let s = ChainSpec::mainnet();
    let fork = s.start_slot(s.deneb_fork_epoch);
    let wall = Epoch(269_600);
    // Starts before Deneb, ends after it: the seed looked only at the start (D.8).
    assert!(s.range_needs_blobs(fork.saturating_sub(16), fork.saturating_add(15), wall));
    assert!(!s.range_needs_blobs(fork.saturating_sub(64), fork.saturating_sub(1), wall));
}

#[test]
fn a_range_straddling_the_retention_boundary_needs_blobs() {
    let s = ChainSpec::mainnet();
    let wall = Epoch(300_000);
    let boundary = s.start_slot(s.blob_window_start(wall));
    assert!(s.range_needs_blobs(
        boundary.saturating_sub(10),
        boundary.saturating_add(5),
        wall
    ));
    assert!(!s.range_needs_blobs(
        boundary.saturating_sub(10),
        boundary.saturating_sub(1),
        wall
    ));
}

#[test]
fn the_blob_range_is_the_part_of_a_range_inside_the_window() {
    let s = ChainSpec::mainnet();
    let wall = Epoch(300_000);
    let boundary = s.start_slot(s.blob_window_start(wall));
    let straddling = SyncRange::new(boundary.saturating_sub(10), 32).expect("range");
    assert_eq!(
        s.blob_range(straddling, wall),
        SyncRange::new(boundary, 22),
        "only the newer 22 slots"
    );
    let older = SyncRange::new(boundary.saturating_sub(64), 32).expect("range");
    assert_eq!(s.blob_range(older, wall), None);
    let inside = SyncRange::new(boundary.saturating_add(64), 32).expect("range");
    assert_eq!(s.blob_range(inside, wall), Some(inside));
}

#[test]
fn the_blob_range_never_reaches_before_the_deneb_fork() {
    let s = ChainSpec::minimal().with_deneb_at(Epoch(10), Epoch(12));
    let wall = Epoch(20); // wall - MIN_EPOCHS saturates to 0: Deneb bounds the window
    let fork = s.start_slot(Epoch(10));
    let straddling = SyncRange::new(fork.saturating_sub(5), 16).expect("range");
    assert_eq!(s.blob_range(straddling, wall), SyncRange::new(fork, 11));
    let before = SyncRange::new(Slot(0), 16).expect("range");
    assert_eq!(s.blob_range(before, wall), None);
}

#[test]
fn minimal_has_no_deneb_until_scheduled() {
    let s = ChainSpec::minimal();
    assert_eq!(s.max_blobs_per_block_at(Epoch(1_000)), 0);
    let s = s.with_deneb_at(Epoch(0), Epoch(2));
    assert_eq!(s.max_blobs_per_block_at(Epoch(1)), 6);
    assert_eq!(s.max_blobs_per_block_at(Epoch(2)), 9);
}

#[test]
fn the_data_a_block_needs_follows_its_fork() {
    let s = ChainSpec::mainnet();
    assert_eq!(s.data_kind_at(Epoch(269_567)), BlockDataKind::None);
    assert_eq!(s.data_kind_at(Epoch(269_568)), BlockDataKind::Blobs);
    assert_eq!(s.data_kind_at(Epoch(411_391)), BlockDataKind::Blobs);
    assert_eq!(s.data_kind_at(Epoch(411_392)), BlockDataKind::Columns);
    let minimal = ChainSpec::minimal();
    assert_eq!(minimal.data_kind_at(Epoch(1_000)), BlockDataKind::None);
}

#[test]
fn blob_sidecars_stop_and_columns_start_at_the_fulu_fork() {
    let s = ChainSpec::minimal()
        .with_deneb_at(Epoch(0), Epoch(1))
        .with_fulu_at(Epoch(4));
    let wall = Epoch(10);
    let straddling = SyncRange::new(Slot(24), 16).expect("range"); // epochs 3 and 4
    assert_eq!(s.blob_range(straddling, wall), SyncRange::new(Slot(24), 8));
    assert_eq!(
        s.column_range(straddling, wall),
        SyncRange::new(Slot(32), 8)
    );
    assert!(s.range_needs_blobs(Slot(24), Slot(39), wall));
    assert!(!s.range_needs_blobs(Slot(32), Slot(39), wall));
    assert!(s.is_in_blob_window(Slot(31), wall));
    assert!(!s.is_in_blob_window(Slot(32), wall));
    // Nothing beyond the wall clock's epoch is asked for.
    let ahead = SyncRange::new(Slot(80), 16).expect("range");
    assert_eq!(s.column_range(ahead, wall), SyncRange::new(Slot(80), 8));
}

#[test]
fn fulu_at_genesis_has_no_blob_range_and_columns_from_slot_0() {
    let s = ChainSpec::minimal()
        .with_deneb_at(Epoch(0), Epoch(0))
        .with_fulu_at(Epoch(0));
    let range = SyncRange::new(Slot(0), 16).expect("range");
    assert_eq!(s.blob_range(range, Epoch(3)), None);
    assert_eq!(s.column_range(range, Epoch(3)), Some(range));
}

#[test]
fn the_column_window_is_measured_from_the_wall_epoch() {
    let s = ChainSpec::mainnet();
    let wall = Epoch(411_392 + 5_000);
    assert_eq!(s.column_window_start(wall), Epoch(411_392 + 5_000 - 4096));
    assert_eq!(s.column_window_start(Epoch(411_400)), Epoch(411_392));
    let boundary = s.start_slot(s.column_window_start(wall));
    let straddling = SyncRange::new(boundary.saturating_sub(10), 32).expect("range");
    assert_eq!(
        s.column_range(straddling, wall),
        SyncRange::new(boundary, 22)
    );
}
