//! Range reads: the stored chain's blocks and blob sidecars over a span of slots, as
//! stored bytes, bounded by a count and a byte budget. Data columns are read the same
//! way as blob sidecars ([`whole_blocks`]); their reads are in [`crate::columns`].
//!
//! A range read walks the slot index of the stored chain in ascending order (empty slots
//! have no entry) inside one snapshot. Before reading an item's chunks it checks the
//! item's recorded length against the budget, so an answer that stops early costs no
//! read of the item it stopped before. Three bounds apply:
//!
//! - the slot span is cut to
//!   [`StoreConfig::max_slots_per_query`](crate::StoreConfig::max_slots_per_query);
//! - `max_items` is a hard cap (a protocol's response limit): never exceeded;
//! - `max_bytes` (SSZ bytes) is a soft budget: the first item is returned even when it
//!   alone exceeds it, and the read stops before the item that would cross it.
//!
//! Blob sidecars and data columns go by whole blocks under the soft bounds (the byte
//! budget and a per-query count,
//! [`StoreConfig::max_blob_sidecars_per_query`](crate::StoreConfig::max_blob_sidecars_per_query)
//! or
//! [`StoreConfig::max_data_column_sidecars_per_query`](crate::StoreConfig::max_data_column_sidecars_per_query)):
//! the items of a block that would cross one are left for the next query, so a caller
//! resumes at a slot. Only `max_items` may end an answer inside a block's items, when
//! the first block's items alone exceed it.
//!
//! Every answer says where it stopped ([`RangePage::next_slot`]), so a server resumes
//! there instead of leaving a gap in its response.

use consensus::primitives::Hash256;
use consensus::{Block, Sidecar};

use crate::anchors::BlockId;
use crate::error::StoreError;
use crate::read::{StoredBlock, StoredSidecar, decode_block, decode_sidecar};
use crate::reader::StoreReader;
use crate::snapshot::{Snap, Snapshot, missing_block};

type Result<T> = std::result::Result<T, StoreError>;

/// The answer of a range read: a prefix of the range's items, and where the rest starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RangePage<T> {
    /// The items, in ascending slot order (sidecars and columns then by index).
    pub items: Vec<T>,
    /// `None` when the whole requested range was read; otherwise the slot where its
    /// unread part starts (a block, or a block's sidecars or columns, left out by a
    /// bound, or the end of the slot span the store covers in one query). A read cut
    /// inside a block's sidecars or columns by `max_items` names that block's slot.
    pub next_slot: Option<u64>,
}

impl<T> RangePage<T> {
    /// Whether the whole requested range was read.
    pub fn is_complete(&self) -> bool {
        self.next_slot.is_none()
    }
}

impl<T> Default for RangePage<T> {
    fn default() -> Self {
        RangePage {
            items: Vec::new(),
            next_slot: None,
        }
    }
}

/// Slots `start..start + count` cut to `max_slots`, and where the cut part starts.
pub(crate) fn span(start: u64, count: u64, max_slots: u64) -> (std::ops::Range<u64>, Option<u64>) {
    let end = start.saturating_add(count);
    let capped = start.saturating_add(count.min(max_slots));
    (start..capped, (capped < end).then_some(capped))
}

/// A recorded length as a byte count.
fn bytes_of(len: u32) -> usize {
    usize::try_from(len).unwrap_or(usize::MAX)
}

/// The bounds of a read that goes by whole blocks.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// The hard cap on items.
    pub(crate) max_items: usize,
    /// The soft budget of SSZ bytes.
    pub(crate) max_bytes: usize,
    /// The soft cap on items of the store's config.
    pub(crate) max_per_query: usize,
}

/// The items of the stored chain's blocks in `slots` (with `cut`, where the slot span
/// was cut), by slot then index, under `limits` (see the module docs): `records` lists a
/// block's items as (key, SSZ length) in index order, and `read` reads one.
pub(crate) fn whole_blocks<K, T>(
    s: &Snapshot,
    (slots, cut): (std::ops::Range<u64>, Option<u64>),
    limits: Limits,
    records: impl Fn(&Snapshot, &Hash256) -> Snap<Vec<(K, u32)>>,
    read: impl Fn(&Snapshot, BlockId, &K, u32) -> Snap<T>,
) -> Snap<RangePage<T>> {
    let mut page = RangePage::default();
    let mut bytes = 0usize;
    for id in s.canonical(slots)? {
        let id = id?;
        let records = records(s, &id.root)?;
        if records.is_empty() {
            continue;
        }
        // The items held, and the count and bytes with this block's added.
        let held = page.items.len();
        let with_block = held.saturating_add(records.len());
        let total = records
            .iter()
            .fold(bytes, |sum, (_, len)| sum.saturating_add(bytes_of(*len)));
        // Past the first block, a block goes in whole or not at all.
        let over = with_block > limits.max_items
            || with_block > limits.max_per_query
            || total > limits.max_bytes;
        if held >= limits.max_items || (held > 0 && over) {
            page.next_slot = Some(id.slot);
            return Ok(page);
        }
        let room = limits.max_items - held;
        for (key, len) in records.iter().take(room) {
            page.items.push(read(s, id, key, *len)?);
        }
        if records.len() > room {
            page.next_slot = Some(id.slot);
            return Ok(page);
        }
        bytes = total;
    }
    page.next_slot = cut;
    Ok(page)
}

impl StoreReader {
    /// The stored chain's blocks in slots `start..start + count`, ascending, as stored
    /// bytes; empty slots are skipped. At most `max_items` blocks; the read stops before
    /// the block that would take their SSZ past `max_bytes`, but always returns the first
    /// block there is (when `max_items` is not zero). The slot span is cut to
    /// [`StoreConfig::max_slots_per_query`](crate::StoreConfig::max_slots_per_query).
    ///
    /// # Errors
    /// Database failures and corrupt records.
    pub fn blocks_ssz_by_range_within(
        &self,
        start: u64,
        count: u64,
        max_items: usize,
        max_bytes: usize,
    ) -> Result<RangePage<StoredBlock>> {
        let (slots, cut) = span(start, count, self.config().max_slots_per_query);
        self.read("blocks_by_range", |s| {
            let mut page = RangePage::default();
            let mut bytes = 0usize;
            for id in s.canonical(slots)? {
                let id = id?;
                let (fork, len) = s.block_record(&id.root)?.ok_or_else(|| missing_block(id))?;
                let total = bytes.saturating_add(bytes_of(len));
                let over_budget = !page.items.is_empty() && total > max_bytes;
                if page.items.len() >= max_items || over_budget {
                    page.next_slot = Some(id.slot);
                    return Ok(page);
                }
                bytes = total;
                let ssz = s.block_chunks_of(&id.root, len)?;
                page.items.push(StoredBlock { id, fork, ssz });
            }
            page.next_slot = cut;
            Ok(page)
        })
    }

    /// The stored chain's blocks in slots `start..start + count` (count capped at
    /// [`StoreConfig::max_slots_per_query`](crate::StoreConfig::max_slots_per_query)),
    /// ascending, as stored bytes; empty slots are skipped.
    ///
    /// # Errors
    /// Database failures and corrupt records.
    pub fn blocks_ssz_by_range(&self, start: u64, count: u64) -> Result<Vec<StoredBlock>> {
        let page = self.blocks_ssz_by_range_within(start, count, usize::MAX, usize::MAX)?;
        Ok(page.items)
    }

    /// Like [`StoreReader::blocks_ssz_by_range`], decoded.
    ///
    /// # Errors
    /// Database failures and corrupt records.
    pub fn blocks_by_range(&self, start: u64, count: u64) -> Result<Vec<Block>> {
        self.blocks_ssz_by_range(start, count)?
            .into_iter()
            .map(|stored| decode_block(stored.id.root, stored.fork, &stored.ssz))
            .collect()
    }

    /// The blob sidecars of the stored chain's blocks in slots `start..start + count`,
    /// by slot then index, as stored bytes. At most `max_items` sidecars. The answer ends
    /// at a whole block before the block whose sidecars would take it past `max_bytes`
    /// of SSZ or past
    /// [`StoreConfig::max_blob_sidecars_per_query`](crate::StoreConfig::max_blob_sidecars_per_query)
    /// sidecars, or past `max_items`; the first block's sidecars are always returned
    /// (only `max_items` may cut them). The slot span is cut like
    /// [`StoreReader::blocks_ssz_by_range_within`].
    ///
    /// # Errors
    /// Database failures and corrupt records.
    pub fn blob_sidecars_ssz_by_range_within(
        &self,
        start: u64,
        count: u64,
        max_items: usize,
        max_bytes: usize,
    ) -> Result<RangePage<StoredSidecar>> {
        let config = self.config();
        let (slots, cut) = span(start, count, config.max_slots_per_query);
        let limits = Limits {
            max_items,
            max_bytes,
            max_per_query: config.max_blob_sidecars_per_query,
        };
        self.read("blob_sidecars_by_range", |s| {
            whole_blocks(
                s,
                (slots, cut),
                limits,
                Snapshot::sidecar_lengths,
                |s, block, index, len| s.sidecar_ssz(block, *index, len),
            )
        })
    }

    /// The blob sidecars of the stored chain's blocks in slots `start..start + count`
    /// (count capped like [`StoreReader::blocks_ssz_by_range`]), by slot then index, as
    /// stored bytes. At most
    /// [`StoreConfig::max_blob_sidecars_per_query`](crate::StoreConfig::max_blob_sidecars_per_query)
    /// sidecars, ending at a whole block (the first block's are always included).
    ///
    /// # Errors
    /// Database failures and corrupt records.
    pub fn blob_sidecars_ssz_by_range(&self, start: u64, count: u64) -> Result<Vec<StoredSidecar>> {
        let page = self.blob_sidecars_ssz_by_range_within(start, count, usize::MAX, usize::MAX)?;
        Ok(page.items)
    }

    /// Like [`StoreReader::blob_sidecars_ssz_by_range`], decoded.
    ///
    /// # Errors
    /// Database failures and corrupt records.
    pub fn blob_sidecars_by_range(&self, start: u64, count: u64) -> Result<Vec<Sidecar>> {
        self.blob_sidecars_ssz_by_range(start, count)?
            .iter()
            .map(decode_sidecar)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::span;

    #[test]
    fn a_span_is_cut_to_the_slot_cap_and_says_where_the_cut_starts() {
        assert_eq!(span(10, 5, 1024), (10..15, None));
        assert_eq!(span(10, 2000, 1024), (10..1034, Some(1034)));
        assert_eq!(span(u64::MAX - 1, 5, 1024), (u64::MAX - 1..u64::MAX, None));
    }
}
