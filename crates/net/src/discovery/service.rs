//! The discv5 service (the `discv5` crate) with our record: the node's libp2p secp256k1
//! key signs it, and it carries `eth2` (the ENRForkID at the wall epoch), `nfd` (the next
//! fork digest), `cgc`, empty `attnets`/`syncnets`, and `ip`/`tcp`/`udp`. Lookups for
//! random node ids return the peers whose `eth2` digest is ours, as libp2p addresses to
//! dial (`/ip4/IP/tcp/PORT/p2p/PEER_ID`, the peer id from the record's key).

use std::net::{Ipv4Addr, SocketAddr};

use consensus::config::{ChainConfig, FAR_FUTURE_EPOCH};
use consensus::primitives::ForkDigest;
use discv5::{ConfigBuilder, Discv5, ListenConfig};
use enr::{CombinedKey, NodeId};
use libp2p::identity::Keypair;
use libp2p::{Multiaddr, PeerId};

use super::{CGC_ENR_KEY, ETH2_ENR_KEY, Enr, EnrForkId, eth2};

/// The `attnets` and `syncnets` keys (we subscribe to no subnet: all bits clear).
const ATTNETS_ENR_KEY: &str = "attnets";
const SYNCNETS_ENR_KEY: &str = "syncnets";
/// The `nfd` key (Fulu): the digest of the next scheduled fork or BPO entry.
pub const NFD_ENR_KEY: &str = "nfd";

/// Where and as whom discovery runs.
#[derive(Clone, Debug)]
pub struct DiscoveryConfig {
    /// The address other nodes reach us at (the record's `ip`); `0.0.0.0` leaves it out
    /// of the record (we still find and dial others; discv5 fills it in from what peers
    /// see of us). discv5's socket binds to it when it is loopback (a local network);
    /// otherwise to every address, since a socket bound to one address cannot always
    /// reach the others (and a public address behind NAT cannot be bound at all).
    pub ip: Ipv4Addr,
    /// The UDP port discv5 listens on (the record's `udp`; 0 for a free port, chosen
    /// before the record is signed so that the record names it).
    pub udp_port: u16,
    /// The TCP port of our libp2p listener (the record's `tcp`).
    pub tcp_port: u16,
    /// Our custody group count (the record's `cgc`).
    pub custody_group_count: u64,
    /// The records to start from.
    pub bootnodes: Vec<Enr>,
}

/// Why discovery could not start.
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    /// The identity is not a secp256k1 key.
    #[error("discovery needs a secp256k1 identity")]
    NotSecp256k1,
    /// Our record could not be built or signed.
    #[error("cannot build our node record: {0}")]
    Record(String),
    /// The UDP socket could not be opened.
    #[error("cannot start discv5 on UDP port {port}: {detail}")]
    Start {
        /// The port asked for.
        port: u16,
        /// What failed.
        detail: String,
    },
}

/// The ENRForkID and next fork digest our record carries at `epoch`: the digest in force,
/// and the next scheduled fork (or BPO entry) after it, if any.
pub fn fork_id_at(chain: &ChainConfig, epoch: u64) -> (EnrForkId, ForkDigest) {
    let current = chain.fork_at_epoch(epoch);
    let next = chain
        .all_fork_digests()
        .into_iter()
        .find(|(_, _, start)| *start > epoch);
    let (next_fork_version, next_fork_epoch, next_digest) = match next {
        Some((digest, fork, start)) => (chain.fork_version(fork), start, digest),
        None => (
            chain.fork_version(current),
            FAR_FUTURE_EPOCH,
            ForkDigest::ZERO,
        ),
    };
    let fork_id = EnrForkId {
        fork_digest: chain.fork_digest_at_epoch(epoch),
        next_fork_version,
        next_fork_epoch,
    };
    (fork_id, next_digest)
}

/// Our record's signing key: the libp2p secp256k1 key.
fn enr_key(keypair: &Keypair) -> Result<CombinedKey, DiscoveryError> {
    let secret = keypair
        .clone()
        .try_into_secp256k1()
        .map_err(|_| DiscoveryError::NotSecp256k1)?
        .secret()
        .to_bytes();
    let mut bytes = secret;
    CombinedKey::secp256k1_from_bytes(&mut bytes)
        .map_err(|error| DiscoveryError::Record(format!("{error:?}")))
}

/// Our record at `epoch`.
///
/// # Errors
/// [`DiscoveryError`] when the key is not secp256k1 or the record cannot be signed.
pub fn local_enr(
    keypair: &Keypair,
    chain: &ChainConfig,
    epoch: u64,
    config: &DiscoveryConfig,
) -> Result<Enr, DiscoveryError> {
    let key = enr_key(keypair)?;
    let (fork_id, next_digest) = fork_id_at(chain, epoch);
    let record = |error: enr::Error| DiscoveryError::Record(error.to_string());
    let mut builder = Enr::builder();
    if !config.ip.is_unspecified() {
        builder.ip4(config.ip);
    }
    builder
        .udp4(config.udp_port)
        .tcp4(config.tcp_port)
        .add_value(ETH2_ENR_KEY, &fork_id.to_bytes().as_slice())
        .add_value(NFD_ENR_KEY, &next_digest.as_slice())
        .add_value(CGC_ENR_KEY, &config.custody_group_count)
        .add_value(ATTNETS_ENR_KEY, &[0_u8; 8].as_slice())
        .add_value(SYNCNETS_ENR_KEY, &[0_u8; 1].as_slice())
        .build(&key)
        .map_err(record)
}

/// The libp2p address to dial a record's node at: its IPv4 address and TCP port, and the
/// peer id of its key. `None` without either.
pub fn dial_addr(record: &Enr) -> Option<Multiaddr> {
    let ip = record.ip4()?;
    let tcp = record.tcp4()?;
    // The compressed secp256k1 key (an ed25519 key does not parse as one).
    let encoded = enr::EnrPublicKey::encode(&record.public_key());
    let public = libp2p::identity::secp256k1::PublicKey::try_from_bytes(&encoded).ok()?;
    let peer = PeerId::from_public_key(&libp2p::identity::PublicKey::from(public));
    format!("/ip4/{ip}/tcp/{tcp}/p2p/{peer}").parse().ok()
}

/// A running discv5 service with our record.
pub struct Discovery {
    discv5: Discv5,
    /// Our fork digest now (it changes at each fork and BPO boundary).
    digest: std::sync::Mutex<ForkDigest>,
}

impl std::fmt::Debug for Discovery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Discovery")
            .field("enr", &self.discv5.local_enr().to_base64())
            .finish()
    }
}

impl Discovery {
    /// Starts discv5 on `config.udp_port` with our record at `epoch` and the bootnodes in
    /// its table.
    ///
    /// # Errors
    /// [`DiscoveryError`] when the record cannot be built or the socket cannot open.
    pub async fn start(
        keypair: &Keypair,
        chain: &ChainConfig,
        epoch: u64,
        config: &DiscoveryConfig,
    ) -> Result<Discovery, DiscoveryError> {
        let bind = if config.ip.is_loopback() {
            config.ip
        } else {
            Ipv4Addr::UNSPECIFIED
        };
        let mut config = config.clone();
        if config.udp_port == 0 {
            config.udp_port = std::net::UdpSocket::bind((bind, 0))
                .and_then(|socket| socket.local_addr())
                .map(|addr| addr.port())
                .map_err(|e| DiscoveryError::Start {
                    port: 0,
                    detail: e.to_string(),
                })?;
        }
        let config = &config;
        let record = local_enr(keypair, chain, epoch, config)?;
        let listen = ListenConfig::Ipv4 {
            ip: bind,
            port: config.udp_port,
        };
        let settings = ConfigBuilder::new(listen).build();
        let start_error = |detail: String| DiscoveryError::Start {
            port: config.udp_port,
            detail,
        };
        let mut discv5 = Discv5::new(record, enr_key(keypair)?, settings)
            .map_err(|e| start_error(e.to_owned()))?;
        discv5
            .start()
            .await
            .map_err(|e| start_error(e.to_string()))?;
        for bootnode in &config.bootnodes {
            if let Err(error) = discv5.add_enr(bootnode.clone()) {
                tracing::warn!(target: "net::discovery", %error, enr = %bootnode.to_base64(), "bootnode not added");
            }
        }
        Ok(Discovery {
            discv5,
            digest: std::sync::Mutex::new(chain.fork_digest_at_epoch(epoch)),
        })
    }

    /// Our record (its UDP port the one bound).
    pub fn local_enr(&self) -> Enr {
        self.discv5.local_enr()
    }

    /// Our fork digest now.
    pub fn digest(&self) -> ForkDigest {
        *sync_types::lock::lock(&self.digest)
    }

    /// Moves our record to `epoch`'s fork: when the digest in force differs from the one
    /// it carries (a fork or BPO boundary passed), `eth2` and `nfd` are rewritten (the
    /// record's sequence number goes up, so peers take the new one) and lookups keep
    /// peers of the new digest. Returns whether it changed.
    ///
    /// # Errors
    /// [`DiscoveryError::Record`] if the record cannot be signed again.
    pub fn follow_fork(&self, chain: &ChainConfig, epoch: u64) -> Result<bool, DiscoveryError> {
        let (fork_id, next_digest) = fork_id_at(chain, epoch);
        let mut digest = sync_types::lock::lock(&self.digest);
        if *digest == fork_id.fork_digest {
            return Ok(false);
        }
        let record = |error: enr::Error| DiscoveryError::Record(error.to_string());
        self.discv5
            .enr_insert(ETH2_ENR_KEY, &fork_id.to_bytes().as_slice())
            .map_err(record)?;
        self.discv5
            .enr_insert(NFD_ENR_KEY, &next_digest.as_slice())
            .map_err(record)?;
        *digest = fork_id.fork_digest;
        Ok(true)
    }

    /// One lookup of a random node id, plus the records of our routing table: those whose
    /// `eth2` digest is ours, with the address to dial each. Records of other networks or
    /// forks are dropped.
    pub async fn find_peers(&self) -> Vec<(Enr, Multiaddr)> {
        let mut found = match self.discv5.find_node(NodeId::random()).await {
            Ok(found) => found,
            Err(error) => {
                tracing::debug!(target: "net::discovery", %error, "lookup failed");
                Vec::new()
            }
        };
        // A random lookup returns only the records closest to its target; the table
        // holds every record met so far (a small network is found in one round).
        for record in self.discv5.table_entries_enr() {
            if !found.iter().any(|r| r.node_id() == record.node_id()) {
                found.push(record);
            }
        }
        found
            .into_iter()
            .filter(
                |record| matches!(eth2(record), Ok(Some(id)) if id.fork_digest == self.digest()),
            )
            .filter_map(|record| dial_addr(&record).map(|addr| (record, addr)))
            .collect()
    }

    /// Runs one lookup and says whether any node answered: a record came back, or some
    /// entry of the table (the bootnodes, at first) is connected.
    pub async fn lookup_answered(&self) -> bool {
        let found = self.discv5.find_node(NodeId::random()).await;
        matches!(&found, Ok(records) if !records.is_empty())
            || self
                .discv5
                .table_entries()
                .iter()
                .any(|(_, _, status)| status.is_connected())
    }

    /// Every record in the routing table (ours excluded), whatever its digest.
    pub fn known(&self) -> Vec<Enr> {
        self.discv5.table_entries_enr()
    }
}

impl Drop for Discovery {
    fn drop(&mut self) {
        self.discv5.shutdown();
    }
}

/// A socket address of `config`'s UDP port on its IP (for logs).
pub fn udp_addr(config: &DiscoveryConfig) -> SocketAddr {
    SocketAddr::from((config.ip, config.udp_port))
}
