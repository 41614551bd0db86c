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
}

#[derive(Clone, Default)]
struct RawCodec;

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
}

/// A running raw peer.
pub struct RawPeer {
    pub peer_id: PeerId,
    pub addr: Multiaddr,
    dial: mpsc::Sender<(Multiaddr, Vec<u8>)>,
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
        self.dial
            .send((addr, status_request))
            .await
            .expect("raw peer runs");
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
) -> request_response::Behaviour<RawCodec> {
    let protocols = protocols
        .into_iter()
        .map(|p| (StreamProtocol::new(p.protocol_id()), support.clone()));
    let config = request_response::Config::default().with_request_timeout(Duration::from_secs(60));
    request_response::Behaviour::with_codec(RawCodec, protocols, config)
}

/// Starts a raw peer on 127.0.0.1 that answers with `script`.
pub async fn spawn_raw_peer(script: Script) -> RawPeer {
    let keypair = Keypair::generate_secp256k1();
    let peer_id = keypair.public().to_peer_id();
    let transport =
        net::transport::build_transport(&keypair, net::Muxers::Both, Duration::from_secs(20))
            .expect("transport");
    let others: Vec<Protocol> = Protocol::ALL
        .into_iter()
        .filter(|p| !matches!(p, Protocol::StatusV1 | Protocol::StatusV2))
        .collect();
    let behaviour = RawBehaviour {
        status: behaviour(vec![Protocol::StatusV1], &ProtocolSupport::Full),
        other: behaviour(others, &ProtocolSupport::Inbound),
    };
    let config = libp2p::swarm::Config::with_tokio_executor()
        .with_idle_connection_timeout(Duration::from_secs(3600));
    let mut swarm = Swarm::new(transport, behaviour, peer_id, config);
    swarm
        .listen_on("/ip4/127.0.0.1/tcp/0".parse().expect("multiaddr"))
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
    mut dial: mpsc::Receiver<(Multiaddr, Vec<u8>)>,
    events: mpsc::Sender<RawEvent>,
) {
    let mut held: Vec<ResponseChannel<RawReply>> = Vec::new();
    let mut status_to_send: Option<Vec<u8>> = None;
    loop {
        tokio::select! {
            Some((addr, status)) = dial.recv() => {
                status_to_send = Some(status);
                swarm.dial(addr).expect("dial starts");
            }
            event = swarm.select_next_some() => match event {
                SwarmEvent::ConnectionEstablished { peer_id, .. } => {
                    if let Some(status) = status_to_send.take().filter(|s| !s.is_empty()) {
                        let protocol = Protocol::StatusV1.protocol_id().to_string();
                        swarm.behaviour_mut().status.send_request(&peer_id, (protocol, status));
                    }
                }
                SwarmEvent::ConnectionClosed { peer_id, num_established: 0, .. } => {
                    let _ = events.send(RawEvent::Closed(peer_id)).await;
                }
                SwarmEvent::Behaviour(event) => {
                    let (behaviour, event) = match event {
                        RawBehaviourEvent::Status(e) => (true, e),
                        RawBehaviourEvent::Other(e) => (false, e),
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
