//! Typed decoding of success chunks: SSZ containers, and blocks and sidecars checked
//! against their context bytes.
//!
//! The context bytes select the SSZ layout (via [`ChainConfig::fork_for_digest`]), and
//! must equal the fork digest of the epoch of the item's slot: a peer that labels a Fulu
//! block as Electra, or a block of one blob-parameter epoch with another's digest, is
//! caught here.

use consensus::config::ChainConfig;
use consensus::containers::DataColumnSidecar;
use consensus::primitives::ForkDigest;
use consensus::{Block, Fork, Sidecar};

use super::error::CodecError;
use super::response::SuccessChunk;

/// Byte offset of `message` in every fork's `SignedBeaconBlock` (offset 4, signature 96).
const SIGNED_BLOCK_MESSAGE_OFFSET: usize = 100;
/// The same offset as it is written in the block's first 4 bytes.
const SIGNED_BLOCK_MESSAGE_OFFSET_LE: [u8; 4] = 100u32.to_le_bytes();

/// Decodes `ssz` as a `T`.
///
/// # Errors
///
/// [`CodecError::InvalidSsz`] when the bytes are not a valid `T`.
pub fn decode_ssz<T: ssz::Decode>(ssz: &[u8]) -> Result<T, CodecError> {
    T::from_ssz_bytes(ssz).map_err(|detail| CodecError::InvalidSsz {
        type_name: std::any::type_name::<T>(),
        len: ssz.len(),
        detail,
    })
}

/// Decodes a block of a blocks-by-range or blocks-by-root chunk, choosing its fork by the
/// context bytes and checking them against the block's slot.
///
/// # Errors
///
/// [`CodecError::UnknownContext`] for a digest this chain never uses,
/// [`CodecError::WrongContext`] when it is not the digest of the block's epoch, and
/// [`CodecError::InvalidBlock`] when the bytes are not a block of that fork.
pub fn decode_block(
    config: &ChainConfig,
    context: ForkDigest,
    ssz: &[u8],
) -> Result<(Fork, Block), CodecError> {
    let fork = fork_of(config, context)?;
    // Read the slot before decoding: a wrong digest also means the wrong layout, and the
    // context error is the one that says what went wrong.
    if let Some(slot) = peek_block_slot(ssz) {
        check_context(config, context, slot)?;
    }
    let block =
        Block::from_ssz_bytes(ssz, fork).map_err(|source| CodecError::InvalidBlock { source })?;
    check_context(config, context, block.signed().slot())?;
    Ok((fork, block))
}

/// Decodes a blob sidecar of a blob-sidecars chunk, checking the context bytes against
/// the slot of its block header (the layout is Deneb's in every fork that has them).
///
/// # Errors
///
/// [`CodecError::UnknownContext`], [`CodecError::InvalidSsz`],
/// [`CodecError::WrongContext`], and [`CodecError::SidecarForkMismatch`] for a slot
/// outside Deneb and Electra (Fulu serves data columns instead).
pub fn decode_blob_sidecar(
    config: &ChainConfig,
    context: ForkDigest,
    ssz: &[u8],
) -> Result<Sidecar, CodecError> {
    let fork = fork_of(config, context)?;
    let sidecar = Sidecar::from_ssz_bytes(ssz).map_err(|error| CodecError::InvalidSsz {
        type_name: "BlobSidecar",
        len: error.len,
        detail: error.detail,
    })?;
    let slot = sidecar.sidecar().signed_block_header.message.slot;
    check_context(config, context, slot)?;
    if !fork.has_blobs() || fork.has_data_columns() {
        return Err(CodecError::SidecarForkMismatch {
            what: "blob sidecar",
            fork,
            slot,
        });
    }
    Ok(sidecar)
}

/// Decodes a data column sidecar of a data-column-sidecars chunk, checking the context
/// bytes against the slot of its block header.
///
/// # Errors
///
/// [`CodecError::UnknownContext`], [`CodecError::InvalidSsz`],
/// [`CodecError::WrongContext`], and [`CodecError::SidecarForkMismatch`] for a slot
/// before Fulu.
pub fn decode_data_column_sidecar(
    config: &ChainConfig,
    context: ForkDigest,
    ssz: &[u8],
) -> Result<DataColumnSidecar, CodecError> {
    let fork = fork_of(config, context)?;
    let sidecar: DataColumnSidecar = decode_ssz(ssz)?;
    let slot = sidecar.signed_block_header.message.slot;
    check_context(config, context, slot)?;
    if !fork.has_data_columns() {
        return Err(CodecError::SidecarForkMismatch {
            what: "data column sidecar",
            fork,
            slot,
        });
    }
    Ok(sidecar)
}

impl SuccessChunk {
    /// Decodes the payload as a `T` (Status, MetaData, Ping...).
    ///
    /// # Errors
    ///
    /// As [`decode_ssz`].
    pub fn decode_ssz<T: ssz::Decode>(&self) -> Result<T, CodecError> {
        decode_ssz(&self.ssz)
    }

    /// Decodes the payload as a block (see [`decode_block`]).
    ///
    /// # Errors
    ///
    /// As [`decode_block`], and [`CodecError::MissingContext`] without context bytes.
    pub fn decode_block(&self, config: &ChainConfig) -> Result<(Fork, Block), CodecError> {
        decode_block(
            config,
            self.context.ok_or(CodecError::MissingContext)?,
            &self.ssz,
        )
    }

    /// Decodes the payload as a blob sidecar (see [`decode_blob_sidecar`]).
    ///
    /// # Errors
    ///
    /// As [`decode_blob_sidecar`], and [`CodecError::MissingContext`].
    pub fn decode_blob_sidecar(&self, config: &ChainConfig) -> Result<Sidecar, CodecError> {
        decode_blob_sidecar(
            config,
            self.context.ok_or(CodecError::MissingContext)?,
            &self.ssz,
        )
    }

    /// Decodes the payload as a data column sidecar (see [`decode_data_column_sidecar`]).
    ///
    /// # Errors
    ///
    /// As [`decode_data_column_sidecar`], and [`CodecError::MissingContext`].
    pub fn decode_data_column_sidecar(
        &self,
        config: &ChainConfig,
    ) -> Result<DataColumnSidecar, CodecError> {
        decode_data_column_sidecar(
            config,
            self.context.ok_or(CodecError::MissingContext)?,
            &self.ssz,
        )
    }
}

fn fork_of(config: &ChainConfig, context: ForkDigest) -> Result<Fork, CodecError> {
    config
        .fork_for_digest(context)
        .ok_or(CodecError::UnknownContext { digest: context })
}

fn check_context(config: &ChainConfig, got: ForkDigest, slot: u64) -> Result<(), CodecError> {
    let expected = config.fork_digest_at_epoch(config.slot_to_epoch(slot));
    if got == expected {
        Ok(())
    } else {
        Err(CodecError::WrongContext {
            got,
            expected,
            slot,
        })
    }
}

/// The slot of a `SignedBeaconBlock`, read from its fixed place (the message offset must
/// be 100, and the slot is the message's first field); `None` if the bytes are too short
/// or laid out otherwise.
fn peek_block_slot(ssz: &[u8]) -> Option<u64> {
    if ssz.get(..4)? != SIGNED_BLOCK_MESSAGE_OFFSET_LE {
        return None;
    }
    let slot = ssz.get(SIGNED_BLOCK_MESSAGE_OFFSET..SIGNED_BLOCK_MESSAGE_OFFSET + 8)?;
    Some(u64::from_le_bytes(slot.try_into().ok()?))
}
