//! Data columns (Fulu, PeerDAS): sets of column indices, the few fields of a data column
//! sidecar the sync reads, and the check of one peer's column response against the blocks
//! it belongs to.
//!
//! From Fulu on, a block's blob data travels as [`NUMBER_OF_COLUMNS`] column sidecars; a
//! node fetches the columns it samples from peers that custody them. The blocks of a range
//! come from one peer and its columns from others, so [`group_columns`] judges a column
//! response on its own: every fault it names is the column peer's, never the block peer's.

use std::fmt;

use crate::{
    error::ResponseError,
    range::SyncRange,
    slot::{Root, Slot},
    view::BlockView,
};

/// `NUMBER_OF_COLUMNS`: a block's extended blob data is cut into this many columns
/// (the same in every preset).
pub const NUMBER_OF_COLUMNS: u64 = 128;

/// A set of column indices below [`NUMBER_OF_COLUMNS`], as a bitmap: cheap to copy,
/// compare and combine.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ColumnSet(u128);

impl ColumnSet {
    /// No column.
    pub const EMPTY: ColumnSet = ColumnSet(0);
    /// All [`NUMBER_OF_COLUMNS`] columns (what a supernode custodies).
    pub const ALL: ColumnSet = ColumnSet(u128::MAX);

    /// The set of `indices`; `None` if one is not below [`NUMBER_OF_COLUMNS`].
    pub fn from_indices(indices: impl IntoIterator<Item = u64>) -> Option<ColumnSet> {
        let mut set = ColumnSet::EMPTY;
        for index in indices {
            if !set.insert(index) && index >= NUMBER_OF_COLUMNS {
                return None;
            }
        }
        Some(set)
    }

    /// Add `index`; `false` if it is out of range or already present.
    pub fn insert(&mut self, index: u64) -> bool {
        let Some(bit) = bit(index) else {
            return false;
        };
        let fresh = self.0 & bit == 0;
        self.0 |= bit;
        fresh
    }

    /// Whether `index` is in the set.
    pub const fn contains(self, index: u64) -> bool {
        match bit(index) {
            Some(bit) => self.0 & bit != 0,
            None => false,
        }
    }

    /// The number of columns in the set.
    pub const fn len(self) -> u64 {
        self.0.count_ones() as u64
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The columns in either set.
    pub const fn union(self, other: ColumnSet) -> ColumnSet {
        ColumnSet(self.0 | other.0)
    }

    /// The columns in both sets.
    pub const fn intersection(self, other: ColumnSet) -> ColumnSet {
        ColumnSet(self.0 & other.0)
    }

    /// The columns of `self` that are not in `other`.
    pub const fn difference(self, other: ColumnSet) -> ColumnSet {
        ColumnSet(self.0 & !other.0)
    }

    /// Whether every column of `self` is in `other`.
    pub const fn is_subset(self, other: ColumnSet) -> bool {
        self.0 & !other.0 == 0
    }

    /// The indices, in increasing order.
    pub fn iter(self) -> impl Iterator<Item = u64> {
        (0..NUMBER_OF_COLUMNS).filter(move |i| self.contains(*i))
    }
}

const fn bit(index: u64) -> Option<u128> {
    if index < NUMBER_OF_COLUMNS {
        Some(1u128 << index)
    } else {
        None
    }
}

impl fmt::Debug for ColumnSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ColumnSet({self})")
    }
}

impl fmt::Display for ColumnSet {
    /// The indices as runs, `{0-3,35,60}`; `{}` when empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut runs: Vec<(u64, u64)> = Vec::new();
        for i in self.iter() {
            match runs.last_mut() {
                Some((_, end)) if *end + 1 == i => *end = i,
                _ => runs.push((i, i)),
            }
        }
        let parts: Vec<String> = runs
            .iter()
            .map(|(a, b)| {
                if a == b {
                    a.to_string()
                } else {
                    format!("{a}-{b}")
                }
            })
            .collect();
        write!(f, "{{{}}}", parts.join(","))
    }
}

impl FromIterator<u64> for ColumnSet {
    /// Indices at or above [`NUMBER_OF_COLUMNS`] are left out; use
    /// [`ColumnSet::from_indices`] to refuse them.
    fn from_iter<I: IntoIterator<Item = u64>>(iter: I) -> ColumnSet {
        let mut set = ColumnSet::EMPTY;
        for index in iter {
            set.insert(index);
        }
        set
    }
}

/// The fields of a data column sidecar that range sync reads.
pub trait ColumnView {
    /// The slot of the block the column belongs to (from its signed block header).
    fn slot(&self) -> Slot;
    /// The column index.
    fn index(&self) -> u64;
    /// The root of the block the column claims to belong to (its signed header's root).
    fn block_root(&self) -> Root;
    /// How many cells (and commitments) the column carries: one per blob of its block.
    fn cell_count(&self) -> u64;
}

/// Group one peer's column response (in the order sent) with `blocks`, the blocks of
/// `range` from the block peer (already checked): one group per block, each holding
/// exactly the `requested` columns in index order for a block with blob commitments, and
/// nothing for a block without.
///
/// The response must be in `(slot, index)` order, inside `range`, and hold only requested
/// columns; a column must name its block's root and carry one cell per commitment. A
/// column for a slot where the block peer sent no block is left out, not charged: either
/// the column peer or the block peer may be wrong there, and a withheld block shows up in
/// the blocks' linkage. A block left short is reported only when nothing else is wrong.
///
/// # Errors
///
/// The [`ResponseError`] naming the first fault; [`ResponseError::penalty`] is the column
/// peer's penalty.
pub fn group_columns<B: BlockView, C: ColumnView>(
    range: SyncRange,
    blocks: &[B],
    columns: Vec<C>,
    requested: ColumnSet,
) -> Result<Vec<Vec<C>>, ResponseError> {
    let max_total = range.count().saturating_mul(requested.len());
    if u64::try_from(columns.len()).map_or(true, |n| n > max_total) {
        return Err(ResponseError::TooManyColumns {
            range,
            got: columns.len(),
            max: max_total,
        });
    }
    let mut groups: Vec<Vec<C>> = blocks.iter().map(|_| Vec::new()).collect();
    let mut previous: Option<(Slot, u64)> = None;
    for column in columns {
        let (slot, index) = (column.slot(), column.index());
        if !range.contains(slot) {
            return Err(ResponseError::ColumnOutsideRange { range, slot });
        }
        if let Some(previous) = previous.filter(|p| *p >= (slot, index)) {
            return Err(ResponseError::ColumnsOutOfOrder {
                previous,
                got: (slot, index),
            });
        }
        previous = Some((slot, index));
        if !requested.contains(index) {
            return Err(ResponseError::ColumnNotRequested { slot, index });
        }
        let Ok(at) = blocks.binary_search_by_key(&slot, BlockView::slot) else {
            continue; // no block there: see the function's docs
        };
        let block = &blocks[at];
        if column.block_root() != block.root() {
            return Err(ResponseError::ColumnBlockRootMismatch {
                slot,
                index,
                got: column.block_root(),
                expected: block.root(),
            });
        }
        let commitments = block.blob_commitment_count();
        if commitments == 0 || column.cell_count() != commitments {
            return Err(ResponseError::ColumnCellCountMismatch {
                slot,
                index,
                got: column.cell_count(),
                expected: commitments,
            });
        }
        groups[at].push(column);
    }
    for (block, group) in blocks.iter().zip(&groups) {
        let expected = if block.blob_commitment_count() > 0 {
            requested.len()
        } else {
            0
        };
        if group.len() as u64 != expected {
            let got: ColumnSet = group.iter().map(ColumnView::index).collect();
            return Err(ResponseError::ColumnsMissing {
                slot: block.slot(),
                missing: requested.difference(got),
            });
        }
    }
    Ok(groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_set_holds_exactly_the_indices_below_128() {
        let set = ColumnSet::from_indices([0, 3, 1, 2, 35, 127]).expect("in range");
        assert_eq!(set.len(), 6);
        assert_eq!(set.iter().collect::<Vec<_>>(), vec![0, 1, 2, 3, 35, 127]);
        assert_eq!(set.to_string(), "{0-3,35,127}");
        assert_eq!(ColumnSet::from_indices([5, 128]), None);
        assert!(!set.contains(128));
        assert_eq!(ColumnSet::ALL.len(), 128);
        assert_eq!(ColumnSet::EMPTY.to_string(), "{}");
        let other: ColumnSet = [3, 4, 200].into_iter().collect();
        assert_eq!(set.intersection(other).to_string(), "{3}");
        assert_eq!(other.difference(set).to_string(), "{4}");
        assert!(other.intersection(set).is_subset(set));
        assert!(!other.is_subset(set));
        assert_eq!(set.union(other).len(), 7);
    }
}
