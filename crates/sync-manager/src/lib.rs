//! # sync-manager
//!
//! placeholder
mod chain;
mod config;
mod manager;
mod metrics;
#[cfg(any(test, feature = "test-utils"))]
pub mod sim;
mod status;
mod worker;

pub use chain::SyncChain;
pub use config::ManagerConfig;
pub use manager::SyncManager;
pub use metrics::{Label, SyncMetrics};
pub use status::{SyncState, SyncStatus, WorkerState};
pub use worker::{PEER_SCORE_FINALITY_LIE, PEER_SCORE_STATUS_LIE};
