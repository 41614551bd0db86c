//! The meta table's values: schema version, network identity and anchors, each encoded
//! as the [`super`] module docs say.

use consensus::primitives::Hash256;

use super::{
    BACKFILL_MARK_KEY, EARLIEST_AVAILABLE_SLOT_KEY, FORWARD_HEAD_KEY, GENESIS_TIME_KEY,
    GENESIS_VALIDATORS_ROOT_KEY, NETWORK_NAME_KEY, SCHEMA_VERSION, SCHEMA_VERSION_KEY,
    TRUSTED_ANCHOR_KEY,
};
use crate::anchors::{Anchors, BackfillMark, BlockId, NetworkIdentity};
use crate::error::{Failure, StoreError};

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
