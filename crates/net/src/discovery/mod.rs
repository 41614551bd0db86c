//! Ethereum node records (EIP-778) of the eth2 network: reading a network's bootnodes
//! and the eth2 fields of a record (`eth2`: the ENRForkID, `cgc`: the custody group
//! count), with the `enr` crate discv5 uses.
//!
//! A record is signed by its node's secp256k1 key; [`Enr`] decoding checks that signature,
//! and the node id is the keccak256 of the uncompressed key, the same as
//! [`crate::node_id`] gives for a libp2p identity.

use consensus::primitives::{ForkDigest, Version};
use ssz::{Decode, Encode};

mod service;

pub use service::{
    Discovery, DiscoveryConfig, DiscoveryError, NFD_ENR_KEY, dial_addr, fork_id_at, local_enr,
    udp_addr,
};

/// A node record, as the discv5 crate holds them (eth2 nodes sign with secp256k1).
pub type Enr = discv5::Enr;

/// The `eth2` key of a record.
pub const ETH2_ENR_KEY: &str = "eth2";
/// The `cgc` key of a record (Fulu): the custody group count, big-endian.
pub const CGC_ENR_KEY: &str = "cgc";

/// `ENRForkID`: what fork a node is on and which fork it expects next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ssz_derive::Encode, ssz_derive::Decode)]
pub struct EnrForkId {
    /// The digest of the node's current fork (and blob parameters).
    pub fork_digest: ForkDigest,
    /// The version of the next scheduled fork (the current one if none is).
    pub next_fork_version: Version,
    /// The epoch of the next scheduled fork (`FAR_FUTURE_EPOCH` if none is).
    pub next_fork_epoch: u64,
}

impl EnrForkId {
    /// The 16 bytes of the `eth2` field.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.as_ssz_bytes()
    }
}

/// Why a record or a bootnode list could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EnrError {
    /// A line of a bootnode list is not a valid signed record.
    #[error("bootnode {line}: {reason}")]
    Bootnode {
        /// The line, from 1.
        line: usize,
        /// What the decoder said.
        reason: String,
    },
    /// A bootnode list without any record.
    #[error("the bootnode list has no record")]
    NoBootnodes,
    /// The `eth2` field is not a 16-byte ENRForkID.
    #[error("the eth2 field is not an ENRForkID: {0}")]
    Eth2(String),
    /// The `cgc` field is not a big-endian integer of at most 8 bytes.
    #[error("the cgc field is not a custody group count")]
    CustodyGroupCount,
}

/// The records of a bootnode list: `bootstrap_nodes.yaml` (`- enr:...` lines) or a
/// `.txt` file with one record per line. Comments (`#`) and blank lines are skipped.
///
/// # Errors
/// [`EnrError::Bootnode`] naming the first line that is not a valid signed record;
/// [`EnrError::NoBootnodes`] for a list without any.
pub fn parse_bootnodes(text: &str) -> Result<Vec<Enr>, EnrError> {
    let mut records = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let content = line.split('#').next().unwrap_or_default().trim();
        let content = content.strip_prefix('-').unwrap_or(content).trim();
        let content = content.trim_matches(|c| c == '"' || c == '\'');
        if content.is_empty() {
            continue;
        }
        let record = content
            .parse::<Enr>()
            .map_err(|reason| EnrError::Bootnode {
                line: number + 1,
                reason,
            })?;
        records.push(record);
    }
    if records.is_empty() {
        return Err(EnrError::NoBootnodes);
    }
    Ok(records)
}

/// The record's raw `key` value (the RLP string's bytes), if it has one.
fn field(record: &Enr, key: &str) -> Option<Result<bytes::Bytes, String>> {
    record
        .get_decodable::<bytes::Bytes>(key)
        .map(|decoded| decoded.map_err(|error| format!("{error:?}")))
}

/// The record's `eth2` field, if it has one.
///
/// # Errors
/// [`EnrError::Eth2`] when it is not a 16-byte ENRForkID.
pub fn eth2(record: &Enr) -> Result<Option<EnrForkId>, EnrError> {
    let Some(bytes) = field(record, ETH2_ENR_KEY) else {
        return Ok(None);
    };
    let bytes = bytes.map_err(EnrError::Eth2)?;
    EnrForkId::from_ssz_bytes(&bytes)
        .map(Some)
        .map_err(|error| EnrError::Eth2(format!("{error:?}")))
}

/// The record's raw `eth2`, `attnets` or other byte field, if it has one.
///
/// # Errors
/// [`EnrError::Eth2`] when the value is not an RLP byte string.
pub fn bytes_field(record: &Enr, key: &str) -> Result<Option<Vec<u8>>, EnrError> {
    field(record, key)
        .transpose()
        .map(|found| found.map(|bytes| bytes.to_vec()))
        .map_err(EnrError::Eth2)
}

/// The record's custody group count (`cgc`), if it has one.
///
/// # Errors
/// [`EnrError::CustodyGroupCount`] when it is longer than 8 bytes.
pub fn custody_group_count(record: &Enr) -> Result<Option<u64>, EnrError> {
    let Some(bytes) = field(record, CGC_ENR_KEY) else {
        return Ok(None);
    };
    let bytes = bytes.map_err(|_| EnrError::CustodyGroupCount)?;
    if bytes.len() > 8 {
        return Err(EnrError::CustodyGroupCount);
    }
    Ok(Some(bytes.iter().fold(0, |n, b| (n << 8) | u64::from(*b))))
}
