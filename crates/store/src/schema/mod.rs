//! The on-disk layout: redb tables, meta keys and value encodings (schema version
//! [`SCHEMA_VERSION`]).
//!
//! | table | key | value |
//! |---|---|---|
//! | [`BLOCKS`] `blocks` | block root (32 bytes) | fork byte ([`fork_byte`]) ‖ SSZ length (u32 LE) |
//! | [`BLOCK_CHUNKS`] `block_chunks` | (block root, chunk) | the block's SSZ, chunk by chunk |
//! | [`CANONICAL_SLOTS`] `canonical_slots` | slot (u64) | block root of the stored chain at that slot |
//! | [`BLOB_SIDECARS`] `blob_sidecars` | (block root, index) | SSZ length (u32) |
//! | [`BLOB_SIDECAR_CHUNKS`] `blob_sidecar_chunks` | (block root, index, chunk) | the sidecar's SSZ, chunk by chunk |
//! | [`DATA_COLUMNS`] `data_columns` | (block root, column index) | fork byte ([`fork_byte`]) ‖ SSZ length (u32 LE) |
//! | [`DATA_COLUMN_CHUNKS`] `data_column_chunks` | (block root, column index, chunk) | the column's SSZ, chunk by chunk |
//! | [`META`] `meta` | name (text) | see the `*_KEY` constants |
//!
//! **Why chunks.** redb gives a value that does not fit a 4 KiB page a page of the next
//! power-of-two size: a 131,928-byte blob sidecar takes 256 KiB, twice its size on disk.
//! Stored as chunks of [`CHUNK_BYTES`] (8,000 bytes, which fill 8 KiB pages) the same
//! sidecars take about 4% more than their size (measured on 1,000 sidecars: 1.04x of
//! allocated pages, against 1.99x). Blocks are chunked the same way, since mainnet blocks
//! range over tens to hundreds of KiB, and so are data columns (356 + 2,144 bytes per
//! blob: 45 KiB at 21 blobs, more as the blob schedule grows). Chunk `n` holds bytes
//! `n * CHUNK_BYTES ..`; every chunk but the last is full, and the record's length says
//! how many there are.
//!
//! **Why columns record their fork.** A blob sidecar has had one layout since Deneb; a
//! data column sidecar changes layout in the fork after Fulu. The fork byte (the block's
//! fork) lets a reader without a chain config, such as `inspect`, decode a column and
//! give a server its context bytes.
//!
//! Meta values: [`SCHEMA_VERSION_KEY`] u32 little-endian; [`NETWORK_NAME_KEY`] UTF-8;
//! [`GENESIS_VALIDATORS_ROOT_KEY`] 32 bytes; [`GENESIS_TIME_KEY`] u64 LE;
//! [`TRUSTED_ANCHOR_KEY`] and
//! [`FORWARD_HEAD_KEY`] root ‖ slot (u64 LE); [`BACKFILL_MARK_KEY`] parent root ‖ slot
//! (u64 LE); [`EARLIEST_AVAILABLE_SLOT_KEY`] u64 LE. The anchor keys are absent until the
//! trusted anchor is stored. The meta table's own types never change, so any version can
//! read the schema version.
//!
//! **Versions.** A change that a build of another version would misread bumps
//! [`SCHEMA_VERSION`], and a database of another version is refused on open rather than
//! misread (version 2 added [`GENESIS_TIME_KEY`]). Adding a table is not such a change:
//! the data column tables came within version 2. A version 2 database written before
//! them has no column tables; this build reads a missing column table as holding no
//! columns, creates the tables on its first commit, and never needs them to exist
//! (a read-only open cannot create them). A build from before them ignores the tables
//! it does not know.

use consensus::Fork;
use consensus::primitives::Hash256;
use redb::TableDefinition;

use crate::error::StoreError;

mod meta;

pub(crate) use meta::{check_version, read_anchors, read_network, write_anchors};

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: u32 = 2;

/// The size of every chunk of a stored block, sidecar or column but its last, in bytes.
pub const CHUNK_BYTES: usize = 8000;

/// Blocks by root: fork byte ‖ SSZ length (u32 LE).
pub const BLOCKS: TableDefinition<'static, &[u8; 32], &[u8]> = TableDefinition::new("blocks");
/// Block SSZ by (root, chunk number).
pub const BLOCK_CHUNKS: TableDefinition<'static, (&[u8; 32], u32), &[u8]> =
    TableDefinition::new("block_chunks");
/// The stored chain by slot: slot → block root (empty slots have no entry).
pub const CANONICAL_SLOTS: TableDefinition<'static, u64, &[u8; 32]> =
    TableDefinition::new("canonical_slots");
/// Blob sidecars by (block root, index): SSZ length.
pub const BLOB_SIDECARS: TableDefinition<'static, (&[u8; 32], u64), u32> =
    TableDefinition::new("blob_sidecars");
/// Blob sidecar SSZ by (block root, index, chunk number).
pub const BLOB_SIDECAR_CHUNKS: TableDefinition<'static, (&[u8; 32], u64, u32), &[u8]> =
    TableDefinition::new("blob_sidecar_chunks");
/// Data column sidecars by (block root, column index): fork byte ‖ SSZ length. May be
/// missing from a version 2 database written before columns were stored (see the
/// module docs).
pub const DATA_COLUMNS: TableDefinition<'static, (&[u8; 32], u64), &[u8]> =
    TableDefinition::new("data_columns");
/// Data column sidecar SSZ by (block root, column index, chunk number). Missing when
/// [`DATA_COLUMNS`] is.
pub const DATA_COLUMN_CHUNKS: TableDefinition<'static, (&[u8; 32], u64, u32), &[u8]> =
    TableDefinition::new("data_column_chunks");
/// Schema version, network identity and anchors.
pub const META: TableDefinition<'static, &str, &[u8]> = TableDefinition::new("meta");

/// Meta key of the schema version.
pub const SCHEMA_VERSION_KEY: &str = "schema_version";
/// Meta key of the network's config name.
pub const NETWORK_NAME_KEY: &str = "network_name";
/// Meta key of the network's genesis validators root.
pub const GENESIS_VALIDATORS_ROOT_KEY: &str = "genesis_validators_root";
/// Meta key of the network's genesis time (schema version 2).
pub const GENESIS_TIME_KEY: &str = "genesis_time";
/// Meta key of the trusted anchor (root ‖ slot).
pub const TRUSTED_ANCHOR_KEY: &str = "trusted_anchor";
/// Meta key of the forward head (root ‖ slot).
pub const FORWARD_HEAD_KEY: &str = "forward_head";
/// Meta key of the backfill low-water mark (parent root ‖ slot).
pub const BACKFILL_MARK_KEY: &str = "backfill_mark";
/// Meta key of the earliest available slot.
pub const EARLIEST_AVAILABLE_SLOT_KEY: &str = "earliest_available_slot";

/// The byte that stores `fork`: its position in [`Fork::ALL`].
pub fn fork_byte(fork: Fork) -> u8 {
    let position = Fork::ALL.iter().position(|f| *f == fork);
    u8::try_from(position.expect("invariant: every fork is in Fork::ALL"))
        .expect("invariant: fewer than 256 forks")
}

/// The fork stored as `byte`, if it is one.
pub fn fork_from_byte(byte: u8) -> Option<Fork> {
    Fork::ALL.get(usize::from(byte)).copied()
}

/// The root bytes of `root` as redb keys them.
pub(crate) fn key(root: &Hash256) -> &[u8; 32] {
    &root.0
}

/// Encodes a block or data column record: fork byte ‖ SSZ length.
pub(crate) fn encode_record(fork: Fork, len: u32) -> [u8; 5] {
    let mut value = [0; 5];
    let (byte, length) = value.split_at_mut(1);
    byte.copy_from_slice(&[fork_byte(fork)]);
    length.copy_from_slice(&len.to_le_bytes());
    value
}

/// Splits a block record into its fork and SSZ length.
pub(crate) fn decode_block(root: &Hash256, value: &[u8]) -> Result<(Fork, u32), StoreError> {
    decode_record("blocks", || root.to_string(), value)
}

/// Splits the record of column `index` of block `root` into its fork and SSZ length.
pub(crate) fn decode_column(
    root: &Hash256,
    index: u64,
    value: &[u8],
) -> Result<(Fork, u32), StoreError> {
    decode_record("data_columns", || format!("{root}/{index}"), value)
}

/// Splits a fork byte ‖ SSZ length record of `table` into its parts.
fn decode_record(
    table: &'static str,
    key: impl Fn() -> String,
    value: &[u8],
) -> Result<(Fork, u32), StoreError> {
    let corrupt = |detail: String| StoreError::CorruptRecord {
        table,
        key: key(),
        detail,
    };
    let [byte, length @ ..] = value else {
        return Err(corrupt("empty record".into()));
    };
    let fork = fork_from_byte(*byte).ok_or_else(|| corrupt(format!("unknown fork byte {byte}")))?;
    let length: [u8; 4] = length
        .try_into()
        .map_err(|_| corrupt(format!("{} bytes, expected 5", value.len())))?;
    Ok((fork, u32::from_le_bytes(length)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fork_roundtrips_through_its_byte() {
        for fork in Fork::ALL {
            assert_eq!(fork_from_byte(fork_byte(fork)), Some(fork));
        }
        assert_eq!(fork_from_byte(200), None);
    }

    #[test]
    fn a_block_or_column_record_with_an_unknown_fork_or_length_is_corrupt() {
        let root = Hash256::repeat_byte(3);
        assert!(decode_block(&root, &[]).unwrap_err().is_corruption());
        assert!(
            decode_block(&root, &[99, 1, 0, 0, 0])
                .unwrap_err()
                .is_corruption()
        );
        assert!(
            decode_block(&root, &[4, 1, 0, 0])
                .unwrap_err()
                .is_corruption()
        );
        let decoded = decode_block(&root, &encode_record(Fork::Deneb, 70_000)).unwrap();
        assert_eq!(decoded, (Fork::Deneb, 70_000));
        let decoded = decode_column(&root, 35, &encode_record(Fork::Fulu, 4644)).unwrap();
        assert_eq!(decoded, (Fork::Fulu, 4644));
        let StoreError::CorruptRecord { table, key, .. } =
            decode_column(&root, 35, &[99, 1, 0, 0, 0]).unwrap_err()
        else {
            panic!("a corrupt record")
        };
        assert_eq!((table, key), ("data_columns", format!("{root}/35")));
    }
}
