//! The req/resp protocols over libp2p's `request_response`: message kinds, typed
//! requests and responses, the codec adapter and the error mapping.
//!
//! Each [`RpcKind`] is one `request_response` behaviour offering the protocol ids of its
//! versions, newest first (`status/2` then `status/1`, `metadata/3` then `metadata/2`):
//! multistream-select then picks the newest version both sides speak, which is the
//! fallback Nimbus does by hand. The codec ([`RpcCodec`]) encodes and decodes with
//! [`crate::codec`] in the negotiated version, reads responses chunk by chunk under the
//! time-to-first-byte and per-chunk timeouts, and caps the number of chunks by what the
//! request asked for.

mod codec;
mod error;
mod message;

pub use self::codec::{CodecLimits, RpcCodec};
pub use self::error::{
    RpcError, error_chunk_to_request_error, outbound_failure_to_request_error, rpc_error,
};
pub(crate) use self::message::max_blobs_in;
pub use self::message::{MetaDataMessage, ReceivedResponse, RpcRequest, RpcResponse};

use std::fmt;

use crate::codec::Protocol;

impl AsRef<str> for Protocol {
    fn as_ref(&self) -> &str {
        self.protocol_id()
    }
}

/// A kind of request, with all versions of its protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RpcKind {
    /// `status/1`, `status/2`.
    Status,
    /// `goodbye/1`.
    Goodbye,
    /// `ping/1`.
    Ping,
    /// `metadata/2`, `metadata/3`.
    MetaData,
    /// `beacon_blocks_by_range/2`.
    BlocksByRange,
    /// `beacon_blocks_by_root/2`.
    BlocksByRoot,
    /// `blob_sidecars_by_range/1`.
    BlobsByRange,
    /// `blob_sidecars_by_root/1`.
    BlobsByRoot,
    /// `data_column_sidecars_by_range/1` (Fulu).
    ColumnsByRange,
    /// `data_column_sidecars_by_root/1` (Fulu).
    ColumnsByRoot,
}

impl RpcKind {
    /// Every kind.
    pub const ALL: [RpcKind; 10] = [
        RpcKind::Status,
        RpcKind::Goodbye,
        RpcKind::Ping,
        RpcKind::MetaData,
        RpcKind::BlocksByRange,
        RpcKind::BlocksByRoot,
        RpcKind::BlobsByRange,
        RpcKind::BlobsByRoot,
        RpcKind::ColumnsByRange,
        RpcKind::ColumnsByRoot,
    ];

    /// The position of the kind in [`RpcKind::ALL`].
    pub const fn index(self) -> usize {
        match self {
            RpcKind::Status => 0,
            RpcKind::Goodbye => 1,
            RpcKind::Ping => 2,
            RpcKind::MetaData => 3,
            RpcKind::BlocksByRange => 4,
            RpcKind::BlocksByRoot => 5,
            RpcKind::BlobsByRange => 6,
            RpcKind::BlobsByRoot => 7,
            RpcKind::ColumnsByRange => 8,
            RpcKind::ColumnsByRoot => 9,
        }
    }

    /// The protocols of the kind, preferred first; the Fulu versions (`status/2`,
    /// `metadata/3`) and the data column protocols only when `fulu` is set.
    pub fn protocols(self, fulu: bool) -> Vec<Protocol> {
        match self {
            RpcKind::Status if fulu => vec![Protocol::StatusV2, Protocol::StatusV1],
            RpcKind::Status => vec![Protocol::StatusV1],
            RpcKind::Goodbye => vec![Protocol::Goodbye],
            RpcKind::Ping => vec![Protocol::Ping],
            RpcKind::MetaData if fulu => vec![Protocol::MetaDataV3, Protocol::MetaDataV2],
            RpcKind::MetaData => vec![Protocol::MetaDataV2],
            RpcKind::BlocksByRange => vec![Protocol::BlocksByRangeV2],
            RpcKind::BlocksByRoot => vec![Protocol::BlocksByRootV2],
            RpcKind::BlobsByRange => vec![Protocol::BlobSidecarsByRange],
            RpcKind::BlobsByRoot => vec![Protocol::BlobSidecarsByRoot],
            RpcKind::ColumnsByRange if fulu => vec![Protocol::DataColumnSidecarsByRange],
            RpcKind::ColumnsByRoot if fulu => vec![Protocol::DataColumnSidecarsByRoot],
            RpcKind::ColumnsByRange | RpcKind::ColumnsByRoot => Vec::new(),
        }
    }

    /// The kind a protocol belongs to (every protocol has one).
    pub const fn of_protocol(protocol: Protocol) -> Option<RpcKind> {
        Some(match protocol {
            Protocol::StatusV1 | Protocol::StatusV2 => RpcKind::Status,
            Protocol::Goodbye => RpcKind::Goodbye,
            Protocol::Ping => RpcKind::Ping,
            Protocol::MetaDataV2 | Protocol::MetaDataV3 => RpcKind::MetaData,
            Protocol::BlocksByRangeV2 => RpcKind::BlocksByRange,
            Protocol::BlocksByRootV2 => RpcKind::BlocksByRoot,
            Protocol::BlobSidecarsByRange => RpcKind::BlobsByRange,
            Protocol::BlobSidecarsByRoot => RpcKind::BlobsByRoot,
            Protocol::DataColumnSidecarsByRange => RpcKind::ColumnsByRange,
            Protocol::DataColumnSidecarsByRoot => RpcKind::ColumnsByRoot,
        })
    }

    /// A short name for logs and metrics.
    pub const fn name(self) -> &'static str {
        match self {
            RpcKind::Status => "status",
            RpcKind::Goodbye => "goodbye",
            RpcKind::Ping => "ping",
            RpcKind::MetaData => "metadata",
            RpcKind::BlocksByRange => "blocks_by_range",
            RpcKind::BlocksByRoot => "blocks_by_root",
            RpcKind::BlobsByRange => "blob_sidecars_by_range",
            RpcKind::BlobsByRoot => "blob_sidecars_by_root",
            RpcKind::ColumnsByRange => "data_column_sidecars_by_range",
            RpcKind::ColumnsByRoot => "data_column_sidecars_by_root",
        }
    }
}

impl fmt::Display for RpcKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
