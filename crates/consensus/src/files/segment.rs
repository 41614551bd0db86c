//! The blocks of a chain folder with their blob sidecars or data columns.

use std::path::Path;

use sync_types::BlockData;

use super::ChainFilesError;
use super::read::{Entry, Naming, list, read};
use crate::block::Block;
use crate::column::Column;
use crate::config::ChainConfig;
use crate::sidecar::Sidecar;
use crate::verify::BlockAndSidecars;

/// `blocks/<slot>.ssz`, `sidecars/<slot>_<index>.ssz` and `columns/<slot>_<column>.ssz`
/// of `dir`, each block decoded with the fork `config` schedules at its slot, in slot
/// order. A block of a fork with blobs gets a list (maybe empty) of the kind of data the
/// fork uses: blob sidecars up to Electra, data columns from Fulu on.
pub(super) fn load_blocks(
    dir: &Path,
    config: &ChainConfig,
) -> Result<Vec<BlockAndSidecars>, ChainFilesError> {
    let entries = list(&dir.join("blocks"), Naming::Slot)?;
    let mut blocks: Vec<BlockAndSidecars> = Vec::with_capacity(entries.len());
    for Entry { path, slot, .. } in entries {
        let fork = config.fork_at_slot(slot);
        let block = Block::from_ssz_bytes(&read(&path)?, fork).map_err(|source| {
            ChainFilesError::Block {
                path: path.clone(),
                fork,
                source,
            }
        })?;
        check_name(&path, "slot", slot, block.signed().slot())?;
        blocks.push(BlockData {
            block,
            sidecars: (fork.has_blobs() && !fork.has_data_columns()).then(Vec::new),
            columns: fork.has_data_columns().then(Vec::new),
        });
    }
    attach(
        dir,
        config,
        &mut blocks,
        ("sidecars", "blob sidecars"),
        |data| data.sidecars.as_mut(),
        |bytes, path| {
            let sidecar =
                Sidecar::from_ssz_bytes(bytes).map_err(|source| ChainFilesError::Sidecar {
                    path: path.to_path_buf(),
                    source,
                })?;
            let header = &sidecar.sidecar().signed_block_header.message;
            let (slot, index) = (header.slot, sidecar.sidecar().index);
            Ok((sidecar, slot, index))
        },
    )?;
    attach(
        dir,
        config,
        &mut blocks,
        ("columns", "data columns"),
        |data| data.columns.as_mut(),
        |bytes, path| {
            let column =
                Column::from_ssz_bytes(bytes).map_err(|source| ChainFilesError::Column {
                    path: path.to_path_buf(),
                    source,
                })?;
            let header = &column.sidecar().signed_block_header.message;
            let (slot, index) = (header.slot, column.sidecar().index);
            Ok((column, slot, index))
        },
    )?;
    Ok(blocks)
}

/// Reads `dir/<folder>/<slot>_<index>.ssz` (items of `kind`) and adds each item to the list `pick` gives
/// of the block at its slot; `decode` returns the item with the slot and index it holds.
fn attach<T>(
    dir: &Path,
    config: &ChainConfig,
    blocks: &mut [BlockAndSidecars],
    (folder, kind): (&str, &'static str),
    pick: impl Fn(&mut BlockAndSidecars) -> Option<&mut Vec<T>>,
    decode: impl Fn(&[u8], &Path) -> Result<(T, u64, u64), ChainFilesError>,
) -> Result<(), ChainFilesError> {
    for entry in list(&dir.join(folder), Naming::SlotIndex)? {
        let data = block_at(blocks, &entry)?;
        let Some(items) = pick(data) else {
            return Err(wrong_kind(config, entry, kind));
        };
        let (item, slot, index) = decode(&read(&entry.path)?, &entry.path)?;
        check_name(&entry.path, "slot", entry.slot, slot)?;
        check_name(&entry.path, "index", entry.index, index)?;
        items.push(item);
    }
    Ok(())
}

/// The block at `entry`'s slot (`blocks` is sorted by slot, one block a slot).
fn block_at<'a>(
    blocks: &'a mut [BlockAndSidecars],
    entry: &Entry,
) -> Result<&'a mut BlockAndSidecars, ChainFilesError> {
    match blocks.binary_search_by_key(&entry.slot, |data| data.block.signed().slot()) {
        Ok(at) => blocks.get_mut(at).ok_or_else(|| orphan(entry)),
        Err(_) => Err(orphan(entry)),
    }
}

fn orphan(entry: &Entry) -> ChainFilesError {
    ChainFilesError::Orphan {
        path: entry.path.clone(),
        slot: entry.slot,
    }
}

fn wrong_kind(config: &ChainConfig, entry: Entry, kind: &'static str) -> ChainFilesError {
    ChainFilesError::WrongDataKind {
        path: entry.path,
        fork: config.fork_at_slot(entry.slot),
        kind,
    }
}

/// Checks that the number a file name gives is the one its content holds.
fn check_name(
    path: &Path,
    field: &'static str,
    named: u64,
    found: u64,
) -> Result<(), ChainFilesError> {
    if named == found {
        return Ok(());
    }
    Err(ChainFilesError::NameMismatch {
        path: path.to_path_buf(),
        field,
        named,
        found,
    })
}
