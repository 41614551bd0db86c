//! Scripted stand-ins for every seam, for tests here and in downstream crates
//! (enable the `test-utils` feature).
//!
//! - [`TestBlock`], [`TestSidecar`] and [`TestChain`]: a deterministic chain with skipped
//!   slots and blobs;
//! - [`TestPeer`]: a [`ScoredPeer`](crate::ScoredPeer) that only keeps score and stats;
//! - [`ChainVerifier`]: a [`BlockVerifier`](crate::BlockVerifier) that follows the hash
//!   chain in either direction and can be told to fail.

mod chain;
mod peer;
mod verifier;

pub use chain::{TestBlock, TestChain, TestSidecar, test_root};
pub use peer::TestPeer;
pub use verifier::ChainVerifier;
