//! The content of devnet blocks: bodies of Deneb, Electra and Fulu, the stand-in execution
//! payload and the empty sync aggregate (see the module docs of [`super`]).

use ssz_types::{BitVector, VariableList};

use super::DevnetError;
use super::draw::seeded_hash;
use super::genesis::{ExecutionHead, GAS_LIMIT};
use crate::block::SignedBeaconBlock;
use crate::containers::{
    BeaconBlock, BeaconBlockBodyDeneb, BeaconBlockBodyElectra, BlobKzgCommitments, BlockBody,
    Eth1Data, ExecutionPayloadDeneb, ExecutionRequests, LogsBloom, SignedBeaconBlockOf,
    SyncAggregate, Transaction, Transactions,
};
use crate::fork::Fork;
use crate::kzg::versioned_hash;
use crate::primitives::{Address, Hash256, KzgCommitment, SignatureBytes, U256};

/// `GAS_PER_BLOB` (2^17): the blob gas one blob uses.
pub(super) const GAS_PER_BLOB: u64 = 131_072;
/// The gas a payload's one opaque transaction is said to use.
const GAS_PER_TRANSACTION: u64 = 21_000;
/// The base fee of every payload: 1 gwei.
const BASE_FEE_PER_GAS_WEI: u64 = 1_000_000_000;
/// The type byte of an EIP-4844 blob transaction.
const BLOB_TX_TYPE: u8 = 0x03;
/// Every payload's `extra_data`.
const EXTRA_DATA: &[u8] = b"beacon-sync devnet";
/// The first byte of a compressed BLS point at infinity (the empty aggregate signature).
const INFINITY_SIGNATURE_PREFIX: u8 = 0xc0;

/// Everything a devnet block holds; the rest of the body is empty.
#[derive(Clone, Debug)]
pub(super) struct BlockContent {
    /// The slot.
    pub(super) slot: u64,
    /// The proposer.
    pub(super) proposer_index: u64,
    /// The previous block's root.
    pub(super) parent_root: Hash256,
    /// The state root (a stand-in after genesis).
    pub(super) state_root: Hash256,
    /// The RANDAO reveal.
    pub(super) randao_reveal: SignatureBytes,
    /// The eth1 vote.
    pub(super) eth1_data: Eth1Data,
    /// The graffiti.
    pub(super) graffiti: Hash256,
    /// The sync aggregate.
    pub(super) sync_aggregate: SyncAggregate,
    /// The execution payload.
    pub(super) execution_payload: ExecutionPayloadDeneb,
    /// The blob commitments.
    pub(super) commitments: BlobKzgCommitments,
}

impl BlockContent {
    /// A block with the all-default body (the genesis block's) and a zero state root.
    pub(super) fn empty(slot: u64, proposer_index: u64, parent_root: Hash256) -> BlockContent {
        BlockContent {
            slot,
            proposer_index,
            parent_root,
            state_root: Hash256::ZERO,
            randao_reveal: SignatureBytes::ZERO,
            eth1_data: Eth1Data::default(),
            graffiti: Hash256::ZERO,
            sync_aggregate: SyncAggregate {
                sync_committee_bits: BitVector::new(),
                sync_committee_signature: SignatureBytes::ZERO,
            },
            execution_payload: empty_payload(),
            commitments: VariableList::default(),
        }
    }
}

/// The unsigned block of `fork` holding `content`.
pub(super) fn assemble(
    fork: Fork,
    content: BlockContent,
) -> Result<SignedBeaconBlock, DevnetError> {
    let BlockContent {
        slot,
        proposer_index,
        parent_root,
        state_root,
        randao_reveal,
        eth1_data,
        graffiti,
        sync_aggregate,
        execution_payload,
        commitments,
    } = content;
    let deneb = BeaconBlockBodyDeneb {
        randao_reveal,
        eth1_data,
        graffiti,
        proposer_slashings: VariableList::default(),
        attester_slashings: VariableList::default(),
        attestations: VariableList::default(),
        deposits: VariableList::default(),
        voluntary_exits: VariableList::default(),
        sync_aggregate,
        execution_payload,
        bls_to_execution_changes: VariableList::default(),
        blob_kzg_commitments: commitments,
    };
    let fields = (slot, proposer_index, parent_root, state_root);
    Ok(match fork {
        Fork::Deneb => SignedBeaconBlock::Deneb(unsigned(fields, deneb)),
        Fork::Electra => SignedBeaconBlock::Electra(unsigned(fields, electra_body(deneb))),
        Fork::Fulu => SignedBeaconBlock::Fulu(unsigned(fields, electra_body(deneb))),
        other => return Err(DevnetError::UnsupportedFork { fork: other }),
    })
}

/// The unsigned block with `(slot, proposer_index, parent_root, state_root)` and `body`.
fn unsigned<B: BlockBody>(
    (slot, proposer_index, parent_root, state_root): (u64, u64, Hash256, Hash256),
    body: B,
) -> SignedBeaconBlockOf<B> {
    SignedBeaconBlockOf {
        message: BeaconBlock {
            slot,
            proposer_index,
            parent_root,
            state_root,
            body,
        },
        signature: SignatureBytes::ZERO,
    }
}

/// Deneb's body with Electra's (empty) execution requests and attestation types.
fn electra_body(deneb: BeaconBlockBodyDeneb) -> BeaconBlockBodyElectra {
    BeaconBlockBodyElectra {
        randao_reveal: deneb.randao_reveal,
        eth1_data: deneb.eth1_data,
        graffiti: deneb.graffiti,
        proposer_slashings: deneb.proposer_slashings,
        attester_slashings: VariableList::default(),
        attestations: VariableList::default(),
        deposits: deneb.deposits,
        voluntary_exits: deneb.voluntary_exits,
        sync_aggregate: deneb.sync_aggregate,
        execution_payload: deneb.execution_payload,
        bls_to_execution_changes: deneb.bls_to_execution_changes,
        blob_kzg_commitments: deneb.blob_kzg_commitments,
        execution_requests: ExecutionRequests {
            deposits: VariableList::default(),
            withdrawals: VariableList::default(),
            consolidations: VariableList::default(),
        },
    }
}

/// The all-zero execution payload of an empty body.
fn empty_payload() -> ExecutionPayloadDeneb {
    ExecutionPayloadDeneb {
        parent_hash: Hash256::ZERO,
        fee_recipient: Address::ZERO,
        state_root: Hash256::ZERO,
        receipts_root: Hash256::ZERO,
        logs_bloom: LogsBloom::ZERO,
        prev_randao: Hash256::ZERO,
        block_number: 0,
        gas_limit: 0,
        gas_used: 0,
        timestamp: 0,
        extra_data: VariableList::default(),
        base_fee_per_gas: U256::ZERO,
        block_hash: Hash256::ZERO,
        transactions: VariableList::default(),
        withdrawals: VariableList::default(),
        blob_gas_used: 0,
        excess_blob_gas: 0,
    }
}

/// A sync aggregate nobody signed: no bits, the infinity signature.
pub(super) fn empty_sync_aggregate() -> SyncAggregate {
    let mut signature = [0_u8; 96];
    signature[0] = INFINITY_SIGNATURE_PREFIX;
    SyncAggregate {
        sync_committee_bits: BitVector::new(),
        sync_committee_signature: SignatureBytes::from(signature),
    }
}

/// `beacon-sync devnet <slot>`, zero-padded to 32 bytes.
pub(super) fn graffiti(slot: u64) -> Hash256 {
    let text = format!("beacon-sync devnet {slot}");
    let mut bytes = [0_u8; 32];
    for (out, byte) in bytes.iter_mut().zip(text.bytes()) {
        *out = byte;
    }
    Hash256::from(bytes)
}

/// The stand-in execution payload of the block at `slot`, building on `parent`.
pub(super) fn devnet_payload(
    seed: &[u8; 32],
    slot: u64,
    timestamp: u64,
    parent: ExecutionHead,
    commitments: &[KzgCommitment],
) -> ExecutionPayloadDeneb {
    let blobs = commitments.len() as u64;
    let transactions: Transactions = if commitments.is_empty() {
        VariableList::default()
    } else {
        let mut bytes = vec![BLOB_TX_TYPE];
        for commitment in commitments {
            bytes.extend_from_slice(versioned_hash(commitment).as_slice());
        }
        let transaction: Transaction = VariableList::new(bytes)
            .expect("invariant: a few versioned hashes fit MAX_BYTES_PER_TRANSACTION");
        VariableList::new(vec![transaction])
            .expect("invariant: one transaction fits MAX_TRANSACTIONS_PER_PAYLOAD")
    };
    ExecutionPayloadDeneb {
        parent_hash: parent.block_hash,
        fee_recipient: Address::ZERO,
        state_root: seeded_hash(seed, b"el-state", &[slot]),
        receipts_root: seeded_hash(seed, b"el-receipts", &[slot]),
        logs_bloom: LogsBloom::ZERO,
        prev_randao: seeded_hash(seed, b"prev-randao", &[slot]),
        block_number: parent.block_number.saturating_add(1),
        gas_limit: GAS_LIMIT,
        gas_used: GAS_PER_TRANSACTION * transactions.len() as u64,
        timestamp,
        extra_data: VariableList::new(EXTRA_DATA.to_vec())
            .expect("invariant: the extra data is under 32 bytes"),
        base_fee_per_gas: U256::from(BASE_FEE_PER_GAS_WEI),
        block_hash: seeded_hash(seed, b"el-block", &[slot]),
        transactions,
        withdrawals: VariableList::default(),
        blob_gas_used: blobs.saturating_mul(GAS_PER_BLOB),
        excess_blob_gas: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graffiti_names_the_slot_and_payloads_chain() {
        assert_eq!(&graffiti(42)[..21], b"beacon-sync devnet 42");
        let parent = ExecutionHead {
            block_hash: Hash256::repeat_byte(1),
            block_number: 9,
        };
        let payload = devnet_payload(&[0; 32], 5, 60, parent, &[KzgCommitment::ZERO; 2]);
        assert_eq!(payload.parent_hash, parent.block_hash);
        assert_eq!(payload.block_number, 10);
        assert_eq!(payload.blob_gas_used, 2 * GAS_PER_BLOB);
        assert_eq!(payload.transactions.len(), 1);
        assert_eq!(payload.transactions[0].len(), 1 + 2 * 32);
    }
}
