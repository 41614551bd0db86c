//! The status handshake: our `Status`, the checks of a peer's (spec A.7), and the
//! Goodbye reasons.
//!
//! Every connection starts with a `Status` exchange (the dialer sends first). A peer is
//! useful only if it is on our network at the wall-clock epoch and its claims are
//! possible: its finalized epoch is not past its head, its head is not in the future, and
//! its finalized checkpoint does not contradict our chain. Everything here is plain
//! synchronous code; the swarm task calls it.

use std::fmt;
use std::time::Duration;

use consensus::config::ChainConfig;
use consensus::containers::{StatusV1, StatusV2};
use consensus::primitives::{ForkDigest, Hash256};
use ssz::Encode;

use crate::clock::slot_at;
use crate::codec::{CodecError, Protocol, STATUS_V2_SIZE, decode_ssz};
use crate::source::ChainInfo;

/// A peer's (or our) `Status`, v1 or v2: v2 adds `earliest_available_slot`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatusMessage {
    /// The fork digest of the sender's wall-clock epoch.
    pub fork_digest: ForkDigest,
    /// Its finalized checkpoint root (zero at genesis).
    pub finalized_root: Hash256,
    /// Its finalized epoch.
    pub finalized_epoch: u64,
    /// Its head block root.
    pub head_root: Hash256,
    /// Its head slot.
    pub head_slot: u64,
    /// The earliest slot it can serve (status v2 only).
    pub earliest_available_slot: Option<u64>,
}

impl StatusMessage {
    /// The SSZ of the message in the version `protocol` speaks (`status/1` or `status/2`;
    /// a v2 message without `earliest_available_slot` says 0).
    pub fn to_ssz(&self, protocol: Protocol) -> Vec<u8> {
        if protocol == Protocol::StatusV2 {
            StatusV2 {
                fork_digest: self.fork_digest,
                finalized_root: self.finalized_root,
                finalized_epoch: self.finalized_epoch,
                head_root: self.head_root,
                head_slot: self.head_slot,
                earliest_available_slot: self.earliest_available_slot.unwrap_or(0),
            }
            .as_ssz_bytes()
        } else {
            StatusV1 {
                fork_digest: self.fork_digest,
                finalized_root: self.finalized_root,
                finalized_epoch: self.finalized_epoch,
                head_root: self.head_root,
                head_slot: self.head_slot,
            }
            .as_ssz_bytes()
        }
    }

    /// Decodes a v1 (84 bytes) or v2 (92 bytes) status.
    ///
    /// # Errors
    ///
    /// [`CodecError::InvalidSsz`] for any other length or invalid bytes.
    pub fn from_ssz(ssz: &[u8]) -> Result<StatusMessage, CodecError> {
        if ssz.len() == STATUS_V2_SIZE {
            let v2: StatusV2 = decode_ssz(ssz)?;
            return Ok(StatusMessage {
                fork_digest: v2.fork_digest,
                finalized_root: v2.finalized_root,
                finalized_epoch: v2.finalized_epoch,
                head_root: v2.head_root,
                head_slot: v2.head_slot,
                earliest_available_slot: Some(v2.earliest_available_slot),
            });
        }
        let v1: StatusV1 = decode_ssz(ssz)?;
        Ok(StatusMessage {
            fork_digest: v1.fork_digest,
            finalized_root: v1.finalized_root,
            finalized_epoch: v1.finalized_epoch,
            head_root: v1.head_root,
            head_slot: v1.head_slot,
            earliest_available_slot: None,
        })
    }

    /// Our status: the fork digest of the wall-clock epoch at `now`, and the chain's
    /// finalized checkpoint, head and earliest available slot.
    pub fn local(chain: &ChainConfig, info: &ChainInfo, now: Duration) -> StatusMessage {
        let wall_epoch = chain.slot_to_epoch(slot_at(chain, now));
        StatusMessage {
            fork_digest: chain.fork_digest_at_epoch(wall_epoch),
            finalized_root: info.finalized.root,
            finalized_epoch: info.finalized.epoch,
            head_root: info.head_root,
            head_slot: info.head_slot,
            earliest_available_slot: Some(info.earliest_available_slot),
        }
    }
}

/// What a peer's status is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalView {
    /// Our fork digest at the wall-clock epoch.
    pub fork_digest: ForkDigest,
    /// Our finalized epoch.
    pub finalized_epoch: u64,
    /// The wall-clock slot, read with the allowed clock disparity added (Nimbus: 500 ms).
    pub wall_slot: u64,
    /// `SLOTS_PER_EPOCH`.
    pub slots_per_epoch: u64,
}

impl LocalView {
    /// The view at `now`, with `disparity` of clock skew allowed.
    pub fn new(chain: &ChainConfig, info: &ChainInfo, now: Duration, disparity: Duration) -> Self {
        let ours = StatusMessage::local(chain, info, now);
        LocalView {
            fork_digest: ours.fork_digest,
            finalized_epoch: info.finalized.epoch,
            wall_slot: slot_at(chain, now.saturating_add(disparity)),
            slots_per_epoch: chain.slots_per_epoch().max(1),
        }
    }
}

/// Why a peer's status was refused (each ends the connection with Goodbye(2)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StatusError {
    /// The peer is on another network or fork at the wall-clock epoch.
    #[error("fork digests differ: ours {ours}, theirs {theirs}")]
    ForkDigestMismatch {
        /// Our digest.
        ours: ForkDigest,
        /// The peer's.
        theirs: ForkDigest,
    },
    /// The peer's finalized epoch is after the epoch of its head.
    #[error("finalized epoch {finalized_epoch} newer than head slot {head_slot}")]
    FinalizedAfterHead {
        /// The claimed finalized epoch.
        finalized_epoch: u64,
        /// The claimed head slot.
        head_slot: u64,
    },
    /// The peer's head slot is later than the wall clock allows.
    #[error("head slot {head_slot} more recent than the wall clock (slot {wall_slot})")]
    HeadInFuture {
        /// The claimed head slot.
        head_slot: u64,
        /// Our wall-clock slot (with the allowed disparity).
        wall_slot: u64,
    },
    /// The peer finalized a block that is not on our chain.
    #[error("peer following different finality at epoch {epoch}: {theirs} vs our {ours}")]
    DifferentFinality {
        /// The peer's finalized epoch.
        epoch: u64,
        /// The peer's finalized root.
        theirs: Hash256,
        /// Our block at that epoch's start slot.
        ours: Hash256,
    },
}

impl StatusError {
    /// The Goodbye reason to send: every refused status is an irrelevant network.
    pub const fn goodbye_reason(&self) -> GoodbyeReason {
        GoodbyeReason::IrrelevantNetwork
    }
}

/// Checks a peer's status against ours (spec A.7 `checkStatusMsg`). `root_at_slot` gives
/// our canonical block root at a slot (the block at or before it), if we have it.
///
/// # Errors
///
/// The first [`StatusError`] found, in the order: digest, finalized after head, head in
/// the future, different finality.
pub fn check_status(
    peer: &StatusMessage,
    local: &LocalView,
    root_at_slot: impl Fn(u64) -> Option<Hash256>,
) -> Result<(), StatusError> {
    if peer.fork_digest != local.fork_digest {
        return Err(StatusError::ForkDigestMismatch {
            ours: local.fork_digest,
            theirs: peer.fork_digest,
        });
    }
    if peer.finalized_epoch > peer.head_slot / local.slots_per_epoch {
        return Err(StatusError::FinalizedAfterHead {
            finalized_epoch: peer.finalized_epoch,
            head_slot: peer.head_slot,
        });
    }
    if peer.head_slot > local.wall_slot {
        return Err(StatusError::HeadInFuture {
            head_slot: peer.head_slot,
            wall_slot: local.wall_slot,
        });
    }
    if peer.finalized_epoch <= local.finalized_epoch && !peer.finalized_root.is_zero() {
        let start = peer.finalized_epoch.saturating_mul(local.slots_per_epoch);
        if let Some(ours) = root_at_slot(start)
            && ours != peer.finalized_root
        {
            return Err(StatusError::DifferentFinality {
                epoch: peer.finalized_epoch,
                theirs: peer.finalized_root,
                ours,
            });
        }
    }
    Ok(())
}

/// A Goodbye reason (wire.md §7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GoodbyeReason {
    /// `1`: client shutdown.
    ClientShutdown,
    /// `2`: irrelevant network (wrong fork, impossible or contradicting status).
    IrrelevantNetwork,
    /// `3`: fault or error (no status, a protocol error).
    Fault,
    /// `129` (Lighthouse): too many peers.
    TooManyPeers,
    /// `250` (Lighthouse): score too low.
    BadScore,
    /// `251` (Lighthouse): banned.
    Banned,
    /// Any other code.
    Other(u64),
}

impl GoodbyeReason {
    /// The reason of a wire code.
    pub const fn from_u64(code: u64) -> GoodbyeReason {
        match code {
            1 => GoodbyeReason::ClientShutdown,
            2 => GoodbyeReason::IrrelevantNetwork,
            3 => GoodbyeReason::Fault,
            129 => GoodbyeReason::TooManyPeers,
            250 => GoodbyeReason::BadScore,
            251 => GoodbyeReason::Banned,
            other => GoodbyeReason::Other(other),
        }
    }

    /// The wire code.
    pub const fn as_u64(self) -> u64 {
        match self {
            GoodbyeReason::ClientShutdown => 1,
            GoodbyeReason::IrrelevantNetwork => 2,
            GoodbyeReason::Fault => 3,
            GoodbyeReason::TooManyPeers => 129,
            GoodbyeReason::BadScore => 250,
            GoodbyeReason::Banned => 251,
            GoodbyeReason::Other(code) => code,
        }
    }
}

impl GoodbyeReason {
    /// The reason as a metric label: `client_shutdown`, `irrelevant_network`, `fault`,
    /// `too_many_peers`, `bad_score`, `banned` or `other`.
    pub const fn label(self) -> &'static str {
        match GoodbyeReason::from_u64(self.as_u64()) {
            GoodbyeReason::ClientShutdown => "client_shutdown",
            GoodbyeReason::IrrelevantNetwork => "irrelevant_network",
            GoodbyeReason::Fault => "fault",
            GoodbyeReason::TooManyPeers => "too_many_peers",
            GoodbyeReason::BadScore => "bad_score",
            GoodbyeReason::Banned => "banned",
            GoodbyeReason::Other(_) => "other",
        }
    }
}

impl fmt::Display for GoodbyeReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = self.as_u64();
        match GoodbyeReason::from_u64(code) {
            GoodbyeReason::ClientShutdown => write!(f, "client shutdown ({code})"),
            GoodbyeReason::IrrelevantNetwork => write!(f, "irrelevant network ({code})"),
            GoodbyeReason::Fault => write!(f, "fault or error ({code})"),
            GoodbyeReason::TooManyPeers => write!(f, "too many peers ({code})"),
            GoodbyeReason::BadScore => write!(f, "bad score ({code})"),
            GoodbyeReason::Banned => write!(f, "banned ({code})"),
            GoodbyeReason::Other(_) => write!(f, "reason {code}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::STATUS_V1_SIZE;

    fn view() -> LocalView {
        LocalView {
            fork_digest: ForkDigest::from([1, 2, 3, 4]),
            finalized_epoch: 3,
            wall_slot: 200,
            slots_per_epoch: 32,
        }
    }

    fn status() -> StatusMessage {
        StatusMessage {
            fork_digest: ForkDigest::from([1, 2, 3, 4]),
            finalized_root: Hash256::repeat_byte(7),
            finalized_epoch: 2,
            head_root: Hash256::repeat_byte(9),
            head_slot: 150,
            earliest_available_slot: None,
        }
    }

    #[test]
    fn a_consistent_status_passes() {
        let ours = |slot| (slot == 64).then_some(Hash256::repeat_byte(7));
        assert_eq!(check_status(&status(), &view(), ours), Ok(()));
        // A finalized epoch past ours is not checked against our chain.
        let ahead = StatusMessage {
            finalized_epoch: 4,
            ..status()
        };
        assert_eq!(
            check_status(&ahead, &view(), |_| Some(Hash256::ZERO)),
            Ok(())
        );
    }

    #[test]
    fn each_check_has_its_error() {
        let none = |_| None;
        let other_digest = StatusMessage {
            fork_digest: ForkDigest::from([9, 9, 9, 9]),
            ..status()
        };
        assert!(matches!(
            check_status(&other_digest, &view(), none),
            Err(StatusError::ForkDigestMismatch { .. })
        ));
        let finalized_after_head = StatusMessage {
            finalized_epoch: 5,
            ..status()
        };
        assert!(matches!(
            check_status(&finalized_after_head, &view(), none),
            Err(StatusError::FinalizedAfterHead { .. })
        ));
        let future = StatusMessage {
            head_slot: 201,
            ..status()
        };
        assert_eq!(
            check_status(&future, &view(), none),
            Err(StatusError::HeadInFuture {
                head_slot: 201,
                wall_slot: 200
            })
        );
        let fork = check_status(&status(), &view(), |_| Some(Hash256::repeat_byte(8)));
        assert!(matches!(
            fork,
            Err(StatusError::DifferentFinality { epoch: 2, .. })
        ));
        assert_eq!(
            fork.unwrap_err().goodbye_reason(),
            GoodbyeReason::IrrelevantNetwork
        );
    }

    #[test]
    fn status_versions_round_trip() {
        let v2 = StatusMessage {
            earliest_available_slot: Some(17),
            ..status()
        };
        let bytes = v2.to_ssz(Protocol::StatusV2);
        assert_eq!(bytes.len(), STATUS_V2_SIZE);
        assert_eq!(StatusMessage::from_ssz(&bytes), Ok(v2));
        let bytes = v2.to_ssz(Protocol::StatusV1);
        assert_eq!(bytes.len(), STATUS_V1_SIZE);
        assert_eq!(StatusMessage::from_ssz(&bytes), Ok(status()));
        assert!(StatusMessage::from_ssz(&[0; 10]).is_err());
    }

    #[test]
    fn goodbye_codes_round_trip() {
        for code in [1, 2, 3, 129, 250, 251, 7] {
            assert_eq!(GoodbyeReason::from_u64(code).as_u64(), code);
        }
        assert_eq!(GoodbyeReason::BadScore.to_string(), "bad score (250)");
    }
}
