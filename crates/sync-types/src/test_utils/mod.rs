//! Scripted stand-ins for every seam, for tests here and in downstream crates
//! (enable the `test-utils` feature).
//!
//! - [`TestBlock`], [`TestSidecar`] and [`TestChain`]: a deterministic chain with skipped
//!   slots and blobs;
//! - [`TestPeer`]: a [`ScoredPeer`](crate::ScoredPeer) that only keeps score and stats;
//! - [`MockPeer`]: a scripted [`SyncPeer`](crate::SyncPeer) serving a [`TestChain`] that
//!   can answer, answer partially, answer empty, lie, withhold sidecars, stall, delay,
//!   time out, disconnect or rate-limit (on tokio's clock);
//! - [`ChainVerifier`]: a [`BlockVerifier`](crate::BlockVerifier) that follows the hash
//!   chain in either direction and can be told to fail.

mod chain;
mod mock_peer;
mod peer;
mod verifier;

pub use chain::{TestBlock, TestChain, TestSidecar, test_root};
pub use mock_peer::{Behaviour, MockPeer, ReceivedRequest, RequestKind};
pub use peer::TestPeer;
pub use verifier::ChainVerifier;
