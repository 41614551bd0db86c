//! The blob sidecar as the sync carries it: shared, with its block root computed once.

use std::sync::Arc;

use ssz::{Decode, Encode};
use tree_hash::TreeHash;

use crate::containers::BlobSidecar;
use crate::primitives::{Hash256, to_root};

/// A `BlobSidecar` that could not be decoded.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("invalid blob sidecar ({len} bytes): {detail:?}")]
pub struct SidecarDecodeError {
    /// The input length.
    pub len: usize,
    /// What the SSZ decoder found.
    pub detail: ssz::DecodeError,
}

/// A decoded blob sidecar with the root of its block header computed once.
///
/// Cloning is cheap (the 128 KiB blob is shared).
#[derive(Clone, Debug, PartialEq)]
pub struct Sidecar {
    inner: Arc<BlobSidecar>,
    block_root: Hash256,
}

impl Sidecar {
    /// Wraps `sidecar`, computing its block root.
    pub fn new(sidecar: BlobSidecar) -> Sidecar {
        let block_root = sidecar.signed_block_header.message.tree_hash_root();
        Sidecar {
            inner: Arc::new(sidecar),
            block_root,
        }
    }

    /// Decodes a `BlobSidecar`.
    ///
    /// # Errors
    /// [`SidecarDecodeError`] when the bytes are not a blob sidecar.
    pub fn from_ssz_bytes(bytes: &[u8]) -> Result<Sidecar, SidecarDecodeError> {
        BlobSidecar::from_ssz_bytes(bytes)
            .map(Sidecar::new)
            .map_err(|detail| SidecarDecodeError {
                len: bytes.len(),
                detail,
            })
    }

    /// The SSZ encoding: the same bytes as `BlobSidecar`'s derived encoding (a test
    /// checks it), written field by field so that the 128 KiB blob is copied in one go:
    /// `ssz_types` encodes a byte vector one byte at a time, which was 1 s of CPU per
    /// 11,000 sidecars committed. Every field is fixed-size, so the container's encoding
    /// is the fields' encodings in order.
    pub fn as_ssz_bytes(&self) -> Vec<u8> {
        let BlobSidecar {
            index,
            blob,
            kzg_commitment,
            kzg_proof,
            signed_block_header,
            kzg_commitment_inclusion_proof,
        } = &*self.inner;
        let mut out = Vec::with_capacity(self.inner.ssz_bytes_len());
        index.ssz_append(&mut out);
        out.extend_from_slice(blob);
        kzg_commitment.ssz_append(&mut out);
        kzg_proof.ssz_append(&mut out);
        signed_block_header.ssz_append(&mut out);
        kzg_commitment_inclusion_proof.ssz_append(&mut out);
        out
    }

    /// The sidecar.
    pub fn sidecar(&self) -> &BlobSidecar {
        &self.inner
    }

    /// The hash tree root of the `BlobSidecar` itself, computed on each call.
    pub fn root(&self) -> Hash256 {
        self.inner.tree_hash_root()
    }

    /// The root of the block the sidecar claims to belong to.
    pub fn block_root(&self) -> Hash256 {
        self.block_root
    }
}

impl sync_types::SidecarView for Sidecar {
    fn slot(&self) -> sync_types::Slot {
        sync_types::Slot(self.inner.signed_block_header.message.slot)
    }

    fn index(&self) -> u64 {
        self.inner.index
    }

    fn block_root(&self) -> sync_types::Root {
        to_root(self.block_root)
    }
}
