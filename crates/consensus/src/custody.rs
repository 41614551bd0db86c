//! Fulu custody (consensus-specs `fulu/das-core.md`): which custody groups a node keeps,
//! from its node id and its custody group count, and which data columns a group holds.
//!
//! A node id is the 32-byte value discv5 derives from the node's public key, read as a
//! big-endian `uint256` (as it is printed). The spec walks ids upward from it, hashing
//! each (as 32 little-endian bytes) and taking the first 8 bytes of the SHA-256, as a
//! little-endian `u64`, modulo the group count, until it has enough distinct groups.

use alloy_primitives::U256;

use crate::containers::NUMBER_OF_COLUMNS;

/// `NUMBER_OF_CUSTODY_GROUPS` (Fulu).
pub const NUMBER_OF_CUSTODY_GROUPS: u64 = 128;
/// `CUSTODY_REQUIREMENT`: the fewest groups any node keeps.
pub const CUSTODY_REQUIREMENT: u64 = 4;
/// `SAMPLES_PER_SLOT`: the fewest groups a node samples each slot.
pub const SAMPLES_PER_SLOT: u64 = 8;

/// A custody group count over [`NUMBER_OF_CUSTODY_GROUPS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("custody group {value} is out of range: there are {NUMBER_OF_CUSTODY_GROUPS} groups")]
pub struct CustodyRangeError {
    /// The count or group asked for.
    pub value: u64,
}

/// The custody groups of `node_id` (big-endian) keeping `count` groups, ascending
/// (`get_custody_groups`).
///
/// # Errors
///
/// [`CustodyRangeError`] if `count` is over [`NUMBER_OF_CUSTODY_GROUPS`].
pub fn get_custody_groups(node_id: [u8; 32], count: u64) -> Result<Vec<u64>, CustodyRangeError> {
    if count > NUMBER_OF_CUSTODY_GROUPS {
        return Err(CustodyRangeError { value: count });
    }
    if count == NUMBER_OF_CUSTODY_GROUPS {
        return Ok((0..NUMBER_OF_CUSTODY_GROUPS).collect());
    }
    let mut current = U256::from_be_bytes(node_id);
    let mut groups: Vec<u64> = Vec::new();
    while (groups.len() as u64) < count {
        let digest = ethereum_hashing::hash(&current.to_le_bytes::<32>());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        let group = u64::from_le_bytes(first) % NUMBER_OF_CUSTODY_GROUPS;
        if !groups.contains(&group) {
            groups.push(group);
        }
        // `UINT256_MAX` wraps to 0, as the spec's overflow rule says.
        current = current.wrapping_add(U256::from(1u8));
    }
    groups.sort_unstable();
    Ok(groups)
}

/// The data columns of custody `group`, ascending (`compute_columns_for_custody_group`).
///
/// # Errors
///
/// [`CustodyRangeError`] if `group` is not below [`NUMBER_OF_CUSTODY_GROUPS`].
pub fn compute_columns_for_custody_group(group: u64) -> Result<Vec<u64>, CustodyRangeError> {
    if group >= NUMBER_OF_CUSTODY_GROUPS {
        return Err(CustodyRangeError { value: group });
    }
    let per_group = NUMBER_OF_COLUMNS / NUMBER_OF_CUSTODY_GROUPS;
    Ok((0..per_group)
        .map(|i| NUMBER_OF_CUSTODY_GROUPS * i + group)
        .collect())
}

/// The columns a node with `node_id` keeps when it keeps `count` groups, ascending: the
/// columns of every group of [`get_custody_groups`]. A supernode (archive) keeps all
/// [`NUMBER_OF_CUSTODY_GROUPS`], so every column.
///
/// # Errors
///
/// [`CustodyRangeError`] if `count` is over [`NUMBER_OF_CUSTODY_GROUPS`].
pub fn custody_columns(node_id: [u8; 32], count: u64) -> Result<Vec<u64>, CustodyRangeError> {
    let mut columns = Vec::new();
    for group in get_custody_groups(node_id, count)? {
        columns.extend(compute_columns_for_custody_group(group)?);
    }
    columns.sort_unstable();
    Ok(columns)
}

/// The columns a node samples for every block: those of its first
/// `max(SAMPLES_PER_SLOT, custody_group_count)` custody groups (the spec's custody
/// sampling), a superset of the columns it custodies, since the groups of a larger count
/// extend those of a smaller one.
///
/// # Errors
///
/// [`CustodyRangeError`] if `custody_group_count` is over [`NUMBER_OF_CUSTODY_GROUPS`].
pub fn sampling_columns(
    node_id: [u8; 32],
    custody_group_count: u64,
) -> Result<Vec<u64>, CustodyRangeError> {
    if custody_group_count > NUMBER_OF_CUSTODY_GROUPS {
        return Err(CustodyRangeError {
            value: custody_group_count,
        });
    }
    custody_columns(node_id, custody_group_count.max(SAMPLES_PER_SLOT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_samples_at_least_eight_groups_and_all_of_its_custody() {
        let id = [42; 32];
        let custody = custody_columns(id, CUSTODY_REQUIREMENT).expect("4 groups");
        let sampled = sampling_columns(id, CUSTODY_REQUIREMENT).expect("sampled");
        assert_eq!(sampled.len(), 8);
        assert!(custody.iter().all(|c| sampled.contains(c)));
        assert_eq!(sampling_columns(id, 128).expect("all").len(), 128);
        assert_eq!(sampling_columns(id, 20).expect("20").len(), 20);
        assert!(sampling_columns(id, 129).is_err());
    }

    #[test]
    fn counts_and_groups_out_of_range_are_errors_not_panics() {
        let id = [7; 32];
        assert_eq!(
            get_custody_groups(id, 129),
            Err(CustodyRangeError { value: 129 })
        );
        assert_eq!(
            compute_columns_for_custody_group(128),
            Err(CustodyRangeError { value: 128 })
        );
        assert_eq!(get_custody_groups(id, 0), Ok(Vec::new()));
    }

    #[test]
    fn a_supernode_keeps_every_column_and_groups_never_repeat() {
        let all = custody_columns([0xab; 32], NUMBER_OF_CUSTODY_GROUPS).expect("in range");
        assert_eq!(all, (0..NUMBER_OF_COLUMNS).collect::<Vec<_>>());
        let some = get_custody_groups([0x11; 32], 100).expect("in range");
        let mut unique = some.clone();
        unique.dedup();
        assert_eq!(unique.len(), 100);
        assert!(some.windows(2).all(|w| w[0] < w[1]), "ascending");
    }

    #[test]
    fn the_walk_wraps_at_the_largest_id() {
        // Starting at UINT256_MAX the next id is 0: the groups are those of MAX and 0..
        let groups = get_custody_groups([0xff; 32], 4).expect("in range");
        assert_eq!(groups.len(), 4);
    }
}
