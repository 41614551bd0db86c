//! # sync-types: the vocabulary and the seams of beacon-sync
//!
//! The lowest layer of the workspace: every other crate speaks these types, and the
//! range-sync crates (`sync-queue`, `peer-pool`, `sync-manager`) reach the outside world
//! only through the traits defined here. It has no async runtime and no networking,
//! SSZ or database dependency.
//!
//! - [`Slot`], [`Epoch`], [`Root`], [`Cursor`], [`SyncDirection`], [`SyncRange`],
//!   [`SyncRequest`]: explicit slot arithmetic that never wraps;
//! - [`ChainSpec`]: the chain constants the sync needs (mainnet and minimal presets);
//! - [`BlockView`], [`SidecarView`], [`ColumnView`]: the few fields of blocks, blob
//!   sidecars and data columns it reads; [`BlockDataKind`]: which of them a fork needs;
//!   [`ColumnSet`]: sets of column indices (custody, sampling);
//! - [`check_response`], [`group_sidecars`], [`group_columns`], [`ValidatedResponse`]:
//!   response checks as pure functions, one [`ResponseError`] variant per way a peer can
//!   be wrong;
//! - [`BlockVerifier`]: verifies a whole segment, tells a peer's fault from ours;
//! - [`ScoredPeer`], [`SyncPeer`]: what the sync needs from a peer;
//! - [`score`]: Nimbus's peer-score constants; [`progress`]: speed, progress, time left.
//!
//! ```
//! use sync_types::{check_response, ResponseError, Slot, SyncRange};
//!
//! let range = SyncRange::new(Slot(10), 6).expect("non-empty");
//! assert!(check_response(range, &[Slot(11), Slot(12), Slot(14)]).is_ok());
//! assert!(matches!(
//!     check_response(range, &[Slot(12), Slot(11)]),
//!     Err(ResponseError::BlocksNotIncreasing { .. })
//! ));
//! assert_eq!(sync_types::short_map(range, &[Slot(11), Slot(12), Slot(14)]), ".xx.x.");
//! ```
//!
//! ## Features
//!
//! - `test-utils`: scripted implementations of every seam (the `test_utils` module). It pulls in
//!   tokio's `time` feature, for the mock peer's delays and status ages on tokio's
//!   (pausable) clock; the crate itself never needs a runtime.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod book;
mod column;
mod error;
pub mod lock;
mod peer;
pub mod progress;
mod range;
mod response;
pub mod score;
mod slot;
mod spec;
mod verifier;
mod view;

#[cfg(any(test, feature = "test-utils"))]
#[cfg_attr(docsrs, doc(cfg(feature = "test-utils")))]
pub mod test_utils;

pub use book::PeerScore;
pub use column::{ColumnSet, ColumnView, NUMBER_OF_COLUMNS, group_columns};
pub use error::ResponseError;
pub use peer::{RequestError, ScoredPeer, SyncPeer};
pub use progress::{SpeedSample, SyncProgress, speed, time_left_string};
pub use range::{RequestId, SyncRange, SyncRequest};
pub use response::{
    ValidatedResponse, check_response, group_sidecars, short_map, sidecar_short_map,
};
pub use score::ResponseKind;
pub use slot::{Cursor, Epoch, Root, Slot, SyncDirection};
pub use spec::{BlobLimit, BlockDataKind, ChainSpec, FAR_FUTURE_EPOCH};
pub use verifier::{BlockOutcome, BlockVerifier, ColumnRejection, VerifierFault};
pub use view::{BlockData, BlockView, NoBlobs, SidecarView};
