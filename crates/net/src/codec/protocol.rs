//! The req/resp protocols beacon-sync speaks, with the SSZ size bounds of their requests
//! and response items.
//!
//! The bounds are checked against the length prefix *before* any payload byte is read or
//! any buffer is sized, so a peer cannot make us buffer more than the type allows.

use std::fmt;

use consensus::containers::BLOB_SIDECAR_SIZE;

/// `MAX_PAYLOAD_SIZE`: the largest uncompressed req/resp payload (10 MiB, every fork).
pub const MAX_PAYLOAD_SIZE: usize = 10 * 1024 * 1024;

/// SSZ size of `Status` v1.
pub const STATUS_V1_SIZE: usize = 84;
/// SSZ size of `Status` v2 (Fulu).
pub const STATUS_V2_SIZE: usize = 92;
/// SSZ size of a `uint64` (`Ping`, `Goodbye`).
pub const UINT64_SIZE: usize = 8;
/// SSZ size of `MetaData` v2 (Altair).
pub const METADATA_V2_SIZE: usize = 17;
/// SSZ size of `MetaData` v3 (Fulu).
pub const METADATA_V3_SIZE: usize = 25;
/// SSZ size of `BeaconBlocksByRangeRequest` v2.
pub const BLOCKS_BY_RANGE_REQUEST_SIZE: usize = 24;
/// SSZ size of `BlobSidecarsByRangeRequest`.
pub const BLOB_SIDECARS_BY_RANGE_REQUEST_SIZE: usize = 16;
/// The smallest valid `SignedBeaconBlock`: a phase0 block with empty operation lists
/// (offset 4, signature 96, block header fields 84, body fixed part 220).
pub const MIN_SIGNED_BLOCK_SIZE: usize = 404;
/// `MAX_REQUEST_BLOCKS`: roots in a `BeaconBlocksByRootRequest` (the container's bound).
pub const MAX_REQUEST_BLOCKS: usize = 1024;
/// `MAX_REQUEST_BLOB_SIDECARS_ELECTRA`: identifiers in a `BlobSidecarsByRootRequest`.
pub const MAX_REQUEST_BLOB_SIDECARS: usize = 1152;
/// `MAX_REQUEST_BLOCKS_DENEB`: identifiers in a `DataColumnSidecarsByRootRequest`.
pub const MAX_REQUEST_BLOCKS_DENEB: usize = 128;
/// `NUMBER_OF_COLUMNS` (Fulu): the longest column list in a data column request.
pub const NUMBER_OF_COLUMNS: usize = 128;
/// Fixed part of a `DataColumnSidecar`: index 8, three list offsets 12, signed header
/// 208, inclusion proof 4 × 32.
pub const DATA_COLUMN_SIDECAR_FIXED_SIZE: usize = 356;
/// Bytes a `DataColumnSidecar` grows by per blob: a 2048-byte cell, a 48-byte commitment
/// and a 48-byte proof.
pub const DATA_COLUMN_SIDECAR_PER_BLOB_SIZE: usize = 2144;
/// `MAX_BLOB_COMMITMENTS_PER_BLOCK`: the list bound of a data column sidecar.
pub const MAX_BLOB_COMMITMENTS_PER_BLOCK: usize = 4096;
/// The longest error message kept (`ErrorMessage = List[byte, 256]`).
pub const MAX_ERROR_MESSAGE_SIZE: usize = 256;
/// The longest error payload accepted on the wire. Longer than the SSZ bound on purpose:
/// some clients send longer messages, and the decoder keeps the first
/// [`MAX_ERROR_MESSAGE_SIZE`] bytes rather than failing the whole exchange over a message.
pub const MAX_ERROR_PAYLOAD_ACCEPTED: usize = 1024;

/// Size bounds of an SSZ type on the wire: `min <= len <= max` and `len % multiple_of == 0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SszBounds {
    /// The smallest valid length.
    pub min: usize,
    /// The largest valid length.
    pub max: usize,
    /// Valid lengths are multiples of this (the item size of a list of fixed-size items).
    pub multiple_of: usize,
}

impl SszBounds {
    /// Bounds of a fixed-size type.
    pub const fn exact(size: usize) -> SszBounds {
        SszBounds {
            min: size,
            max: size,
            multiple_of: 1,
        }
    }

    /// Bounds `min..=max` with no step.
    pub const fn range(min: usize, max: usize) -> SszBounds {
        SszBounds {
            min,
            max,
            multiple_of: 1,
        }
    }

    /// Bounds of a non-empty bare list of `item`-byte items, at most `max_items` long.
    pub const fn list_of(item: usize, max_items: usize) -> SszBounds {
        SszBounds {
            min: item,
            max: item * max_items,
            multiple_of: item,
        }
    }

    /// Bounds of an error payload: anything up to [`MAX_ERROR_PAYLOAD_ACCEPTED`], empty
    /// included (a lenient reading of `ErrorMessage`).
    pub const fn error_message() -> SszBounds {
        SszBounds::range(0, MAX_ERROR_PAYLOAD_ACCEPTED)
    }

    /// Whether `len` is a valid length.
    pub const fn contains(&self, len: u64) -> bool {
        // Widening casts: usize is at most 64 bits on every supported target.
        let (min, max) = (self.min as u64, self.max as u64);
        len >= min
            && len <= max
            && (self.multiple_of <= 1 || len.is_multiple_of(self.multiple_of as u64))
    }
}

/// How many chunks a response has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResponseKind {
    /// Exactly one chunk.
    Single,
    /// Zero or more chunks, one per item; an empty list is a closed stream.
    List,
}

/// A req/resp protocol, as negotiated by multistream-select.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    /// `status/1`.
    StatusV1,
    /// `status/2` (Fulu: adds `earliest_available_slot`).
    StatusV2,
    /// `goodbye/1`.
    Goodbye,
    /// `ping/1`.
    Ping,
    /// `metadata/2` (Altair).
    MetaDataV2,
    /// `metadata/3` (Fulu: adds `custody_group_count`).
    MetaDataV3,
    /// `beacon_blocks_by_range/2`.
    BlocksByRangeV2,
    /// `beacon_blocks_by_root/2`.
    BlocksByRootV2,
    /// `blob_sidecars_by_range/1`.
    BlobSidecarsByRange,
    /// `blob_sidecars_by_root/1`.
    BlobSidecarsByRoot,
    /// `data_column_sidecars_by_range/1`.
    DataColumnSidecarsByRange,
    /// `data_column_sidecars_by_root/1`.
    DataColumnSidecarsByRoot,
}

impl Protocol {
    /// Every protocol.
    pub const ALL: [Protocol; 12] = [
        Protocol::StatusV1,
        Protocol::StatusV2,
        Protocol::Goodbye,
        Protocol::Ping,
        Protocol::MetaDataV2,
        Protocol::MetaDataV3,
        Protocol::BlocksByRangeV2,
        Protocol::BlocksByRootV2,
        Protocol::BlobSidecarsByRange,
        Protocol::BlobSidecarsByRoot,
        Protocol::DataColumnSidecarsByRange,
        Protocol::DataColumnSidecarsByRoot,
    ];

    /// The full protocol id, e.g. `/eth2/beacon_chain/req/status/1/ssz_snappy`.
    pub const fn protocol_id(self) -> &'static str {
        match self {
            Protocol::StatusV1 => "/eth2/beacon_chain/req/status/1/ssz_snappy",
            Protocol::StatusV2 => "/eth2/beacon_chain/req/status/2/ssz_snappy",
            Protocol::Goodbye => "/eth2/beacon_chain/req/goodbye/1/ssz_snappy",
            Protocol::Ping => "/eth2/beacon_chain/req/ping/1/ssz_snappy",
            Protocol::MetaDataV2 => "/eth2/beacon_chain/req/metadata/2/ssz_snappy",
            Protocol::MetaDataV3 => "/eth2/beacon_chain/req/metadata/3/ssz_snappy",
            Protocol::BlocksByRangeV2 => {
                "/eth2/beacon_chain/req/beacon_blocks_by_range/2/ssz_snappy"
            }
            Protocol::BlocksByRootV2 => "/eth2/beacon_chain/req/beacon_blocks_by_root/2/ssz_snappy",
            Protocol::BlobSidecarsByRange => {
                "/eth2/beacon_chain/req/blob_sidecars_by_range/1/ssz_snappy"
            }
            Protocol::BlobSidecarsByRoot => {
                "/eth2/beacon_chain/req/blob_sidecars_by_root/1/ssz_snappy"
            }
            Protocol::DataColumnSidecarsByRange => {
                "/eth2/beacon_chain/req/data_column_sidecars_by_range/1/ssz_snappy"
            }
            Protocol::DataColumnSidecarsByRoot => {
                "/eth2/beacon_chain/req/data_column_sidecars_by_root/1/ssz_snappy"
            }
        }
    }

    /// The protocol with this exact id, if any.
    pub fn from_protocol_id(id: &str) -> Option<Protocol> {
        Protocol::ALL
            .into_iter()
            .find(|protocol| protocol.protocol_id() == id)
    }

    /// Whether success chunks of the response carry 4 context bytes (the fork digest of
    /// the item's epoch).
    pub const fn has_context_bytes(self) -> bool {
        matches!(
            self,
            Protocol::BlocksByRangeV2
                | Protocol::BlocksByRootV2
                | Protocol::BlobSidecarsByRange
                | Protocol::BlobSidecarsByRoot
                | Protocol::DataColumnSidecarsByRange
                | Protocol::DataColumnSidecarsByRoot
        )
    }

    /// Whether the response is one chunk or a list of chunks.
    pub const fn response_kind(self) -> ResponseKind {
        if self.has_context_bytes() {
            ResponseKind::List
        } else {
            ResponseKind::Single
        }
    }

    /// Whether a response stream may close without any chunk: true for lists (an empty
    /// list) and for Goodbye (clients usually disconnect instead of answering).
    pub const fn allows_empty_response(self) -> bool {
        matches!(self.response_kind(), ResponseKind::List) || matches!(self, Protocol::Goodbye)
    }

    /// Bounds of the request's SSZ; `None` when the request has no content at all
    /// (MetaData: the requester sends zero bytes and half-closes).
    pub const fn request_bounds(self) -> Option<SszBounds> {
        Some(match self {
            Protocol::StatusV1 => SszBounds::exact(STATUS_V1_SIZE),
            Protocol::StatusV2 => SszBounds::exact(STATUS_V2_SIZE),
            Protocol::Goodbye | Protocol::Ping => SszBounds::exact(UINT64_SIZE),
            Protocol::MetaDataV2 | Protocol::MetaDataV3 => return None,
            Protocol::BlocksByRangeV2 => SszBounds::exact(BLOCKS_BY_RANGE_REQUEST_SIZE),
            // A bare list of 32-byte roots.
            Protocol::BlocksByRootV2 => SszBounds::list_of(32, MAX_REQUEST_BLOCKS),
            Protocol::BlobSidecarsByRange => SszBounds::exact(BLOB_SIDECARS_BY_RANGE_REQUEST_SIZE),
            // A bare list of 40-byte `BlobIdentifier`s.
            Protocol::BlobSidecarsByRoot => SszBounds::list_of(40, MAX_REQUEST_BLOB_SIDECARS),
            // start_slot, count, offset, then up to 128 column indices.
            Protocol::DataColumnSidecarsByRange => SszBounds::range(20, 20 + 8 * NUMBER_OF_COLUMNS),
            // A list of variable-size `DataColumnsByRootIdentifier(root, columns)`: per
            // item a 4-byte offset, the root, a 4-byte offset and up to 128 indices.
            Protocol::DataColumnSidecarsByRoot => {
                SszBounds::range(40, MAX_REQUEST_BLOCKS_DENEB * (40 + 8 * NUMBER_OF_COLUMNS))
            }
        })
    }

    /// Bounds of one response item's SSZ (a success chunk's payload).
    pub const fn response_bounds(self) -> SszBounds {
        match self {
            Protocol::StatusV1 => SszBounds::exact(STATUS_V1_SIZE),
            Protocol::StatusV2 => SszBounds::exact(STATUS_V2_SIZE),
            Protocol::Goodbye | Protocol::Ping => SszBounds::exact(UINT64_SIZE),
            Protocol::MetaDataV2 => SszBounds::exact(METADATA_V2_SIZE),
            Protocol::MetaDataV3 => SszBounds::exact(METADATA_V3_SIZE),
            Protocol::BlocksByRangeV2 | Protocol::BlocksByRootV2 => {
                SszBounds::range(MIN_SIGNED_BLOCK_SIZE, MAX_PAYLOAD_SIZE)
            }
            Protocol::BlobSidecarsByRange | Protocol::BlobSidecarsByRoot => {
                SszBounds::exact(BLOB_SIDECAR_SIZE)
            }
            Protocol::DataColumnSidecarsByRange | Protocol::DataColumnSidecarsByRoot => {
                SszBounds::range(
                    DATA_COLUMN_SIDECAR_FIXED_SIZE,
                    DATA_COLUMN_SIDECAR_FIXED_SIZE
                        + DATA_COLUMN_SIDECAR_PER_BLOB_SIZE * MAX_BLOB_COMMITMENTS_PER_BLOCK,
                )
            }
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.protocol_id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bound_fits_the_max_payload_size() {
        for protocol in Protocol::ALL {
            let response = protocol.response_bounds();
            assert!(response.min <= response.max && response.max <= MAX_PAYLOAD_SIZE);
            if let Some(request) = protocol.request_bounds() {
                assert!(request.min > 0 && request.min <= request.max);
                assert!(request.max <= MAX_PAYLOAD_SIZE);
            }
        }
    }

    #[test]
    fn protocol_ids_round_trip_and_are_distinct() {
        for protocol in Protocol::ALL {
            assert_eq!(
                Protocol::from_protocol_id(protocol.protocol_id()),
                Some(protocol)
            );
        }
        assert_eq!(
            Protocol::from_protocol_id("/eth2/beacon_chain/req/metadata/1/ssz_snappy"),
            None
        );
    }

    #[test]
    fn list_bounds_check_the_item_size() {
        let roots = Protocol::BlocksByRootV2.request_bounds().unwrap();
        assert!(roots.contains(32) && roots.contains(64) && roots.contains(32 * 1024));
        assert!(!roots.contains(0) && !roots.contains(33) && !roots.contains(32 * 1025));
        assert_eq!(BLOB_SIDECAR_SIZE, 131_928);
        assert_eq!(
            Protocol::DataColumnSidecarsByRange.response_bounds().max,
            356 + 2144 * 4096
        );
    }
}
