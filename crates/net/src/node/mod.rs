//! The node: one task that owns the libp2p swarm, and the [`NetworkHandle`] that talks to
//! it.
//!
//! [`Node::start`] builds the transport and the behaviours, listens, and spawns the swarm
//! task. Everything that touches the swarm happens in that task (it reacts to swarm
//! events, commands from handles and its own timers); decisions it takes are plain
//! functions of [`crate::status`], [`crate::server`] and [`crate::quota`]. Handles and
//! [`NetPeer`]s reach it through one bounded command channel; events go out on a
//! broadcast channel ([`NetworkHandle::subscribe`]).

mod admission;
mod behaviour;
mod connect;
mod handshake;
mod inbound;
mod swarm;

pub use admission::IpRefusal;
pub use behaviour::agent_version;
pub use connect::ConnectError;

use std::sync::Arc;
use std::time::Duration;

use consensus::config::ChainConfig;
use futures::StreamExt;
use libp2p::identity::Keypair;
use libp2p::swarm::{DialError, SwarmEvent};
use libp2p::{Multiaddr, PeerId, Swarm, TransportError as ListenError};
use peer_pool::{PeerPool, PeerType};
use sync_types::RequestError;
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::clock::WallClock;
use crate::config::NetConfig;
use crate::metrics::NetMetrics;
use crate::peer::{NetPeer, PeerNet};
use crate::rpc::{ReceivedResponse, RpcKind, RpcRequest};
use crate::source::ChainSource;
use crate::status::{GoodbyeReason, StatusError, StatusMessage};
use crate::transport::{TransportError, build_transport};

/// Why the node could not start or a command failed.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// The transport could not be built.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The listen address could not be used.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: Multiaddr,
        /// What the transport said.
        #[source]
        source: ListenError<std::io::Error>,
    },
    /// The listener did not report its address in time.
    #[error("listening on {addr} did not start within {after:?}")]
    ListenTimeout {
        /// The address.
        addr: Multiaddr,
        /// The time waited.
        after: Duration,
    },
    /// A dial could not be started.
    #[error("cannot dial {addr}: {source}")]
    Dial {
        /// The address.
        addr: Multiaddr,
        /// What the swarm said.
        #[source]
        source: DialError,
    },
    /// The node has stopped.
    #[error("the network node has stopped")]
    Stopped,
}

/// What happened on the network (see [`NetworkHandle::subscribe`]).
#[derive(Clone, Debug, PartialEq)]
pub enum NetEvent {
    /// A peer passed the status handshake and joined the pool.
    PeerConnected {
        /// The peer.
        peer: PeerId,
        /// Its status.
        status: StatusMessage,
        /// Who dialed.
        direction: PeerType,
        /// The peer's address on this connection (where it dialled from, if it dialled
        /// us).
        address: Multiaddr,
    },
    /// A peer's status was refused; it is sent Goodbye(2) and disconnected.
    PeerRejected {
        /// The peer.
        peer: PeerId,
        /// Why.
        error: StatusError,
    },
    /// We said goodbye to a peer (and are closing the connection).
    GoodbyeSent {
        /// The peer.
        peer: PeerId,
        /// The reason.
        reason: GoodbyeReason,
    },
    /// A peer said goodbye.
    GoodbyeReceived {
        /// The peer.
        peer: PeerId,
        /// Its reason.
        reason: GoodbyeReason,
    },
    /// A peer's request passed its quota and is being answered (status, ping, metadata
    /// or a data request).
    RequestAnswered {
        /// The peer.
        peer: PeerId,
        /// What it asked for.
        kind: RpcKind,
    },
    /// The last connection to a peer closed (it left the pool, if it was in it).
    PeerDisconnected {
        /// The peer.
        peer: PeerId,
    },
    /// A connected peer said which software it runs (libp2p identify's agent string).
    PeerIdentified {
        /// The peer.
        peer: PeerId,
        /// Its agent string, e.g. `Lighthouse/v7.0.1-e42406d/x86_64-linux`.
        agent: String,
    },
    /// A dial failed (refused, unreachable, or the remote is not who the address names).
    DialFailed {
        /// The peer the address named, if it named one.
        peer: Option<PeerId>,
        /// What the transport said, on one line.
        error: String,
    },
}

/// A command from a handle to the swarm task.
#[derive(Debug)]
pub(crate) enum Command {
    Dial {
        addr: Multiaddr,
        reply: oneshot::Sender<Result<(), NetError>>,
    },
    Request {
        peer: PeerId,
        request: RpcRequest,
        reply: oneshot::Sender<Result<ReceivedResponse, RequestError>>,
    },
    Disconnect {
        peer: PeerId,
        reason: GoodbyeReason,
    },
    ScoreBelowLimit {
        peer: PeerId,
    },
    Shutdown {
        reply: oneshot::Sender<()>,
    },
}

/// Everything a node needs to start.
pub struct NodeSetup {
    /// The node's identity (see [`crate::load_or_create_identity`]).
    pub keypair: Keypair,
    /// Limits and timeouts.
    pub config: NetConfig,
    /// The chain (fork digests, limits).
    pub chain: ChainConfig,
    /// What we serve, and where our status comes from.
    pub source: Arc<dyn ChainSource>,
    /// The wall clock (fork digest of our status, the peers' head check).
    pub clock: Arc<dyn WallClock>,
    /// The pool that peers with a valid status join.
    pub pool: PeerPool<NetPeer>,
    /// Where to listen, e.g. `/ip4/127.0.0.1/tcp/0`.
    pub listen: Multiaddr,
    /// Where the node reports requests, response bytes, peers, handshake failures and
    /// libp2p's swarm events: [`NetMetrics::register`] on the binary's registry, or
    /// `NetMetrics::default()` to report nowhere.
    pub metrics: NetMetrics,
}

/// How long [`Node::start`] waits for the listener to report its address.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(10);

/// A running node: the swarm task and a handle to it. Dropping it without
/// [`Node::shutdown`] aborts the swarm task (no goodbyes are sent).
pub struct Node {
    handle: NetworkHandle,
    task: Option<JoinHandle<()>>,
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// A cheap, cloneable handle to a running node.
#[derive(Clone)]
pub struct NetworkHandle {
    net: PeerNet,
    events: broadcast::Sender<NetEvent>,
    local_peer_id: PeerId,
    listen_addrs: Arc<Vec<Multiaddr>>,
    pool: PeerPool<NetPeer>,
}

impl std::fmt::Debug for NetworkHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetworkHandle")
            .field("local_peer_id", &self.local_peer_id)
            .field("listen_addrs", &self.listen_addrs)
            .finish_non_exhaustive()
    }
}

impl Node {
    /// Builds the transport and behaviours, listens on `setup.listen` (waiting until the
    /// bound address is known) and spawns the swarm task on the current tokio runtime.
    ///
    /// # Errors
    ///
    /// [`NetError`] when the transport cannot be built or the address cannot be listened on.
    pub async fn start(setup: NodeSetup) -> Result<Node, NetError> {
        let NodeSetup {
            keypair,
            config,
            chain,
            source,
            clock,
            pool,
            listen,
            metrics,
        } = setup;
        let config = Arc::new(config);
        let chain = Arc::new(chain);
        let local_peer_id = keypair.public().to_peer_id();
        let transport = build_transport(
            &keypair,
            config.muxers,
            config.upgrade_timeout,
            config.dial_from,
        )?;
        let behaviour = behaviour::Behaviour::new(&config, &chain, &metrics, keypair.public());
        let swarm_config = libp2p::swarm::Config::with_tokio_executor()
            .with_idle_connection_timeout(config.idle_connection_timeout);
        let mut swarm = Swarm::new(transport, behaviour, local_peer_id, swarm_config);
        swarm
            .listen_on(listen.clone())
            .map_err(|source| NetError::Listen {
                addr: listen.clone(),
                source,
            })?;
        let bound = wait_for_listen_addr(&mut swarm, &listen, &metrics).await?;
        tracing::info!(target: "net", peer = %local_peer_id, addr = %bound, "listening");

        let (commands_tx, commands_rx) = mpsc::channel(config.command_buffer.max(1));
        let (events, _) = broadcast::channel(config.event_buffer.max(1));
        let net = PeerNet {
            commands: commands_tx,
            chain,
            config,
        };
        let handle = NetworkHandle {
            net: net.clone(),
            events: events.clone(),
            local_peer_id,
            listen_addrs: Arc::new(vec![bound]),
            pool: pool.clone(),
        };
        let task = swarm::SwarmTask::new(swarm, commands_rx, events, net, source, clock, pool)
            .with_metrics(metrics);
        let task = Some(tokio::spawn(task.run()));
        Ok(Node { handle, task })
    }

    /// The handle.
    pub fn handle(&self) -> &NetworkHandle {
        &self.handle
    }

    /// Says goodbye (reason 1) to every peer, waits for the goodbyes to go out (at most
    /// the configured goodbye timeout) and stops the swarm task.
    pub async fn shutdown(mut self) {
        let (reply, done) = oneshot::channel();
        if self
            .handle
            .net
            .commands
            .send(Command::Shutdown { reply })
            .await
            .is_ok()
        {
            let _ = done.await;
        }
        if let Some(task) = self.task.take()
            && let Err(error) = task.await
        {
            tracing::error!(target: "net", %error, "the swarm task failed");
        }
    }
}

async fn wait_for_listen_addr(
    swarm: &mut Swarm<behaviour::Behaviour>,
    listen: &Multiaddr,
    metrics: &NetMetrics,
) -> Result<Multiaddr, NetError> {
    let wait = async {
        loop {
            let event = swarm.select_next_some().await;
            metrics.record_swarm_event(&event);
            if let SwarmEvent::NewListenAddr { address, .. } = event {
                return address;
            }
        }
    };
    tokio::time::timeout(LISTEN_TIMEOUT, wait)
        .await
        .map_err(|_| NetError::ListenTimeout {
            addr: listen.clone(),
            after: LISTEN_TIMEOUT,
        })
}

impl NetworkHandle {
    /// Our peer id.
    pub fn local_peer_id(&self) -> PeerId {
        self.local_peer_id
    }

    /// The addresses we listen on (the bound port, when port 0 was asked for).
    pub fn listen_addrs(&self) -> &[Multiaddr] {
        &self.listen_addrs
    }

    /// Our first listen address with `/p2p/<our id>` appended, for others to dial.
    pub fn dial_addr(&self) -> Option<Multiaddr> {
        let addr = self.listen_addrs.first()?.clone();
        Some(addr.with(libp2p::multiaddr::Protocol::P2p(self.local_peer_id)))
    }

    /// The pool that peers with a valid status join.
    pub fn pool(&self) -> &PeerPool<NetPeer> {
        &self.pool
    }

    /// The peer with this id, if it is in the pool.
    pub fn peer(&self, id: &PeerId) -> Option<NetPeer> {
        self.pool.get(id)
    }

    /// A receiver of the node's events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<NetEvent> {
        self.events.subscribe()
    }

    /// Starts dialing `addr`; the outcome comes as events ([`NetEvent::PeerConnected`] once
    /// the handshake passed). [`connect`](Self::connect) dials and waits for the peer.
    ///
    /// # Errors
    ///
    /// [`NetError::Dial`] when the dial cannot start, [`NetError::Stopped`].
    pub async fn dial(&self, addr: Multiaddr) -> Result<(), NetError> {
        let (reply, result) = oneshot::channel();
        self.net
            .commands
            .send(Command::Dial { addr, reply })
            .await
            .map_err(|_| NetError::Stopped)?;
        result.await.map_err(|_| NetError::Stopped)?
    }

    /// Sends a request to a connected peer (in the pool or not), without the concurrency
    /// limit or self-limit of [`NetPeer::request`]: for tools and tests. A `Status`
    /// request carries our current status whatever it holds.
    ///
    /// # Errors
    ///
    /// The [`RequestError`] of the failed request.
    pub async fn request(
        &self,
        peer: PeerId,
        request: RpcRequest,
    ) -> Result<ReceivedResponse, RequestError> {
        self.net.request(peer, request).await
    }

    /// Says goodbye to a peer with `reason` and disconnects it.
    ///
    /// # Errors
    ///
    /// [`NetError::Stopped`].
    pub async fn disconnect(&self, peer: PeerId, reason: GoodbyeReason) -> Result<(), NetError> {
        self.net
            .commands
            .send(Command::Disconnect { peer, reason })
            .await
            .map_err(|_| NetError::Stopped)
    }
}
