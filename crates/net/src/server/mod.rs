//! The serving side: what to answer an inbound request with, the quotas that protect us
//! from a flooding peer, and the producer that reads the chain source and feeds a
//! response stream.
//!
//! Decisions are plain functions ([`plan`]) and plain state ([`ServerQuotas`],
//! [`InFlight`]); only [`produce`] touches the source, a batch at a time on tokio's
//! blocking pool, sending chunks into a bounded channel that the response stream drains
//! (so a large blob response is never held in memory whole, and a peer that does not
//! read holds no thread).
//!
//! Rules (spec A.7, with the seed's bugs fixed):
//! - a zero `count`, a `step` other than 1, or an empty root list is `InvalidRequest`;
//! - a range starting before our earliest available slot is `ResourceUnavailable`;
//! - blob sidecars are served from the spec's `blob_serve_range`,
//!   `[max(current_epoch - MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS, DENEB_FORK_EPOCH),
//!   current_epoch]`, with `current_epoch` the **wall-clock** epoch (D.28), not our head's.
//!   The window is `sync-types`' one rule
//!   ([`ChainSpec::blob_range`](sync_types::ChainSpec::blob_range)), the same the
//!   syncing side asks by. A request that straddles the window's start is answered with
//!   the part inside it; one wholly outside gets no chunk. Only when the part inside
//!   starts before our earliest available slot is it `ResourceUnavailable`: then we
//!   cannot serve what the spec says we must;
//! - data columns likewise from the column serve range,
//!   `[max(current_epoch - MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS, FULU_FORK_EPOCH),
//!   current_epoch]` ([`ChainSpec::column_range`](sync_types::ChainSpec::column_range)),
//!   in (slot, column index) order, only the requested columns we hold;
//! - a range starting at our head slot returns the head block (D.22);
//! - counts are capped at `MAX_REQUEST_BLOCKS(_DENEB)` and root lists at what the
//!   protocol allows; responses never exceed them.

mod inflight;
mod produce;
mod quotas;

pub use self::inflight::{InFlight, InFlightPermit};
pub use self::produce::{Produced, drained, produce};
pub use self::quotas::ServerQuotas;

use consensus::config::ChainConfig;
use consensus::containers::{BlobIdentifier, DataColumnsByRootIdentifier};
use consensus::primitives::Hash256;
use sync_types::{Epoch, Slot, SyncRange};

use crate::codec::{MAX_REQUEST_BLOB_SIDECARS, MAX_REQUEST_BLOCKS_DENEB, ResultCode};
use crate::rpc::{RpcRequest, max_blobs_in};
use crate::source::ChainInfo;

/// What an inbound block or blob request is answered with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServePlan {
    /// One error chunk.
    Reject {
        /// The result code.
        code: ResultCode,
        /// The message.
        message: &'static str,
    },
    /// Blocks of slots `start_slot .. start_slot + count`.
    BlocksByRange {
        /// First slot.
        start_slot: u64,
        /// Number of slots (capped).
        count: u64,
    },
    /// Blocks with these roots.
    BlocksByRoot(Vec<Hash256>),
    /// Blob sidecars of slots `start_slot .. start_slot + count`, at most `max`.
    BlobsByRange {
        /// First slot.
        start_slot: u64,
        /// Number of slots (capped).
        count: u64,
        /// The most sidecars to send.
        max: u64,
    },
    /// Blob sidecars with these identifiers.
    BlobsByRoot(Vec<BlobIdentifier>),
    /// Data column sidecars with these (block root, column indices).
    ColumnsByRoot(Vec<DataColumnsByRootIdentifier>),
    /// Data column sidecars with these indices of slots `start_slot .. start_slot +
    /// count`, at most `max`.
    ColumnsByRange {
        /// First slot.
        start_slot: u64,
        /// Number of slots (capped).
        count: u64,
        /// The column indices, ascending and distinct.
        columns: Vec<u64>,
        /// The most sidecars to send.
        max: u64,
    },
    /// No chunk at all: nothing the request asks for lies where we serve (blob sidecars
    /// outside the retention window).
    Empty,
}

const fn reject(code: ResultCode, message: &'static str) -> ServePlan {
    ServePlan::Reject { code, message }
}

/// Decides how to answer a block or blob request (`None` for other kinds). `wall_epoch`
/// is the wall-clock epoch; `info` is our chain as of now.
pub fn plan(
    request: &RpcRequest,
    chain: &ChainConfig,
    info: &ChainInfo,
    wall_epoch: u64,
) -> Option<ServePlan> {
    let invalid = |message| Some(reject(ResultCode::InvalidRequest, message));
    let unavailable = |message| Some(reject(ResultCode::ResourceUnavailable, message));
    match request {
        RpcRequest::BlocksByRange(request) => {
            if request.count == 0 {
                return invalid("count is zero");
            }
            if request.step != 1 {
                return invalid("step must be 1");
            }
            if request.start_slot < info.earliest_available_slot {
                return unavailable("blocks before our earliest available slot");
            }
            let max = chain.max_request_blocks_at_epoch(chain.slot_to_epoch(request.start_slot));
            Some(ServePlan::BlocksByRange {
                start_slot: request.start_slot,
                count: request.count.min(max),
            })
        }
        RpcRequest::BlocksByRoot(roots) => {
            if roots.is_empty() {
                return invalid("no roots");
            }
            let max = usize::try_from(chain.max_request_blocks_at_epoch(wall_epoch))
                .unwrap_or(usize::MAX);
            Some(ServePlan::BlocksByRoot(
                roots.iter().take(max).copied().collect(),
            ))
        }
        RpcRequest::BlobsByRange(request) => {
            let Some(requested) = SyncRange::new(Slot(request.start_slot), request.count) else {
                return invalid("count is zero");
            };
            // The part of the request inside the window (the spec's `blob_serve_range`).
            let window = chain.to_sync_spec();
            let Some(served) = window.blob_range(requested, Epoch(wall_epoch)) else {
                return Some(ServePlan::Empty);
            };
            let start_slot = served.start().as_u64();
            if start_slot < info.earliest_available_slot {
                return unavailable("blobs before our earliest available slot");
            }
            let count = served.count().min(chain.max_request_blocks_deneb());
            let max = count.saturating_mul(max_blobs_in(chain, start_slot, count));
            Some(ServePlan::BlobsByRange {
                start_slot,
                count,
                max,
            })
        }
        RpcRequest::ColumnsByRange(request) => {
            let Some(requested) = SyncRange::new(Slot(request.start_slot), request.count) else {
                return invalid("count is zero");
            };
            // The part inside the spec's column serve range, measured from the wall clock.
            let window = chain.to_sync_spec();
            let Some(served) = window.column_range(requested, Epoch(wall_epoch)) else {
                return Some(ServePlan::Empty);
            };
            let start_slot = served.start().as_u64();
            if start_slot < info.earliest_available_slot {
                return unavailable("columns before our earliest available slot");
            }
            let mut columns: Vec<u64> = request.columns.to_vec();
            columns.sort_unstable();
            let count = served.count().min(chain.max_request_blocks_deneb());
            Some(ServePlan::ColumnsByRange {
                start_slot,
                count,
                max: count.saturating_mul(columns.len() as u64),
                columns,
            })
        }
        RpcRequest::ColumnsByRoot(ids) => {
            if ids.is_empty() {
                return invalid("no column identifiers");
            }
            Some(ServePlan::ColumnsByRoot(
                ids.iter().take(MAX_REQUEST_BLOCKS_DENEB).cloned().collect(),
            ))
        }
        RpcRequest::BlobsByRoot(ids) => {
            if ids.is_empty() {
                return invalid("no blob identifiers");
            }
            Some(ServePlan::BlobsByRoot(
                ids.iter()
                    .take(MAX_REQUEST_BLOB_SIDECARS)
                    .copied()
                    .collect(),
            ))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
