//! Scripted stand-ins for every seam, for tests here and in downstream crates
//! (enable the `test-utils` feature).
//!
//! - [`TestBlock`], [`TestSidecar`], [`TestColumn`] and [`TestChain`]: a deterministic
//!   chain with skipped slots, blobs and data columns;
//! - [`TestPeer`]: a [`ScoredPeer`](crate::ScoredPeer) that only keeps score and stats;
//! - [`MockPeer`]: a scripted [`SyncPeer`](crate::SyncPeer) serving a [`TestChain`] that
//!   can answer, answer partially, answer empty, lie, answer out of range, out of order or
//!   with duplicates, send an invalid block, withhold, corrupt or reorder sidecars, stall,
//!   delay, time out, disconnect or rate-limit (on tokio's clock), lie about its head or
//!   finality, or have its history pruned; it custodies a set of data columns, and
//!   withholds, corrupts or sends bad proofs for them as its behaviour says; [`adversaries`] makes one of each kind;
//! - [`ChainVerifier`]: a [`BlockVerifier`](crate::BlockVerifier) that follows the hash
//!   chain in either direction, rejects blocks marked by [`invalid_root`], and can be told
//!   to fail.

mod answers;
mod chain;
mod mock_peer;
mod peer;
mod verifier;

pub use chain::{
    TestBlock, TestChain, TestColumn, TestSidecar, invalid_root, is_invalid_root, test_root,
};
pub use mock_peer::{Behaviour, MockPeer, ReceivedRequest, RequestKind, adversaries};
pub use peer::TestPeer;
pub use verifier::ChainVerifier;

/// The [`ValidatedResponse`](crate::ValidatedResponse) of the test types.
pub type TestResponse = crate::ValidatedResponse<TestBlock, TestSidecar, TestColumn>;
/// The [`BlockData`](crate::BlockData) of the test types.
pub type TestData = crate::BlockData<TestBlock, TestSidecar, TestColumn>;
