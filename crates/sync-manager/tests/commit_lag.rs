//! A node whose durable commits lag its verifier (a supernode writing 47 MB of columns per
//! segment): when the queue has verified every range but the stored head has not caught
//! up yet, the manager must not take the lag for skipped ranges and start the sync over
//! (it did, and downloaded and verified the last ranges twice). Once the commits land,
//! the sync ends as usual.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::{config, pool_with, spec, until};
use prometheus_client::registry::Registry;
use sync_manager::sim::SimChain;
use sync_manager::{SyncChain, SyncManager, SyncMetrics};
use sync_types::test_utils::{Behaviour, MockPeer, RequestKind, TestChain};
use sync_types::{Slot, SyncDirection};

/// A chain whose head reads as genesis until its commits are released.
struct LaggingChain {
    sim: Arc<SimChain>,
    committed: AtomicBool,
}

impl SyncChain for LaggingChain {
    fn head_slot(&self) -> Slot {
        if self.committed.load(Ordering::Relaxed) {
            self.sim.head_slot()
        } else {
            Slot(0)
        }
    }
    fn wall_slot(&self) -> Slot {
        self.sim.wall_slot()
    }
    fn finalized_slot(&self) -> Slot {
        self.sim.finalized_slot()
    }
    fn backfill_slot(&self) -> Slot {
        self.sim.backfill_slot()
    }
    fn frontfill_slot(&self) -> Slot {
        self.sim.frontfill_slot()
    }
}

#[tokio::test(start_paused = true)]
async fn verified_ranges_whose_commits_lag_are_not_downloaded_again() {
    let chain = Arc::new(TestChain::full(Slot(256)));
    let peers: Vec<MockPeer> = (1..=2)
        .map(|k| {
            let latency = Duration::from_millis(300);
            MockPeer::new(k, Arc::clone(&chain)).with_behaviour(Behaviour::Delay(latency))
        })
        .collect();
    let sim = SimChain::forward(Slot(0), Slot(256));
    let lagging = Arc::new(LaggingChain {
        sim: Arc::clone(&sim),
        committed: AtomicBool::new(false),
    });
    let verifier = common::forward_verifier(&chain, &sim);
    let manager = SyncManager::start(
        SyncDirection::Forward,
        config().with_exit_when_synced(),
        spec(),
        Arc::clone(&lagging),
        pool_with(&peers),
        verifier.clone(),
        SyncMetrics::register(&mut Registry::default(), SyncDirection::Forward),
    );
    until(Duration::from_secs(600), "every block verified", || {
        verifier.inner().imported().len() == 256
    })
    .await;
    // The commits lag a while (virtual time): the manager looks at the queue many times.
    tokio::time::sleep(Duration::from_secs(60)).await;
    let mut ranges: Vec<_> = peers
        .iter()
        .flat_map(|p| p.requested_ranges(RequestKind::Blocks))
        .map(|r| r.start())
        .collect();
    let requests = ranges.len();
    ranges.sort_unstable();
    ranges.dedup();
    assert_eq!(
        ranges.len(),
        requests,
        "a verified range was requested again"
    );
    assert_eq!(manager.status().queue.accepted_frontier, Some(Slot(256)));
    lagging.committed.store(true, Ordering::Relaxed);
    tokio::time::timeout(Duration::from_secs(600), manager.join())
        .await
        .expect("the sync ends once the commits land");
    assert_eq!(verifier.inner().imported().len(), 256);
}
