//! `beacon-sync devnet --bench` on a tiny chain: every row's counts are the chain's, the
//! syncing node committed exactly what the verifier alone verified, and every time and
//! rate is measured (positive). No wall-clock thresholds: a debug build on a busy machine
//! is slow, not wrong.

use node::devnet::{DevnetOptions, run_bench};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_of_a_tiny_chain_syncs_and_verifies_every_block_and_sidecar() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let options = DevnetOptions {
        data_dir: dir.path().to_path_buf(),
        slots: 64,
        validators: 16,
        peers: 2,
        ..DevnetOptions::default()
    };
    let report = run_bench(&options, &[0, 2]).await.expect("the bench runs");
    let rows: Vec<_> = report
        .rows
        .iter()
        .map(|r| (r.blobs_per_block, r.backfill))
        .collect();
    assert_eq!(rows, [(0, false), (0, true), (2, false), (2, true)]);
    for row in &report.rows {
        // Slots 1..=64 forward, 0..=63 backward (the genesis block has no blobs); every
        // tenth slot is empty.
        let blocks = 64 - 6;
        let sidecars = (blocks - u64::from(row.backfill)) * row.blobs_per_block;
        assert_eq!((row.slots, row.segment_slots), (64, 32), "{row:?}");
        assert_eq!(row.verified, (blocks, sidecars), "{row:?}");
        assert_eq!(row.synced, row.verified, "{row:?}");
        let times = [
            row.sync_time,
            row.verify_time,
            row.commit_time,
            row.read_time,
        ];
        assert!(times.iter().all(|t| !t.is_zero()), "{row:?}");
        assert!(row.ratio() > 0.0 && row.sync_rate() > 0.0, "{row:?}");
    }
    let table = report.to_string();
    // Three header lines, the four rows, then the CPU section: its header and a line per
    // row that has a CPU sample (every row on Linux, which has /proc).
    let sampled = report.rows.iter().filter(|r| r.sync_cpu.is_some()).count();
    if cfg!(target_os = "linux") {
        assert_eq!(sampled, 4, "{table}");
    }
    assert_eq!(table.lines().count(), 3 + 4 + 1 + sampled, "{table}");
    assert!(dir.path().join("bench-blobs-2/source").is_dir());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_of_a_tiny_fulu_chain_stores_the_8_sampled_columns_the_verifier_checked() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let options = DevnetOptions {
        data_dir: dir.path().to_path_buf(),
        slots: 32,
        validators: 16,
        peers: 2,
        fork: consensus::Fork::Fulu,
        ..DevnetOptions::default()
    };
    let report = run_bench(&options, &[2]).await.expect("the bench runs");
    assert_eq!(report.rows.len(), 2);
    for row in &report.rows {
        // Every tenth slot is empty; the backfill's anchor block is stored without columns.
        let blocks = 32 - 3;
        let columns = (blocks - u64::from(row.backfill)) * 8;
        assert_eq!(row.verified, (blocks, columns), "{row:?}");
        assert_eq!(row.synced, row.verified, "{row:?}");
    }
}
