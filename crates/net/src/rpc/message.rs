//! Typed requests and responses, and their SSZ in each protocol version.

use consensus::config::ChainConfig;
use consensus::containers::{
    BeaconBlocksByRangeRequest, BeaconBlocksByRootRequest, BlobIdentifier,
    BlobSidecarsByRangeRequest, BlobSidecarsByRootRequest, DataColumnSidecarsByRangeRequest,
    DataColumnSidecarsByRootRequest, DataColumnsByRootIdentifier, MetaDataV2, MetaDataV3,
};
use consensus::primitives::Hash256;
use ssz::Encode;
use sync_types::RequestError;
use tokio::sync::mpsc;

use super::RpcKind;
use super::error::error_chunk_to_request_error;
use crate::codec::{
    CodecError, ErrorChunk, ErrorMessage, METADATA_V3_SIZE, Protocol, ResponseChunk, ResultCode,
    SuccessChunk, decode_ssz,
};
use crate::status::{GoodbyeReason, StatusMessage};

/// A request, outbound or inbound.
#[derive(Clone, Debug, PartialEq)]
pub enum RpcRequest {
    /// Our or the peer's status.
    Status(StatusMessage),
    /// Goodbye with a reason.
    Goodbye(GoodbyeReason),
    /// Ping with the sender's metadata sequence number.
    Ping(u64),
    /// Get the peer's metadata (no request content).
    MetaData,
    /// Blocks by range (`step` must be 1).
    BlocksByRange(BeaconBlocksByRangeRequest),
    /// Blocks by root.
    BlocksByRoot(Vec<Hash256>),
    /// Blob sidecars by range.
    BlobsByRange(BlobSidecarsByRangeRequest),
    /// Blob sidecars by (block root, index).
    BlobsByRoot(Vec<BlobIdentifier>),
    /// Data column sidecars by range, for a list of column indices.
    ColumnsByRange(DataColumnSidecarsByRangeRequest),
    /// Data column sidecars by (block root, column indices).
    ColumnsByRoot(Vec<DataColumnsByRootIdentifier>),
    /// An inbound request whose bytes could not be decoded (answered `InvalidRequest`).
    Invalid {
        /// The protocol it came on.
        protocol: Protocol,
        /// What was wrong.
        error: CodecError,
    },
}

impl RpcRequest {
    /// The request's kind.
    pub fn kind(&self) -> RpcKind {
        match self {
            RpcRequest::Status(_) => RpcKind::Status,
            RpcRequest::Goodbye(_) => RpcKind::Goodbye,
            RpcRequest::Ping(_) => RpcKind::Ping,
            RpcRequest::MetaData => RpcKind::MetaData,
            RpcRequest::BlocksByRange(_) => RpcKind::BlocksByRange,
            RpcRequest::BlocksByRoot(_) => RpcKind::BlocksByRoot,
            RpcRequest::BlobsByRange(_) => RpcKind::BlobsByRange,
            RpcRequest::BlobsByRoot(_) => RpcKind::BlobsByRoot,
            RpcRequest::ColumnsByRange(_) => RpcKind::ColumnsByRange,
            RpcRequest::ColumnsByRoot(_) => RpcKind::ColumnsByRoot,
            RpcRequest::Invalid { protocol, .. } => {
                RpcKind::of_protocol(*protocol).unwrap_or(RpcKind::Status)
            }
        }
    }

    /// The request's SSZ in `protocol`'s version (empty for MetaData and `Invalid`).
    pub fn to_ssz(&self, protocol: Protocol) -> Vec<u8> {
        match self {
            RpcRequest::Status(status) => status.to_ssz(protocol),
            RpcRequest::Goodbye(reason) => reason.as_u64().as_ssz_bytes(),
            RpcRequest::Ping(seq) => seq.as_ssz_bytes(),
            RpcRequest::MetaData | RpcRequest::Invalid { .. } => Vec::new(),
            RpcRequest::BlocksByRange(request) => request.as_ssz_bytes(),
            RpcRequest::BlocksByRoot(roots) => roots.iter().flat_map(|r| r.0).collect(),
            RpcRequest::BlobsByRange(request) => request.as_ssz_bytes(),
            RpcRequest::BlobsByRoot(ids) => ids.iter().flat_map(Encode::as_ssz_bytes).collect(),
            RpcRequest::ColumnsByRange(request) => request.as_ssz_bytes(),
            // A list longer than the type allows is cut to it (the peer would refuse it).
            RpcRequest::ColumnsByRoot(ids) => {
                let bound = ids.len().min(crate::codec::MAX_REQUEST_BLOCKS_DENEB);
                DataColumnSidecarsByRootRequest::new(ids[..bound].to_vec())
                    .map(|list| list.as_ssz_bytes())
                    .unwrap_or_default()
            }
        }
    }

    /// Decodes the SSZ of an inbound request of `protocol`.
    ///
    /// # Errors
    ///
    /// [`CodecError::InvalidSsz`] when the bytes are not the protocol's request.
    pub fn from_ssz(protocol: Protocol, ssz: &[u8]) -> Result<RpcRequest, CodecError> {
        Ok(match protocol {
            Protocol::StatusV1 | Protocol::StatusV2 => {
                RpcRequest::Status(StatusMessage::from_ssz(ssz)?)
            }
            Protocol::Goodbye => RpcRequest::Goodbye(GoodbyeReason::from_u64(decode_ssz(ssz)?)),
            Protocol::Ping => RpcRequest::Ping(decode_ssz(ssz)?),
            Protocol::MetaDataV2 | Protocol::MetaDataV3 => RpcRequest::MetaData,
            Protocol::BlocksByRangeV2 => RpcRequest::BlocksByRange(decode_ssz(ssz)?),
            Protocol::BlocksByRootV2 => {
                let roots: BeaconBlocksByRootRequest = decode_ssz(ssz)?;
                RpcRequest::BlocksByRoot(roots.to_vec())
            }
            Protocol::BlobSidecarsByRange => RpcRequest::BlobsByRange(decode_ssz(ssz)?),
            Protocol::BlobSidecarsByRoot => {
                let ids: BlobSidecarsByRootRequest = decode_ssz(ssz)?;
                RpcRequest::BlobsByRoot(ids.to_vec())
            }
            Protocol::DataColumnSidecarsByRange => {
                let request: DataColumnSidecarsByRangeRequest = decode_ssz(ssz)?;
                check_column_indices(&request.columns, ssz.len())?;
                RpcRequest::ColumnsByRange(request)
            }
            Protocol::DataColumnSidecarsByRoot => {
                let ids: DataColumnSidecarsByRootRequest = decode_ssz(ssz)?;
                for id in ids.iter() {
                    check_column_indices(&id.columns, ssz.len())?;
                }
                RpcRequest::ColumnsByRoot(ids.to_vec())
            }
        })
    }

    /// The most response chunks the request allows: `count` blocks, `count` × the most
    /// blobs per block in the range, one per root or identifier, one for the rest.
    pub fn max_response_chunks(&self, chain: &ChainConfig) -> u64 {
        match self {
            RpcRequest::BlocksByRange(request) => request.count,
            RpcRequest::BlocksByRoot(roots) => roots.len() as u64,
            RpcRequest::BlobsByRange(request) => {
                request
                    .count
                    .saturating_mul(max_blobs_in(chain, request.start_slot, request.count))
            }
            RpcRequest::BlobsByRoot(ids) => ids.len() as u64,
            RpcRequest::ColumnsByRange(request) => {
                request.count.saturating_mul(request.columns.len() as u64)
            }
            RpcRequest::ColumnsByRoot(ids) => ids.iter().map(|id| id.columns.len() as u64).sum(),
            _ => 1,
        }
    }

    /// What the request costs in its kind's quota: blocks or sidecars it may return, or 1.
    pub fn cost(&self, chain: &ChainConfig) -> u64 {
        self.max_response_chunks(chain).max(1)
    }
}

/// Refuses column indices at or above `NUMBER_OF_COLUMNS`, or named twice.
fn check_column_indices(columns: &[u64], len: usize) -> Result<(), CodecError> {
    let mut seen = sync_types::ColumnSet::EMPTY;
    for &index in columns {
        if !seen.insert(index) {
            return Err(CodecError::InvalidSsz {
                type_name: "data column indices",
                len,
                detail: ssz::DecodeError::BytesInvalid(format!(
                    "column index {index} out of range or repeated"
                )),
            });
        }
    }
    Ok(())
}

/// The most blobs per block over the epochs of `start_slot .. start_slot + count`.
pub(crate) fn max_blobs_in(chain: &ChainConfig, start_slot: u64, count: u64) -> u64 {
    let last = start_slot.saturating_add(count.saturating_sub(1));
    chain
        .max_blobs_per_block_at_epoch(chain.slot_to_epoch(start_slot))
        .max(chain.max_blobs_per_block_at_epoch(chain.slot_to_epoch(last)))
}

/// Our `MetaData` (v2 fields, plus the Fulu custody group count for v3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MetaDataMessage {
    /// Sequence number, incremented on every change.
    pub seq_number: u64,
    /// Attestation subnet bits (`Bitvector[64]`, little-endian bytes).
    pub attnets: [u8; 8],
    /// Sync-committee subnet bits (the low 4 bits).
    pub syncnets: u8,
    /// Custody group count (v3 only; v2 messages read as `None`).
    pub custody_group_count: Option<u64>,
}

impl MetaDataMessage {
    /// The SSZ in `protocol`'s version (`metadata/2` or `metadata/3`).
    pub fn to_ssz(&self, protocol: Protocol) -> Vec<u8> {
        let mut out = Vec::with_capacity(METADATA_V3_SIZE);
        out.extend_from_slice(&self.seq_number.to_le_bytes());
        out.extend_from_slice(&self.attnets);
        out.push(self.syncnets & 0x0f);
        if protocol == Protocol::MetaDataV3 {
            out.extend_from_slice(&self.custody_group_count.unwrap_or(0).to_le_bytes());
        }
        out
    }

    /// Decodes a v2 (17 bytes) or v3 (25 bytes) message.
    ///
    /// # Errors
    ///
    /// [`CodecError::InvalidSsz`] for another length or invalid bits.
    pub fn from_ssz(ssz: &[u8]) -> Result<MetaDataMessage, CodecError> {
        let custody_group_count = if ssz.len() == METADATA_V3_SIZE {
            Some(decode_ssz::<MetaDataV3>(ssz)?.custody_group_count)
        } else {
            decode_ssz::<MetaDataV2>(ssz)?;
            None
        };
        // Both layouts start with seq (8), attnets (8) and syncnets (1): the decode above
        // checked the length, so these reads cannot fail.
        let array = |range: std::ops::Range<usize>| -> [u8; 8] {
            ssz.get(range)
                .and_then(|bytes| bytes.try_into().ok())
                .unwrap_or_default()
        };
        Ok(MetaDataMessage {
            seq_number: u64::from_le_bytes(array(0..8)),
            attnets: array(8..16),
            syncnets: ssz.get(16).copied().unwrap_or(0),
            custody_group_count,
        })
    }
}

/// A response, as read from a peer or to be written to one.
#[derive(Debug)]
pub enum RpcResponse {
    /// What a peer sent (the read side always gives this).
    Received(ReceivedResponse),
    /// Our status, in the negotiated version.
    Status(StatusMessage),
    /// Our metadata, in the negotiated version.
    MetaData(MetaDataMessage),
    /// Our metadata sequence number, answering a ping.
    Ping(u64),
    /// An error chunk alone.
    Error(ResultCode, ErrorMessage),
    /// No chunk at all (an empty list, or a Goodbye answer).
    Empty,
    /// Chunks produced while they are written (block and sidecar lists); the stream ends
    /// when the sender is dropped.
    Stream(mpsc::Receiver<ResponseChunk>),
}

/// The chunks a peer sent for one request.
#[derive(Clone, Debug, PartialEq)]
pub struct ReceivedResponse {
    /// The negotiated protocol (says the version of a status or metadata).
    pub protocol: Protocol,
    /// The success chunks, in order.
    pub items: Vec<SuccessChunk>,
    /// The error chunk that ended the response, if any.
    pub error: Option<ErrorChunk>,
    /// The bytes read from the stream.
    pub wire_bytes: u64,
}

impl ReceivedResponse {
    /// The success chunks, or the error the error chunk stands for.
    ///
    /// # Errors
    ///
    /// The [`RequestError`] of the error chunk (see [`error_chunk_to_request_error`]).
    pub fn into_items(self) -> Result<Vec<SuccessChunk>, RequestError> {
        match self.error {
            Some(chunk) => Err(error_chunk_to_request_error(&chunk)),
            None => Ok(self.items),
        }
    }

    /// The one success chunk of a single-chunk protocol.
    ///
    /// # Errors
    ///
    /// The error chunk's [`RequestError`], or [`RequestError::Malformed`] without a chunk.
    pub fn into_single(self) -> Result<SuccessChunk, RequestError> {
        let protocol = self.protocol;
        self.into_items()?.into_iter().next().ok_or_else(|| {
            RequestError::Malformed(Box::new(super::RpcError::Codec {
                protocol,
                source: CodecError::EmptyResponse { protocol },
            }))
        })
    }
}

#[cfg(test)]
mod tests {
    use consensus::Fork;

    use super::*;
    use crate::codec::{METADATA_V2_SIZE, Protocol};

    #[test]
    fn metadata_round_trips_in_both_versions() {
        let ours = MetaDataMessage {
            seq_number: 9,
            attnets: [1, 2, 3, 4, 5, 6, 7, 8],
            syncnets: 0b1010,
            custody_group_count: Some(128),
        };
        let v3 = ours.to_ssz(Protocol::MetaDataV3);
        assert_eq!(v3.len(), METADATA_V3_SIZE);
        assert_eq!(MetaDataMessage::from_ssz(&v3), Ok(ours));
        let v2 = ours.to_ssz(Protocol::MetaDataV2);
        assert_eq!(v2.len(), METADATA_V2_SIZE);
        let back = MetaDataMessage::from_ssz(&v2).unwrap();
        assert_eq!(back.custody_group_count, None);
        assert_eq!((back.seq_number, back.syncnets), (9, 0b1010));
        // Padding bits of the 4-bit syncnets must be zero.
        let mut bad = v2;
        bad[16] = 0xf0;
        assert!(MetaDataMessage::from_ssz(&bad).is_err());
    }

    #[test]
    fn by_root_requests_round_trip_and_bound_their_responses() {
        let chain = ChainConfig::devnet(Fork::Electra, 0, Hash256::ZERO);
        let roots = vec![Hash256::repeat_byte(1), Hash256::repeat_byte(2)];
        let request = RpcRequest::BlocksByRoot(roots);
        let ssz = request.to_ssz(Protocol::BlocksByRootV2);
        assert_eq!(ssz.len(), 64);
        assert_eq!(
            RpcRequest::from_ssz(Protocol::BlocksByRootV2, &ssz),
            Ok(request.clone())
        );
        assert_eq!(request.max_response_chunks(&chain), 2);
        let ids = RpcRequest::BlobsByRoot(vec![BlobIdentifier {
            block_root: Hash256::repeat_byte(3),
            index: 4,
        }]);
        let ssz = ids.to_ssz(Protocol::BlobSidecarsByRoot);
        assert_eq!(
            RpcRequest::from_ssz(Protocol::BlobSidecarsByRoot, &ssz),
            Ok(ids)
        );
        let blobs = RpcRequest::BlobsByRange(BlobSidecarsByRangeRequest {
            start_slot: 0,
            count: 10,
        });
        assert_eq!(
            blobs.max_response_chunks(&chain),
            90,
            "9 blobs per Electra block"
        );
    }
}
