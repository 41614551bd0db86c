//! `beacon-sync devnet` run twice on one data directory: the second run reuses the
//! generated chain, whose fork schedule (Fulu after genesis, the BPO forks) must come back
//! from the directory exactly, or the syncing nodes ask Fulu blocks for blob sidecars and
//! never finish.

use e2e::GUARD;
use node::devnet::{self, DevnetOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_devnet_run_on_the_same_directory_reuses_the_chain_and_syncs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let options = DevnetOptions {
        slots: 128,
        fulu_epoch: Some(2),
        bpo: devnet::default_bpo(128, 2),
        ..e2e::small_chain(dir.path())
    };
    let first = devnet::prepare(&options).expect("generates");
    assert!(first.generated);
    let loaded = node::launch::load_testnet_dir(&first.dir).expect("loads");
    assert_eq!(
        loaded.config, first.config,
        "the directory gives back the same schedule"
    );
    drop(first);

    let report = tokio::time::timeout(GUARD, devnet::run(&options))
        .await
        .expect("within the guard")
        .expect("the devnet runs on the reused chain");
    assert!(report.is_success(), "{report}");
}
