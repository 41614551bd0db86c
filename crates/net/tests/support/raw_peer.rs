//! A raw test peer: the same libp2p transport as a node, but it answers requests with
//! whatever bytes a script gives (malformed on purpose), or never answers.
//!
//! It has two request-response behaviours: `status` (status/1, both directions, so it
//! can start a handshake) and `other` (every other protocol, inbound only).

use std::io;
use std::sync::Arc;
use std::time::Duration;

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, StreamExt};
use libp2p::identity::Keypair;
use libp2p::request_response::{self, Event, Message, ProtocolSupport, ResponseChannel};
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{Multiaddr, PeerId, StreamProtocol, Swarm};
use net::codec::Protocol;
use tokio::sync::mpsc;

/// What the raw peer answers a request with.
#[derive(Clone, Debug)]
pub enum RawReply {
    /// These bytes, then the end of the stream.
    Bytes(Vec<u8>),
    /// These bytes, then nothing more, stream left open.
    Stall(Vec<u8>),
    /// Nothing at all, stream left open.
    Silent,
}

/// The script: protocol id and request bytes in, reply out.
pub type Script = Arc<dyn Fn(&str, &[u8]) -> RawReply + Send + Sync>;

/// What the raw peer saw.
#[derive(Clone, Debug)]
pub enum RawEvent {
    /// An inbound request (protocol id, raw bytes).
    Request(String, Vec<u8>),
    /// The raw response to our status request.
    StatusResponse(Vec<u8>),
    /// The connection to a peer closed.
    Closed(PeerId),
    /// A dial failed (refused before the connection was established).
    DialFailed,
}

/// `read_responses: false` never reads a response (a peer that stops reading).
#[derive(Clone)]
struct RawCodec {
    read_responses: bool,
}

async fn read_all<T: AsyncRead + Unpin + Send>(io: &mut T) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    io.take(16 << 20).read_to_end(&mut bytes).await?;
    Ok(bytes)
}

impl request_response::Codec for RawCodec {
    type Protocol = StreamProtocol;
    type Request = (String, Vec<u8>);
    type Response = RawReply;

    async fn read_request<T: AsyncRead + Unpin + Send>(
        &mut self,
        protocol: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<(String, Vec<u8>)> {
        Ok((protocol.to_string(), read_all(io).await?))
    }

    async fn read_response<T: AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<RawReply> {
        if !self.read_responses {
            return futures::future::pending().await;
        }
        read_all(io).await.map(RawReply::Bytes)
    }

    async fn write_request<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        request: (String, Vec<u8>),
    ) -> io::Result<()> {
        io.write_all(&request.1).await
    }

    async fn write_response<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        reply: RawReply,
    ) -> io::Result<()> {
        match reply {
            RawReply::Bytes(bytes) => io.write_all(&bytes).await,
            RawReply::Stall(bytes) => {
                io.write_all(&bytes).await?;
                io.flush().await?;
                futures::future::pending().await
            }
            RawReply::Silent => futures::future::pending().await,
        }
    }
}

#[derive(NetworkBehaviour)]
#[behaviour(prelude = "libp2p::swarm::derive_prelude")]
struct RawBehaviour {
    status: request_response::Behaviour<RawCodec>,
    other: request_response::Behaviour<RawCodec>,
    unread: request_response::Behaviour<RawCodec>,
}

/// What to do on connecting: the status request to send (none if empty), and
/// `blob_sidecars_by_range/1` requests whose responses are never read.
struct Dial {
    addr: Multiaddr,
    status: Vec<u8>,
    unread: Vec<Vec<u8>>,
}

/// A running raw peer.
pub struct RawPeer {
    pub peer_id: PeerId,
    pub addr: Multiaddr,
    dial: mpsc::Sender<Dial>,
    pub events: mpsc::Receiver<RawEvent>,
}

impl RawPeer {
    /// The address to dial it at, with its peer id.
    pub fn dial_addr(&self) -> Multiaddr {
        self.addr
            .clone()
            .with(libp2p::multiaddr::Protocol::P2p(self.peer_id))
    }

    /// Dials `addr` and sends `status_request` (a whole `status/1` request; none if empty)
    /// on connecting.
    pub async fn dial_with_status(&self, addr: Multiaddr, status_request: Vec<u8>) {
        self.dial_and_request_unread(addr, status_request, Vec::new())
            .await;
    }

    /// As [`dial_with_status`](Self::dial_with_status), then sends each request (a whole
    /// `blob_sidecars_by_range/1` request) and never reads a byte of the responses.
    pub async fn dial_and_request_unread(
        &self,
        addr: Multiaddr,
        status_request: Vec<u8>,
        unread: Vec<Vec<u8>>,
    ) {
        let dial = Dial {
            addr,
            status: status_request,
            unread,
        };
        self.dial.send(dial).await.expect("raw peer runs");
    }

    /// The next event.
    pub async fn next_event(&mut self) -> RawEvent {
        tokio::time::timeout(super::GUARD, self.events.recv())
            .await
            .expect("raw peer event in time")
            .expect("raw peer runs")
    }
}

fn behaviour(
    protocols: Vec<Protocol>,
    support: &ProtocolSupport,
    read_responses: bool,
) -> request_response::Behaviour<RawCodec> {
    let protocols = protocols
        .into_iter()
        .map(|p| (StreamProtocol::new(p.protocol_id()), support.clone()));
    let config = request_response::Config::default().with_request_timeout(Duration::from_secs(60));
    let codec = RawCodec { read_responses };
    request_response::Behaviour::with_codec(codec, protocols, config)
}

/// Starts a raw peer on 127.0.0.1 that answers with `script`.
pub async fn spawn_raw_peer(script: Script) -> RawPeer {
    spawn_raw_peer_on("127.0.0.1", script).await
}

/// As [`spawn_raw_peer`], listening on and dialing from the loopback address `ip`.
pub async fn spawn_raw_peer_on(ip: &str, script: Script) -> RawPeer {
    let keypair = Keypair::generate_secp256k1();
    let peer_id = keypair.public().to_peer_id();
    let transport = net::transport::build_transport(
        &keypair,
        net::Muxers::Both,
        Duration::from_secs(20),
        Some(ip.parse().expect("an IP address")),
    )
    .expect("transport");
    let others: Vec<Protocol> = Protocol::ALL
        .into_iter()
        .filter(|p| !matches!(p, Protocol::StatusV1 | Protocol::StatusV2))
        .collect();
    let behaviour = RawBehaviour {
        status: behaviour(vec![Protocol::StatusV1], &ProtocolSupport::Full, true),
        other: behaviour(others.clone(), &ProtocolSupport::Inbound, true),
        // request-response offers every protocol of a behaviour and the other side picks
        // the first it speaks: one protocol only, so the request goes where it is meant.
        unread: behaviour(
            vec![Protocol::BlobSidecarsByRange],
            &ProtocolSupport::Outbound,
            false,
        ),
    };
    let config = libp2p::swarm::Config::with_tokio_executor()
        .with_idle_connection_timeout(Duration::from_secs(3600));
    let mut swarm = Swarm::new(transport, behaviour, peer_id, config);
    swarm
        .listen_on(format!("/ip4/{ip}/tcp/0").parse().expect("multiaddr"))
        .expect("listen");
    let addr = loop {
        if let SwarmEvent::NewListenAddr { address, .. } = swarm.select_next_some().await {
            break address;
        }
    };
    let (dial_tx, dial_rx) = mpsc::channel(8);
    let (events_tx, events_rx) = mpsc::channel(256);
    tokio::spawn(run(swarm, script, dial_rx, events_tx));
    RawPeer {
        peer_id,
        addr,
        dial: dial_tx,
        events: events_rx,
    }
}

async fn run(
    mut swarm: Swarm<RawBehaviour>,
    script: Script,
    mut dial: mpsc::Receiver<Dial>,
    events: mpsc::Sender<RawEvent>,
) {
    let mut held: Vec<ResponseChannel<RawReply>> = Vec::new();
    let mut on_connect: Option<Dial> = None;
    loop {
        tokio::select! {
            Some(next) = dial.recv() => {
                swarm.dial(next.addr.clone()).expect("dial starts");
                on_connect = Some(next);
            }
            event = swarm.select_next_some() => match event {
                SwarmEvent::ConnectionEstablished { peer_id, .. } => {
                    let Some(Dial { status, unread, .. }) = on_connect.take() else { continue };
                    if !status.is_empty() {
                        let protocol = Protocol::StatusV1.protocol_id().to_string();
                        swarm.behaviour_mut().status.send_request(&peer_id, (protocol, status));
                    }
                    for request in unread {
                        let protocol = Protocol::BlobSidecarsByRange.protocol_id().to_string();
                        swarm.behaviour_mut().unread.send_request(&peer_id, (protocol, request));
                    }
                }
                SwarmEvent::ConnectionClosed { peer_id, num_established: 0, .. } => {
                    let _ = events.send(RawEvent::Closed(peer_id)).await;
                }
                SwarmEvent::OutgoingConnectionError { .. } => {
                    let _ = events.send(RawEvent::DialFailed).await;
                }
                SwarmEvent::Behaviour(event) => {
                    let (behaviour, event) = match event {
                        RawBehaviourEvent::Status(e) => (true, e),
                        RawBehaviourEvent::Other(e) => (false, e),
                        RawBehaviourEvent::Unread(_) => continue,
                    };
                    match event {
                        Event::Message { message: Message::Request { request: (protocol, request), channel, .. }, .. } => {
                            let _ = events.send(RawEvent::Request(protocol.clone(), request.clone())).await;
                            match script(&protocol, &request) {
                                RawReply::Silent => held.push(channel),
                                reply => {
                                    let target = if behaviour { &mut swarm.behaviour_mut().status } else { &mut swarm.behaviour_mut().other };
                                    let _ = target.send_response(channel, reply);
                                }
                            }
                        }
                        Event::Message { message: Message::Response { response: RawReply::Bytes(bytes), .. }, .. } => {
                            let _ = events.send(RawEvent::StatusResponse(bytes)).await;
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
    }
}
