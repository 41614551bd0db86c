//! # sync-manager: the range-sync manager
//!
//! [`SyncManager`] runs one sync (forward to the head, or backward as backfill) after
//! Nimbus's `SyncManager` (spec A.6), with the seed's bugs fixed. It sits on top of
//! `peer-pool` and `sync-queue`, and reaches the world through three seams: peers
//! ([`SyncPeer`](sync_types::SyncPeer)), the verifier
//! ([`BlockVerifier`](sync_types::BlockVerifier)) and our chain's positions
//! ([`SyncChain`]). It depends on no network, SSZ, crypto or database crate.
//!
//! ## How it works
//!
//! - **Workers** (default 10) each take the best peer from the pool, refresh its status
//!   when stale (+50 moved / -50 stale / -100 failed), pop a range, download blocks and,
//!   inside the blob window, blob sidecars, check them with `sync-types`, and push them
//!   to the queue. A peer is handed back before any wait; a rate-limited, throttled,
//!   behind or barred peer cools down out of the pool while the worker goes on with
//!   others. Each push runs as its own task, so a result is verified as soon as its turn
//!   comes, whatever its worker does next. A worker with nothing to do wakes when work
//!   comes back to the queue. Every failure returns the range (the queue's tickets
//!   return themselves).
//! - **Blame.** Bad responses, timeouts and lies cost score; rate-limit replies and
//!   our verifier's own faults never do. A status with a head or finality ahead of our
//!   clock is a lie, and so is a finality claim that our verifier contradicts.
//! - **The loop** (every 2 s) detects in-sync and lost sync, re-initialises the queue in
//!   place (its counters survive), replaces dead workers, samples speed, evicts peers
//!   whose score fell below zero, and runs the **stall watchdog**: no progress for
//!   `stall_timeout` gives state `stalled`, a warning, a metric, and a re-issue of every
//!   range to the peers at hand.
//! - **Status**: [`SyncStatus`] with state, progress, speed, ETA, the worker map and the
//!   Nimbus status line; **metrics** in [`SyncMetrics`] (prometheus-client): one family
//!   per quantity with a `direction` label, shared by a forward and a backfill manager
//!   through [`SyncMetricFamilies`].
//!
//! ## Example
//!
//! ```
//! use std::sync::Arc;
//! use peer_pool::{Lifetime, PeerPool, PeerType, PoolConfig};
//! use prometheus_client::registry::Registry;
//! use sync_manager::{sim::{SimChain, SimVerifier}, ManagerConfig, SyncManager, SyncMetrics, SyncState};
//! use sync_types::{test_utils::{ChainVerifier, MockPeer, TestChain}, ChainSpec, Slot, SyncDirection};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
//! let chain = Arc::new(TestChain::full(Slot(200)));
//! let pool = PeerPool::new(PoolConfig::default()).unwrap();
//! for key in 1..=3 {
//!     pool.add_peer_no_wait(MockPeer::new(key, Arc::clone(&chain)), PeerType::Outgoing, Lifetime::forever()).unwrap();
//! }
//! let ours = SimChain::forward(Slot(0), Slot(200)); // our head at genesis, wall clock at 200
//! let verifier = SimVerifier::new(ChainVerifier::forward(&chain.blocks()[0]), Arc::clone(&ours), SyncDirection::Forward);
//! let config = ManagerConfig { max_head_age: 0, ..ManagerConfig::default() }.with_exit_when_synced();
//! let metrics = SyncMetrics::register(&mut Registry::default(), SyncDirection::Forward);
//! let manager = SyncManager::start(SyncDirection::Forward, config, ChainSpec::minimal(), ours, pool, verifier.clone(), metrics);
//! manager.join().await;
//! assert_eq!(manager.status().state, SyncState::Synced);
//! assert_eq!(verifier.inner().imported().len(), 200);
//! # });
//! ```
//!
//! ## Features
//!
//! - `test-utils`: the simulated network (the `sim` module, and `sync-types`' mock peers).

#![cfg_attr(docsrs, feature(doc_cfg))]
mod chain;
mod columns;
mod config;
mod control;
mod manager;
mod metrics;
#[cfg(any(test, feature = "test-utils"))]
#[cfg_attr(docsrs, doc(cfg(feature = "test-utils")))]
pub mod sim;
mod status;
mod worker;

pub use chain::SyncChain;
pub use config::ManagerConfig;
pub use manager::SyncManager;
pub use metrics::{SyncMetricFamilies, SyncMetrics};
pub use status::{SyncState, SyncStatus, WorkerState};
/// The manager's own penalties, kept here for existing users; they live in
/// [`sync_types::score`] with every other score value.
pub use sync_types::score::{PEER_SCORE_FINALITY_LIE, PEER_SCORE_STATUS_LIE};
