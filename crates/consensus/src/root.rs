//! Hash tree roots for callers that do not depend on `tree_hash` themselves.
//!
//! Every SSZ container of [`containers`](crate::containers) (headers, sidecars, requests,
//! bodies) gets `root()` from [`HashTreeRoot`]; the decoded wrappers [`Block`](crate::Block),
//! [`Sidecar`](crate::Sidecar) and [`Column`](crate::Column) have their own `root()`.
//! An adopter needs no `tree_hash` of the same version as ours to hash what we decode.

use tree_hash::TreeHash;

use crate::primitives::Hash256;

/// The SSZ hash tree root of a value: `use consensus::HashTreeRoot;` and call `root()`.
pub trait HashTreeRoot {
    /// The value's hash tree root.
    fn root(&self) -> Hash256;
}

impl<T: TreeHash> HashTreeRoot for T {
    fn root(&self) -> Hash256 {
        self.tree_hash_root()
    }
}
