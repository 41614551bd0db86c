//! The req/resp message containers: status, metadata and the by-range/by-root requests.

use ssz_derive::{Decode, Encode};
use ssz_types::typenum::{Prod, U4, U9, U64, U128, U1024};
use ssz_types::{BitVector, VariableList};
use tree_hash_derive::TreeHash;

use super::sidecar::BlobIdentifier;
use crate::primitives::{ForkDigest, Hash256};

/// `Status` v1: the handshake every connection starts with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct StatusV1 {
    /// The sender's current fork digest.
    pub fork_digest: ForkDigest,
    /// Its finalized checkpoint root (zero at genesis).
    pub finalized_root: Hash256,
    /// Its finalized epoch.
    pub finalized_epoch: u64,
    /// Its head block root.
    pub head_root: Hash256,
    /// Its head slot.
    pub head_slot: u64,
}

/// `Status` v2 (Fulu): v1 plus the earliest slot the peer can serve.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct StatusV2 {
    /// The sender's current fork digest.
    pub fork_digest: ForkDigest,
    /// Its finalized checkpoint root (zero at genesis).
    pub finalized_root: Hash256,
    /// Its finalized epoch.
    pub finalized_epoch: u64,
    /// Its head block root.
    pub head_root: Hash256,
    /// Its head slot.
    pub head_slot: u64,
    /// The earliest slot of which it has the block (and, in the window, the blobs).
    pub earliest_available_slot: u64,
}

/// `MetaData` v2 (Altair).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct MetaDataV2 {
    /// Incremented whenever the rest changes.
    pub seq_number: u64,
    /// Attestation subnets subscribed.
    pub attnets: BitVector<U64>,
    /// Sync-committee subnets subscribed.
    pub syncnets: BitVector<U4>,
}

/// `MetaData` v3 (Fulu): v2 plus the custody group count.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct MetaDataV3 {
    /// Incremented whenever the rest changes.
    pub seq_number: u64,
    /// Attestation subnets subscribed.
    pub attnets: BitVector<U64>,
    /// Sync-committee subnets subscribed.
    pub syncnets: BitVector<U4>,
    /// How many custody groups the node keeps.
    pub custody_group_count: u64,
}

/// `BeaconBlocksByRangeRequest` (v2; `step` is deprecated and must be 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct BeaconBlocksByRangeRequest {
    /// First slot.
    pub start_slot: u64,
    /// Number of slots.
    pub count: u64,
    /// Always 1.
    pub step: u64,
}

/// `BlobSidecarsByRangeRequest`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct BlobSidecarsByRangeRequest {
    /// First slot.
    pub start_slot: u64,
    /// Number of slots.
    pub count: u64,
}

/// `DataColumnSidecarsByRangeRequest` (Fulu).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TreeHash)]
pub struct DataColumnSidecarsByRangeRequest {
    /// First slot.
    pub start_slot: u64,
    /// Number of slots.
    pub count: u64,
    /// The columns wanted (at most `NUMBER_OF_COLUMNS`).
    pub columns: VariableList<u64, U128>,
}

/// `DataColumnsByRootIdentifier` (Fulu): a block and the columns wanted of it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Encode, Decode, TreeHash)]
pub struct DataColumnsByRootIdentifier {
    /// The block's root.
    pub block_root: Hash256,
    /// The column indices wanted (at most `NUMBER_OF_COLUMNS`).
    pub columns: VariableList<u64, U128>,
}

/// `DataColumnSidecarsByRootRequest` (Fulu): at most `MAX_REQUEST_BLOCKS_DENEB` (128)
/// identifiers.
pub type DataColumnSidecarsByRootRequest = VariableList<DataColumnsByRootIdentifier, U128>;

/// `BeaconBlocksByRootRequest`: at most `MAX_REQUEST_BLOCKS` (1024) roots on the wire;
/// from Deneb on, servers answer at most `MAX_REQUEST_BLOCKS_DENEB` (128) of them.
pub type BeaconBlocksByRootRequest = VariableList<Hash256, U1024>;

/// `BlobSidecarsByRootRequest`: at most `MAX_REQUEST_BLOB_SIDECARS_ELECTRA` (1152)
/// identifiers.
pub type BlobSidecarsByRootRequest = VariableList<BlobIdentifier, Prod<U128, U9>>;

/// A `Ping` or `Goodbye` body is a bare `uint64`; these names say which.
pub type Ping = u64;
/// The `Goodbye` reason code.
pub type GoodbyeReason = u64;
