//! The laws every bounded range read obeys, checked against the unlimited read of the
//! same range.

use store::RangePage;

/// Checks the laws of a range read against the unlimited read of the same range: the
/// items are a prefix of it, within `max_items`, within `max_bytes` unless one unit
/// (a block, or one block's sidecars) alone exceeds it, and `next_slot` is the slot of
/// the first item left out (`None` when nothing is: no range here reaches the slot cap).
#[track_caller]
pub fn check_laws<T: Clone + PartialEq + std::fmt::Debug>(
    page: &RangePage<T>,
    all: &[T],
    max_items: usize,
    max_bytes: usize,
    unit_of: impl Fn(&T) -> u64,
    size: impl Fn(&T) -> usize,
) {
    let n = page.items.len();
    assert_eq!(page.items.as_slice(), &all[..n], "a prefix of the range");
    assert!(n <= max_items, "{n} items, limit {max_items}");
    let bytes: usize = page.items.iter().map(&size).sum();
    let units = page
        .items
        .iter()
        .map(&unit_of)
        .collect::<std::collections::BTreeSet<_>>();
    assert!(
        bytes <= max_bytes || units.len() == 1,
        "{bytes} bytes over {max_bytes} in {} units",
        units.len()
    );
    match all.get(n) {
        None => assert_eq!(page.next_slot, None, "the whole range was read"),
        Some(next) => {
            assert_eq!(page.next_slot, Some(unit_of(next)), "stopped before it");
            // Stopping was needed: the next unit would break a bound.
            let unit: Vec<&T> = all[n..]
                .iter()
                .filter(|t| unit_of(t) == unit_of(next))
                .collect();
            let unit_bytes: usize = unit.iter().map(|t| size(t)).sum();
            let cut_inside = n > 0 && unit_of(&all[n - 1]) == unit_of(next);
            assert!(
                n == max_items
                    || cut_inside
                    || (n > 0 && (n + unit.len() > max_items || bytes + unit_bytes > max_bytes)),
                "stopped at {n} items without reason"
            );
        }
    }
}

/// Reads each range of `ranges` under each item limit of `items` and byte budget of
/// `budgets`, checks every answer against the laws and the unlimited read of the range,
/// and returns the answers with their item limits.
pub fn read_grid<T: Clone + PartialEq + std::fmt::Debug>(
    ranges: &[(u64, u64)],
    (items, budgets): (&[usize], &[usize]),
    read: impl Fn(u64, u64, usize, usize) -> RangePage<T>,
    unit_of: impl Fn(&T) -> u64 + Copy,
    size: impl Fn(&T) -> usize + Copy,
) -> Vec<(usize, RangePage<T>)> {
    let mut pages = Vec::new();
    for &(start, count) in ranges {
        let all = read(start, count, usize::MAX, usize::MAX);
        assert!(all.is_complete());
        for &max_items in items {
            for &max_bytes in budgets {
                let page = read(start, count, max_items, max_bytes);
                check_laws(&page, &all.items, max_items, max_bytes, unit_of, size);
                pages.push((max_items, page));
            }
        }
    }
    pages
}

/// Checks that a page of `pages` (with its item limit) ends inside a block's items, the
/// block `unit_of` names, only when it holds exactly its item limit.
#[track_caller]
pub fn assert_only_the_item_limit_splits_a_block<T>(
    pages: &[(usize, RangePage<T>)],
    unit_of: impl Fn(&T) -> u64,
) {
    for (max_items, page) in pages {
        let cut_inside = page
            .items
            .last()
            .zip(page.next_slot)
            .is_some_and(|(last, next)| unit_of(last) == next);
        assert!(
            !cut_inside || page.items.len() == *max_items,
            "only the item limit splits a block's items"
        );
    }
}
