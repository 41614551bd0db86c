//! Banned peers and addresses, kept in a small JSON file of the data directory so that a
//! restart does not hand a peer that was just let go for its faults a clean slate.
//! A peer is banned for a while when it leaves with a score below zero; an address is
//! banned while it holds [`PeerManagerConfig::ip_ban_threshold`] banned peers (one host
//! with many identities). Times are Unix seconds of the node's wall clock.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::PeerManagerConfig;

/// The file name in the data directory.
pub const BANS_FILE: &str = "peer-bans.json";

/// Why the ban list could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum BanError {
    /// The file could not be read or written.
    #[error("cannot {action} the peer ban list {path}: {source}")]
    Io {
        /// "read" or "write".
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a ban list.
    #[error("the peer ban list {path} is not valid JSON of bans: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        reason: String,
    },
}

/// One banned peer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Ban {
    /// Unix second the ban ends.
    until: u64,
    /// The address it connected from, if known.
    ip: Option<IpAddr>,
}

/// Banned peers (by their id's text form) and, through them, addresses.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BanList {
    peers: BTreeMap<String, Ban>,
    #[serde(skip)]
    path: Option<PathBuf>,
    #[serde(skip)]
    duration: u64,
    #[serde(skip)]
    ip_threshold: usize,
}

impl BanList {
    /// An empty list kept only in memory.
    pub fn in_memory(config: &PeerManagerConfig) -> BanList {
        BanList {
            duration: config.ban_duration.as_secs(),
            ip_threshold: config.ip_ban_threshold.max(1),
            ..BanList::default()
        }
    }

    /// The list saved in `dir` ([`BANS_FILE`]; empty if there is none), without the bans
    /// that ended before `now`.
    ///
    /// # Errors
    /// [`BanError`] if the file exists but cannot be read or parsed.
    pub fn open(dir: &Path, config: &PeerManagerConfig, now: u64) -> Result<BanList, BanError> {
        let path = dir.join(BANS_FILE);
        let mut list = match std::fs::read(&path) {
            Ok(bytes) => {
                serde_json::from_slice::<BanList>(&bytes).map_err(|e| BanError::Corrupt {
                    path: path.clone(),
                    reason: e.to_string(),
                })?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BanList::default(),
            Err(source) => {
                return Err(BanError::Io {
                    action: "read",
                    path,
                    source,
                });
            }
        };
        list.peers.retain(|_, ban| ban.until > now);
        list.duration = config.ban_duration.as_secs();
        list.ip_threshold = config.ip_ban_threshold.max(1);
        list.path = Some(path);
        Ok(list)
    }

    /// Bans `peer` (seen at `ip`) from `now` for the configured time and saves the list.
    /// Returns true if this makes `ip` banned.
    ///
    /// # Errors
    /// [`BanError::Io`] if the list cannot be saved (the ban holds in memory).
    pub fn ban(&mut self, peer: &str, ip: Option<IpAddr>, now: u64) -> Result<bool, BanError> {
        let was = ip.is_some_and(|ip| self.is_ip_banned(ip, now));
        let until = now.saturating_add(self.duration);
        self.peers.insert(peer.to_owned(), Ban { until, ip });
        self.peers.retain(|_, ban| ban.until > now);
        self.save()?;
        Ok(!was && ip.is_some_and(|ip| self.is_ip_banned(ip, now)))
    }

    /// Whether `peer` is banned at `now`.
    pub fn is_banned(&self, peer: &str, now: u64) -> bool {
        self.peers.get(peer).is_some_and(|ban| ban.until > now)
    }

    /// Whether `ip` holds at least the threshold of peers banned at `now`.
    pub fn is_ip_banned(&self, ip: IpAddr, now: u64) -> bool {
        self.peers
            .values()
            .filter(|ban| ban.ip == Some(ip) && ban.until > now)
            .count()
            >= self.ip_threshold
    }

    /// How many peers are banned at `now`.
    pub fn len(&self, now: u64) -> usize {
        self.peers.values().filter(|ban| ban.until > now).count()
    }

    /// Whether no peer is banned at `now`.
    pub fn is_empty(&self, now: u64) -> bool {
        self.len(now) == 0
    }

    /// Writes the list (to a new file, then renamed over the old: a crash leaves one or
    /// the other whole).
    fn save(&self) -> Result<(), BanError> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let io = |source| BanError::Io {
            action: "write",
            path: path.clone(),
            source,
        };
        let json = serde_json::to_vec_pretty(self).map_err(|e| io(std::io::Error::other(e)))?;
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, json).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }
}
