//! Fork data roots, fork digests (with Fulu's blob-parameter mask), signing domains and
//! signing roots.

use tree_hash::TreeHash;

use super::{ChainConfig, DigestEntry, FAR_FUTURE_EPOCH};
use crate::containers::{ForkData, SigningData};
use crate::fork::Fork;
use crate::primitives::{Domain, ForkDigest, Hash256, Version};

/// A 4-byte domain type (`DOMAIN_BEACON_PROPOSER`, ...).
pub type DomainType = [u8; 4];

/// `DOMAIN_BEACON_PROPOSER`: the domain type of block signatures.
pub const DOMAIN_BEACON_PROPOSER: DomainType = [0, 0, 0, 0];

/// `compute_fork_data_root(version, genesis_validators_root)`:
/// `hash_tree_root(ForkData{current_version, genesis_validators_root})`.
pub fn compute_fork_data_root(version: Version, genesis_validators_root: Hash256) -> Hash256 {
    ForkData {
        current_version: version,
        genesis_validators_root,
    }
    .tree_hash_root()
}

/// `compute_signing_root`: `hash_tree_root(SigningData{object_root, domain})`, the message
/// a BLS signature signs.
pub fn compute_signing_root(object_root: Hash256, domain: Domain) -> Hash256 {
    SigningData {
        object_root,
        domain,
    }
    .tree_hash_root()
}

/// The first 4 bytes of a 32-byte root.
fn first_four(root: &Hash256) -> ForkDigest {
    let mut digest = [0u8; 4];
    for (out, byte) in digest.iter_mut().zip(root.iter()) {
        *out = *byte;
    }
    ForkDigest::from(digest)
}

/// Fulu's digest mask: `sha256(le64(epoch) ‖ le64(max_blobs_per_block))`.
fn blob_parameters_mask(epoch: u64, max_blobs_per_block: u64) -> [u8; 32] {
    let mut input = [0u8; 16];
    let (epoch_bytes, max_bytes) = input.split_at_mut(8);
    epoch_bytes.copy_from_slice(&epoch.to_le_bytes());
    max_bytes.copy_from_slice(&max_blobs_per_block.to_le_bytes());
    ethereum_hashing::hash_fixed(&input)
}

impl ChainConfig {
    /// `compute_fork_data_root(version, genesis_validators_root)` for this chain.
    pub fn compute_fork_data_root(&self, version: Version) -> Hash256 {
        compute_fork_data_root(version, self.genesis_validators_root)
    }

    /// `compute_domain(domain_type, version, genesis_validators_root)`:
    /// `domain_type ‖ fork_data_root[..28]`.
    pub fn compute_domain(&self, domain_type: DomainType, version: Version) -> Domain {
        let root = self.compute_fork_data_root(version);
        let mut domain = [0u8; 32];
        let (head, tail) = domain.split_at_mut(4);
        head.copy_from_slice(&domain_type);
        for (out, byte) in tail.iter_mut().zip(root.iter()) {
            *out = *byte;
        }
        Domain::from(domain)
    }

    /// The domain of a block proposal at `epoch`: `DOMAIN_BEACON_PROPOSER` with the fork
    /// version of that epoch.
    pub fn proposer_domain(&self, epoch: u64) -> Domain {
        self.compute_domain(DOMAIN_BEACON_PROPOSER, self.fork_version_at_epoch(epoch))
    }

    /// What the proposer of the block at `slot` with root `block_root` signs:
    /// `compute_signing_root(block_root, proposer_domain(epoch of slot))`.
    pub fn proposer_signing_root(&self, slot: u64, block_root: Hash256) -> Hash256 {
        compute_signing_root(block_root, self.proposer_domain(self.slot_to_epoch(slot)))
    }

    /// The digest of `fork` used at `epoch`: the fork data root's first 4 bytes, XORed
    /// from Fulu on with the mask of the blob parameters in force at `epoch`.
    fn digest_of(&self, fork: Fork, epoch: u64) -> ForkDigest {
        let mut root = self.compute_fork_data_root(self.fork_version(fork));
        if fork >= Fork::Fulu {
            let (bp_epoch, bp_max) = self.blob_parameters(epoch);
            for (byte, mask) in root.iter_mut().zip(blob_parameters_mask(bp_epoch, bp_max)) {
                *byte ^= mask;
            }
        }
        first_four(&root)
    }

    /// `compute_fork_digest(genesis_validators_root, epoch)`: the context bytes of every
    /// block and sidecar of `epoch`.
    pub fn fork_digest_at_epoch(&self, epoch: u64) -> ForkDigest {
        self.digest_of(self.fork_at_epoch(epoch), epoch)
    }

    /// The fork whose types go with `digest`, covering every scheduled fork and every BPO
    /// fork after Fulu; `None` for a digest this chain never uses.
    pub fn fork_for_digest(&self, digest: ForkDigest) -> Option<Fork> {
        self.digests
            .iter()
            .find(|entry| entry.digest == digest)
            .map(|entry| entry.fork)
    }

    /// Every digest of the chain as `(digest, fork, first epoch)`, in epoch order: one per
    /// scheduled fork (computed with its own version, also when a later fork starts at
    /// the same epoch) and one per BPO fork after Fulu.
    pub fn all_fork_digests(&self) -> Vec<(ForkDigest, Fork, u64)> {
        self.digests
            .iter()
            .map(|entry| (entry.digest, entry.fork, entry.epoch))
            .collect()
    }

    /// Recomputes the digest table after the forks, blob schedule or genesis root changed.
    pub(super) fn rebuild_digests(&mut self) {
        let mut digests: Vec<DigestEntry> = Vec::new();
        for fork in Fork::ALL {
            if let Some(epoch) = self.fork_epoch(fork) {
                digests.push(DigestEntry {
                    digest: self.digest_of(fork, epoch),
                    fork,
                    epoch,
                });
            }
        }
        if let Some(fulu) = self.fork_epoch(Fork::Fulu) {
            for entry in &self.blob_schedule {
                if entry.epoch > fulu && entry.epoch != FAR_FUTURE_EPOCH {
                    digests.push(DigestEntry {
                        digest: self.digest_of(Fork::Fulu, entry.epoch),
                        fork: Fork::Fulu,
                        epoch: entry.epoch,
                    });
                }
            }
        }
        digests.sort_by_key(|entry| (entry.epoch, entry.fork));
        self.digests = digests;
    }
}
