//! Merkle proofs of blob commitments within a block body.
//!
//! Blob sidecars prove one commitment (depth 17: 4 levels of the body, the list's length
//! mix-in, 12 levels for 4096 commitments); Fulu data columns prove the whole commitments
//! list (depth 4). Verification uses `ssz_rs`; ssz_rs cannot build proofs, so proofs are
//! built here from `tree_hash` roots of the body's fields (the devnet builder needs them).

use ethereum_hashing::{ZERO_HASHES, hash32_concat};
use tree_hash::TreeHash;

use crate::block::SignedBeaconBlock;
use crate::containers::{
    KZG_COMMITMENT_INCLUSION_PROOF_DEPTH, KZG_COMMITMENTS_INCLUSION_PROOF_DEPTH,
};
use crate::primitives::{Hash256, KzgCommitment};

/// The index of `blob_kzg_commitments` among the body's fields (Deneb to Fulu).
pub const BLOB_KZG_COMMITMENTS_FIELD_INDEX: usize = 11;
/// Depth of the body tree (up to 16 fields).
const BODY_DEPTH: usize = KZG_COMMITMENTS_INCLUSION_PROOF_DEPTH;
/// Depth of the commitments list's data tree (`MAX_BLOB_COMMITMENTS_PER_BLOCK` = 2^12).
const COMMITMENTS_DEPTH: usize = 12;

/// The field roots of a body, fork by fork: each fork's list is the previous fork's plus
/// the fields it added, so each macro names only the new fields.
macro_rules! phase0_roots {
    ($body:expr) => {
        vec![
            $body.randao_reveal.tree_hash_root(),
            $body.eth1_data.tree_hash_root(),
            $body.graffiti.tree_hash_root(),
            $body.proposer_slashings.tree_hash_root(),
            $body.attester_slashings.tree_hash_root(),
            $body.attestations.tree_hash_root(),
            $body.deposits.tree_hash_root(),
            $body.voluntary_exits.tree_hash_root(),
        ]
    };
}

/// `$base` (a macro for the previous fork) followed by the roots of `$field`s.
macro_rules! extend_roots {
    ($base:ident, $body:expr, $($field:ident),+) => {{
        let mut roots: Vec<Hash256> = $base!($body);
        roots.extend([$($body.$field.tree_hash_root()),+]);
        roots
    }};
}

macro_rules! altair_roots {
    ($body:expr) => {
        extend_roots!(phase0_roots, $body, sync_aggregate)
    };
}

macro_rules! bellatrix_roots {
    ($body:expr) => {
        extend_roots!(altair_roots, $body, execution_payload)
    };
}

macro_rules! capella_roots {
    ($body:expr) => {
        extend_roots!(bellatrix_roots, $body, bls_to_execution_changes)
    };
}

macro_rules! deneb_roots {
    ($body:expr) => {
        extend_roots!(capella_roots, $body, blob_kzg_commitments)
    };
}

/// The `hash_tree_root` of each body field, in field order.
pub fn body_field_roots(block: &SignedBeaconBlock) -> Vec<Hash256> {
    match block {
        SignedBeaconBlock::Phase0(b) => phase0_roots!(b.message.body),
        SignedBeaconBlock::Altair(b) => altair_roots!(b.message.body),
        SignedBeaconBlock::Bellatrix(b) => bellatrix_roots!(b.message.body),
        SignedBeaconBlock::Capella(b) => capella_roots!(b.message.body),
        SignedBeaconBlock::Deneb(b) => deneb_roots!(b.message.body),
        SignedBeaconBlock::Electra(b) | SignedBeaconBlock::Fulu(b) => {
            extend_roots!(deneb_roots, b.message.body, execution_requests)
        }
    }
}

/// The Merkle root of `leaves` padded with zero chunks to `2^depth` leaves.
pub fn merkle_root(leaves: &[Hash256], depth: usize) -> Hash256 {
    let mut layer: Vec<Hash256> = leaves.to_vec();
    for level in 0..depth {
        layer = parent_layer(&layer, level);
    }
    layer.first().copied().unwrap_or_else(|| zero_hash(depth))
}

/// The branch proving `leaves[index]` in a tree of `2^depth` leaves (zero-padded), from
/// the leaf's sibling upwards. `None` when `index` is not a leaf.
pub fn merkle_branch(leaves: &[Hash256], depth: usize, index: usize) -> Option<Vec<Hash256>> {
    if index >= leaves.len() || depth >= usize::BITS as usize || index >> depth != 0 {
        return None;
    }
    let mut branch = Vec::with_capacity(depth);
    let mut layer: Vec<Hash256> = leaves.to_vec();
    let mut position = index;
    for level in 0..depth {
        let sibling = layer
            .get(position ^ 1)
            .copied()
            .unwrap_or_else(|| zero_hash(level));
        branch.push(sibling);
        layer = parent_layer(&layer, level);
        position /= 2;
    }
    Some(branch)
}

/// Whether `branch` proves `leaf` at `index` in a tree of depth `depth` with root `root`.
pub fn is_valid_branch(
    leaf: Hash256,
    branch: &[Hash256],
    depth: usize,
    index: usize,
    root: Hash256,
) -> bool {
    if branch.len() != depth {
        return false;
    }
    let node = |hash: &Hash256| ssz_rs::Node::try_from(hash.as_slice());
    let (Ok(leaf), Ok(root)) = (node(&leaf), node(&root)) else {
        return false;
    };
    let Ok(nodes) = branch.iter().map(node).collect::<Result<Vec<_>, _>>() else {
        return false;
    };
    ssz_rs::is_valid_merkle_branch(&leaf, nodes.iter(), depth, index, &root)
}

/// The depth-17 proof of the commitment at `index` in the block body, or `None` when the
/// block has no commitment there.
pub fn commitment_inclusion_proof(block: &SignedBeaconBlock, index: usize) -> Option<Vec<Hash256>> {
    let commitments = block.blob_kzg_commitments();
    if index >= commitments.len() {
        return None;
    }
    let leaves: Vec<Hash256> = commitments.iter().map(TreeHash::tree_hash_root).collect();
    let mut proof = merkle_branch(&leaves, COMMITMENTS_DEPTH, index)?;
    proof.push(length_chunk(commitments.len()));
    proof.extend(commitments_inclusion_proof(block)?);
    debug_assert_eq!(proof.len(), KZG_COMMITMENT_INCLUSION_PROOF_DEPTH);
    Some(proof)
}

/// The depth-4 proof of the whole commitments list in the block body (Fulu columns), or
/// `None` before Deneb.
pub fn commitments_inclusion_proof(block: &SignedBeaconBlock) -> Option<Vec<Hash256>> {
    if !block.fork().has_blobs() {
        return None;
    }
    merkle_branch(
        &body_field_roots(block),
        BODY_DEPTH,
        BLOB_KZG_COMMITMENTS_FIELD_INDEX,
    )
}

/// Whether `proof` shows `commitment` at `index` of the body with root `body_root`.
pub fn verify_commitment_inclusion(
    commitment: &KzgCommitment,
    index: u64,
    proof: &[Hash256],
    body_root: Hash256,
) -> bool {
    let Ok(index) = usize::try_from(index) else {
        return false;
    };
    if index >> COMMITMENTS_DEPTH != 0 {
        return false;
    }
    let position = (BLOB_KZG_COMMITMENTS_FIELD_INDEX << (COMMITMENTS_DEPTH + 1)) | index;
    is_valid_branch(
        commitment.tree_hash_root(),
        proof,
        KZG_COMMITMENT_INCLUSION_PROOF_DEPTH,
        position,
        body_root,
    )
}

/// Whether `proof` shows a commitments list with root `commitments_root` in the body with
/// root `body_root`.
pub fn verify_commitments_inclusion(
    commitments_root: Hash256,
    proof: &[Hash256],
    body_root: Hash256,
) -> bool {
    is_valid_branch(
        commitments_root,
        proof,
        KZG_COMMITMENTS_INCLUSION_PROOF_DEPTH,
        BLOB_KZG_COMMITMENTS_FIELD_INDEX,
        body_root,
    )
}

fn parent_layer(layer: &[Hash256], level: usize) -> Vec<Hash256> {
    layer
        .chunks(2)
        .map(|pair| {
            let right = pair.get(1).copied().unwrap_or_else(|| zero_hash(level));
            Hash256::from(hash32_concat(pair[0].as_slice(), right.as_slice()))
        })
        .collect()
}

fn zero_hash(level: usize) -> Hash256 {
    ZERO_HASHES
        .get(level)
        .map_or(Hash256::ZERO, |hash| Hash256::from(*hash))
}

fn length_chunk(len: usize) -> Hash256 {
    let mut chunk = [0u8; 32];
    chunk[..8].copy_from_slice(&(len as u64).to_le_bytes());
    Hash256::from(chunk)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: u8) -> Vec<Hash256> {
        (0..n).map(|i| Hash256::repeat_byte(i + 1)).collect()
    }

    #[test]
    fn a_branch_built_here_verifies_and_a_wrong_index_does_not() {
        let leaves = leaves(5);
        let root = merkle_root(&leaves, 4);
        for index in 0..5 {
            let branch = merkle_branch(&leaves, 4, index).unwrap();
            assert!(is_valid_branch(leaves[index], &branch, 4, index, root));
            assert!(!is_valid_branch(leaves[index], &branch, 4, index ^ 1, root));
        }
        assert_eq!(merkle_branch(&leaves, 4, 5), None);
    }

    #[test]
    fn the_root_of_padded_leaves_matches_tree_hash_of_a_vector() {
        let leaves = leaves(3);
        let vector: ssz_types::FixedVector<Hash256, ssz_types::typenum::U8> =
            ssz_types::FixedVector::new([leaves.clone(), vec![Hash256::ZERO; 5]].concat()).unwrap();
        assert_eq!(merkle_root(&leaves, 3), vector.tree_hash_root());
        assert_eq!(merkle_root(&[], 3), Hash256::from(ZERO_HASHES[3]));
    }

    #[test]
    fn body_field_roots_merkleize_to_the_body_root() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors");
        let cases = [
            ("lodestar-dev/block_192.ssz", crate::Fork::Capella),
            ("pyspec/deneb/blocks/5.ssz", crate::Fork::Deneb),
            ("pyspec/electra/blocks/5.ssz", crate::Fork::Electra),
            ("pyspec/fulu/blocks/5.ssz", crate::Fork::Fulu),
        ];
        for (file, fork) in cases {
            let bytes = std::fs::read(format!("{dir}/{file}")).unwrap();
            let block = SignedBeaconBlock::from_ssz_bytes(&bytes, fork).unwrap();
            let roots = body_field_roots(&block);
            assert_eq!(
                merkle_root(&roots, BODY_DEPTH),
                block.compute_body_root(),
                "{file}"
            );
        }
    }
}
