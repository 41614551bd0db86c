//! # sync-queue: the range-sync queue
//!
//! placeholder docs
mod config;
mod process;
mod queue;
mod report;
mod rewind;
mod state;
mod ticket;

pub use config::QueueConfig;
pub use queue::{SafeSlot, SyncQueue};
pub use report::{NoRequest, ProcessReport, PushOutcome, QueueStats, Verdict};
pub use rewind::{RewindPoint, Rewinder};
pub use ticket::RequestTicket;
