//! Finding peers with discv5 (`net::discovery`): our record names our libp2p listener,
//! the bootnodes seed the table, and a task keeps dialing peers of our fork digest that
//! lookups return while the node has fewer than its target, never one that is banned.

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::Duration;

use libp2p::PeerId;
use net::discovery::{Discovery, DiscoveryConfig, DiscoveryError, Enr};
use net::{NetworkHandle, WallClock};
use sync_types::ColumnSet;
use tracing::{debug, info};

use crate::peer_manager::run::views;
use crate::peer_manager::{PeerManagerConfig, dials_wanted};
use crate::peers::{PeerBook, ip_of, peer_id_of};
use crate::settings::NodeError;

/// How often lookups run while the node has fewer peers than its target.
const LOOKUP_INTERVAL_BELOW_TARGET: Duration = Duration::from_secs(2);
/// How long a discovered peer is not dialed again after a dial.
const REDIAL_COOLDOWN: Duration = Duration::from_secs(60);
/// How often they run once it has its target.
const LOOKUP_INTERVAL_AT_TARGET: Duration = Duration::from_secs(30);

/// Discovery settings of a node.
#[derive(Clone, Debug)]
pub struct NodeDiscovery {
    /// The IPv4 address other nodes reach us at (our record's `ip`; `0.0.0.0`: none in
    /// the record, the socket on every address).
    pub ip: Ipv4Addr,
    /// The UDP port of discv5 (0: any free port).
    pub udp_port: u16,
    /// The records to start from (a network's bootnodes, or `--bootnodes`).
    pub bootnodes: Vec<Enr>,
    /// With bootnodes, how long the first lookup may take to hear from any of them before
    /// the node gives up starting ([`NodeError::NoBootnodeAnswered`]); `None` never gives up.
    pub bootnode_wait: Option<Duration>,
}

/// Starts discv5 for a node listening on TCP `tcp_port` with custody `cgc`; with a
/// `bootnode_wait`, waits for a first lookup to hear from a bootnode.
pub(crate) async fn start(
    settings: &NodeDiscovery,
    keypair: &libp2p::identity::Keypair,
    chain: &consensus::ChainConfig,
    wall_epoch: u64,
    tcp_port: u16,
    cgc: u64,
) -> Result<Discovery, NodeError> {
    let config = DiscoveryConfig {
        ip: settings.ip,
        udp_port: settings.udp_port,
        tcp_port,
        custody_group_count: cgc,
        bootnodes: settings.bootnodes.clone(),
    };
    let discovery = Discovery::start(keypair, chain, wall_epoch, &config)
        .await
        .map_err(NodeError::Discovery)?;
    info!(target: "node::discovery", enr = %discovery.local_enr().to_base64(), bootnodes = settings.bootnodes.len(), "discovery started");
    if let (Some(wait), false) = (settings.bootnode_wait, settings.bootnodes.is_empty()) {
        let answered = tokio::time::timeout(wait, discovery.lookup_answered()).await;
        if !matches!(answered, Ok(true)) {
            return Err(NodeError::NoBootnodeAnswered {
                bootnodes: settings.bootnodes.len(),
                waited: wait,
            });
        }
    }
    Ok(discovery)
}

/// Checks, before anything long starts (a checkpoint download), that some bootnode
/// answers within `wait`: a lookup from a throwaway identity on a free UDP port.
///
/// # Errors
/// [`NodeError::NoBootnodeAnswered`]; [`NodeError::Discovery`] if discv5 cannot start.
pub async fn probe_bootnodes(
    chain: &consensus::ChainConfig,
    bootnodes: &[Enr],
    wait: Duration,
) -> Result<(), NodeError> {
    let settings = NodeDiscovery {
        ip: Ipv4Addr::UNSPECIFIED,
        udp_port: 0,
        bootnodes: bootnodes.to_vec(),
        bootnode_wait: Some(wait),
    };
    let keypair = libp2p::identity::Keypair::generate_secp256k1();
    let wall_epoch = chain.slot_to_epoch(net::clock::slot_at(chain, net::SystemClock.unix_time()));
    start(&settings, &keypair, chain, wall_epoch, 0, 0)
        .await
        .map(drop)
}

/// Dials what lookups find while the peer manager wants more peers
/// ([`dials_wanted`]), never a banned peer nor one at a banned address, and moves our
/// record to each new fork or BPO digest as the wall clock passes it.
pub(crate) async fn dial_discovered(
    discovery: Arc<Discovery>,
    handle: NetworkHandle,
    book: PeerBook,
    (config, sampled): (PeerManagerConfig, ColumnSet),
    (chain, clock): (consensus::ChainConfig, Arc<dyn WallClock>),
) {
    let me = handle.local_peer_id();
    // A record may name any address; only a node that itself listens on loopback (a
    // local devnet) dials loopback ones: others would let a record point us at
    // services of our own host.
    let local = handle
        .listen_addrs()
        .iter()
        .filter_map(ip_of)
        .any(|ip| ip.is_loopback());
    // When each peer was last dialed: a dial that is still under way, or that a full peer
    // refused, is not repeated on every lookup.
    let mut dialed: std::collections::HashMap<PeerId, tokio::time::Instant> =
        std::collections::HashMap::new();
    loop {
        let now = tokio::time::Instant::now();
        dialed.retain(|_, at| now.duration_since(*at) < REDIAL_COOLDOWN);
        let wall_epoch = chain.slot_to_epoch(net::clock::slot_at(&chain, clock.unix_time()));
        match discovery.follow_fork(&chain, wall_epoch) {
            Ok(true) => {
                info!(target: "node::discovery", epoch = wall_epoch, digest = %discovery.digest(), "our record follows the new fork digest");
            }
            Ok(false) => {}
            Err(error) => {
                tracing::warn!(target: "node::discovery", %error, "cannot update our record");
            }
        }
        let mut room = dials_wanted(&config, &views(&handle, sampled));
        let interval = if room > 0 {
            for (_, addr) in discovery.find_peers().await {
                let Some(peer) = peer_id_of(&addr) else {
                    continue;
                };
                let skip = peer == me
                    || ip_of(&addr).is_none_or(|ip| !dialable(ip, local))
                    || handle.peer(&peer).is_some()
                    || book.is_banned(&peer)
                    || ip_of(&addr).is_some_and(|ip| book.is_ip_banned(ip))
                    || dialed.contains_key(&peer);
                if room == 0 || skip {
                    continue;
                }
                dialed.insert(peer, now);
                debug!(target: "node::discovery", %addr, "dialing a discovered peer");
                if handle.dial(addr).await.is_ok() {
                    room -= 1;
                }
            }
            LOOKUP_INTERVAL_BELOW_TARGET
        } else {
            LOOKUP_INTERVAL_AT_TARGET
        };
        tokio::time::sleep(interval).await;
    }
}

/// Whether a discovered peer at `ip` may be dialled by a node that listens on loopback
/// (`local`) or not: never an unspecified or multicast address, a loopback one only
/// from loopback.
fn dialable(ip: std::net::IpAddr, local: bool) -> bool {
    !(ip.is_unspecified() || ip.is_multicast() || (ip.is_loopback() && !local))
}

impl From<DiscoveryError> for NodeError {
    fn from(error: DiscoveryError) -> Self {
        NodeError::Discovery(error)
    }
}

#[cfg(test)]
mod tests {
    use super::dialable;

    #[test]
    fn loopback_records_are_dialled_only_from_loopback() {
        let lo = "127.0.0.1".parse().expect("ip");
        let lan = "192.168.1.20".parse().expect("ip");
        let any = "0.0.0.0".parse().expect("ip");
        assert!(dialable(lo, true));
        assert!(!dialable(lo, false));
        assert!(dialable(lan, false) && dialable(lan, true));
        assert!(!dialable(any, true));
    }
}
