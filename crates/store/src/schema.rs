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
//! | [`META`] `meta` | name (text) | see the `*_KEY` constants |
//!
//! **Why chunks.** redb gives a value that does not fit a 4 KiB page a page of the next
//! power-of-two size: a 131,928-byte blob sidecar takes 256 KiB, twice its size on disk.
//! Stored as chunks of [`CHUNK_BYTES`] (8,000 bytes, which fill 8 KiB pages) the same
//! sidecars take about 4% more than their size (measured on 1,000 sidecars: 1.04x of
//! allocated pages, against 1.99x). Blocks are chunked the same way, since mainnet blocks
//! range over tens to hundreds of KiB. Chunk `n` holds bytes `n * CHUNK_BYTES ..`; every
//! chunk but the last is full, and the record's length says how many there are.
//!
//! Meta values: [`SCHEMA_VERSION_KEY`] u32 little-endian; [`NETWORK_NAME_KEY`] UTF-8;
//! [`GENESIS_VALIDATORS_ROOT_KEY`] 32 bytes; [`GENESIS_TIME_KEY`] u64 LE;
//! [`TRUSTED_ANCHOR_KEY`] and
//! [`FORWARD_HEAD_KEY`] root ‖ slot (u64 LE); [`BACKFILL_MARK_KEY`] parent root ‖ slot
//! (u64 LE); [`EARLIEST_AVAILABLE_SLOT_KEY`] u64 LE. The anchor keys are absent until the
//! trusted anchor is stored. The meta table's own types never change, so any version can
//! read the schema version.
//!
//! Any change to this layout bumps [`SCHEMA_VERSION`]; a database of another version is
//! refused on open rather than misread.

use consensus::Fork;
use consensus::primitives::Hash256;
use redb::TableDefinition;

use crate::anchors::{Anchors, BackfillMark, BlockId, NetworkIdentity};
use crate::error::{Failure, StoreError};

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: u32 = 2;

/// The size of every chunk of a stored block or sidecar but its last, in bytes.
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

/// Encodes a block record: fork byte ‖ SSZ length.
pub(crate) fn encode_block(fork: Fork, len: u32) -> [u8; 5] {
    let mut value = [0; 5];
    let (byte, length) = value.split_at_mut(1);
    byte.copy_from_slice(&[fork_byte(fork)]);
    length.copy_from_slice(&len.to_le_bytes());
    value
}

/// Splits a block record into its fork and SSZ length.
pub(crate) fn decode_block(root: &Hash256, value: &[u8]) -> Result<(Fork, u32), StoreError> {
    let corrupt = |detail: String| StoreError::CorruptRecord {
        table: "blocks",
        key: root.to_string(),
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

pub(crate) fn encode_block_id(id: BlockId) -> [u8; 40] {
    encode_root_slot(id.root, id.slot)
}

pub(crate) fn encode_backfill(mark: BackfillMark) -> [u8; 40] {
    encode_root_slot(mark.parent_root, mark.slot)
}

fn encode_root_slot(root: Hash256, slot: u64) -> [u8; 40] {
    let mut out = [0; 40];
    let (left, right) = out.split_at_mut(32);
    left.copy_from_slice(root.as_slice());
    right.copy_from_slice(&slot.to_le_bytes());
    out
}

/// Decodes a root ‖ slot meta value.
pub(crate) fn decode_root_slot(key: &str, value: &[u8]) -> Result<(Hash256, u64), StoreError> {
    let bytes: &[u8; 40] = value
        .try_into()
        .map_err(|_| bad_length(key, value.len(), 40))?;
    let (root, slot) = bytes.split_at(32);
    let slot: [u8; 8] = slot
        .try_into()
        .map_err(|_| bad_length(key, value.len(), 40))?;
    Ok((Hash256::from_slice(root), u64::from_le_bytes(slot)))
}

/// Decodes a u64 LE meta value.
pub(crate) fn decode_u64(key: &str, value: &[u8]) -> Result<u64, StoreError> {
    let bytes: [u8; 8] = value
        .try_into()
        .map_err(|_| bad_length(key, value.len(), 8))?;
    Ok(u64::from_le_bytes(bytes))
}

/// Decodes a u32 LE meta value.
pub(crate) fn decode_u32(key: &str, value: &[u8]) -> Result<u32, StoreError> {
    let bytes: [u8; 4] = value
        .try_into()
        .map_err(|_| bad_length(key, value.len(), 4))?;
    Ok(u32::from_le_bytes(bytes))
}

/// Decodes a 32-byte meta value.
pub(crate) fn decode_root(key: &str, value: &[u8]) -> Result<Hash256, StoreError> {
    let bytes: [u8; 32] = value
        .try_into()
        .map_err(|_| bad_length(key, value.len(), 32))?;
    Ok(Hash256::from(bytes))
}

fn bad_length(key: &str, got: usize, expected: usize) -> StoreError {
    StoreError::CorruptRecord {
        table: "meta",
        key: key.to_owned(),
        detail: format!("{got} bytes, expected {expected}"),
    }
}

/// Reads the anchors from a meta table; `None` before the trusted anchor is stored.
pub(crate) fn read_anchors(
    meta: &impl redb::ReadableTable<&'static str, &'static [u8]>,
) -> Result<Option<Anchors>, Failure> {
    let get = |key: &'static str| -> Result<Option<Vec<u8>>, Failure> {
        Ok(meta.get(key)?.map(|guard| guard.value().to_vec()))
    };
    let Some(trusted) = get(TRUSTED_ANCHOR_KEY)? else {
        return Ok(None);
    };
    let missing = |key: &str| StoreError::CorruptRecord {
        table: "meta",
        key: key.to_owned(),
        detail: "missing while the trusted anchor is set".into(),
    };
    let head = get(FORWARD_HEAD_KEY)?.ok_or_else(|| missing(FORWARD_HEAD_KEY))?;
    let backfill = get(BACKFILL_MARK_KEY)?.ok_or_else(|| missing(BACKFILL_MARK_KEY))?;
    let earliest =
        get(EARLIEST_AVAILABLE_SLOT_KEY)?.ok_or_else(|| missing(EARLIEST_AVAILABLE_SLOT_KEY))?;
    let (root, slot) = decode_root_slot(TRUSTED_ANCHOR_KEY, &trusted)?;
    let (head_root, head_slot) = decode_root_slot(FORWARD_HEAD_KEY, &head)?;
    let (parent_root, low_slot) = decode_root_slot(BACKFILL_MARK_KEY, &backfill)?;
    Ok(Some(Anchors {
        trusted: BlockId { root, slot },
        head: BlockId {
            root: head_root,
            slot: head_slot,
        },
        backfill: BackfillMark {
            slot: low_slot,
            parent_root,
        },
        earliest_available_slot: decode_u64(EARLIEST_AVAILABLE_SLOT_KEY, &earliest)?,
    }))
}

/// Checks the schema version a meta table records against [`SCHEMA_VERSION`].
pub(crate) fn check_version(
    meta: &impl redb::ReadableTable<&'static str, &'static [u8]>,
    path: &std::path::Path,
) -> Result<(), Failure> {
    let Some(version) = meta.get(SCHEMA_VERSION_KEY)? else {
        return Err(StoreError::Corrupt {
            path: path.to_path_buf(),
            detail: "the meta table has no schema version".to_owned(),
        }
        .into());
    };
    let found = decode_u32(SCHEMA_VERSION_KEY, version.value())?;
    if found != SCHEMA_VERSION {
        return Err(StoreError::SchemaMismatch {
            path: path.to_path_buf(),
            found,
            expected: SCHEMA_VERSION,
        }
        .into());
    }
    Ok(())
}

/// Reads the network identity from a meta table; `None` when it records none.
pub(crate) fn read_network(
    meta: &impl redb::ReadableTable<&'static str, &'static [u8]>,
) -> Result<Option<NetworkIdentity>, Failure> {
    let name = meta.get(NETWORK_NAME_KEY)?.map(|v| v.value().to_vec());
    let root = meta
        .get(GENESIS_VALIDATORS_ROOT_KEY)?
        .map(|v| v.value().to_vec());
    let (name, root) = match (name, root) {
        (Some(name), Some(root)) => (name, root),
        (None, None) => return Ok(None),
        (name, _) => {
            let (key, other) = if name.is_none() {
                (NETWORK_NAME_KEY, GENESIS_VALIDATORS_ROOT_KEY)
            } else {
                (GENESIS_VALIDATORS_ROOT_KEY, NETWORK_NAME_KEY)
            };
            return Err(StoreError::CorruptRecord {
                table: "meta",
                key: key.to_owned(),
                detail: format!("missing while {other} is set"),
            }
            .into());
        }
    };
    let Some(time) = meta.get(GENESIS_TIME_KEY)? else {
        return Err(StoreError::CorruptRecord {
            table: "meta",
            key: GENESIS_TIME_KEY.to_owned(),
            detail: format!("missing while {NETWORK_NAME_KEY} is set"),
        }
        .into());
    };
    Ok(Some(NetworkIdentity {
        name: String::from_utf8_lossy(&name).into_owned(),
        genesis_validators_root: decode_root(GENESIS_VALIDATORS_ROOT_KEY, &root)?,
        genesis_time: decode_u64(GENESIS_TIME_KEY, time.value())?,
    }))
}

/// Writes every anchor into a meta table.
pub(crate) fn write_anchors(
    meta: &mut redb::Table<'_, &'static str, &'static [u8]>,
    anchors: &Anchors,
) -> Result<(), redb::StorageError> {
    meta.insert(
        TRUSTED_ANCHOR_KEY,
        encode_block_id(anchors.trusted).as_slice(),
    )?;
    meta.insert(FORWARD_HEAD_KEY, encode_block_id(anchors.head).as_slice())?;
    meta.insert(
        BACKFILL_MARK_KEY,
        encode_backfill(anchors.backfill).as_slice(),
    )?;
    meta.insert(
        EARLIEST_AVAILABLE_SLOT_KEY,
        anchors.earliest_available_slot.to_le_bytes().as_slice(),
    )?;
    Ok(())
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
    fn a_block_record_with_an_unknown_fork_or_length_is_corrupt() {
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
        let decoded = decode_block(&root, &encode_block(Fork::Deneb, 70_000)).unwrap();
        assert_eq!(decoded, (Fork::Deneb, 70_000));
    }

    #[test]
    fn meta_values_roundtrip_and_check_their_length() {
        let id = BlockId {
            root: Hash256::repeat_byte(9),
            slot: 1 << 40,
        };
        let (root, slot) = decode_root_slot("k", &encode_block_id(id)).unwrap();
        assert_eq!(BlockId { root, slot }, id);
        assert!(decode_root_slot("k", &[0; 39]).unwrap_err().is_corruption());
        assert!(decode_u64("k", &[0; 7]).unwrap_err().is_corruption());
        assert!(decode_u32("k", &[0; 5]).unwrap_err().is_corruption());
        assert!(decode_root("k", &[0; 31]).unwrap_err().is_corruption());
    }
}
