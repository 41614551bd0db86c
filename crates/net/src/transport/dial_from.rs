//! [`DialFrom`]: TCP whose outgoing connections leave from a chosen local address.
//!
//! libp2p's TCP transport binds a dial to the unspecified address (the OS then picks the
//! source address by route: on loopback always 127.0.0.1). A host with several addresses,
//! or a test that must look like another host, binds the dial socket itself.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::FutureExt;
use futures::future::BoxFuture;
use libp2p::core::transport::{DialOpts, ListenerId, TransportError, TransportEvent};
use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, Transport, tcp};
use tokio::net::TcpSocket;

type Tcp = tcp::tokio::Transport;

/// TCP that dials from `from` when set, and as libp2p's TCP transport otherwise.
pub(super) struct DialFrom {
    inner: Tcp,
    from: Option<IpAddr>,
}

impl DialFrom {
    pub(super) const fn new(inner: Tcp, from: Option<IpAddr>) -> DialFrom {
        DialFrom { inner, from }
    }
}

/// The TCP socket address of `/ip4|ip6/.../tcp/...` (a `/p2p/` suffix is ignored).
fn socket_addr(addr: &Multiaddr) -> Option<SocketAddr> {
    let mut parts = addr.iter();
    let ip = match parts.next()? {
        Protocol::Ip4(ip) => IpAddr::V4(ip),
        Protocol::Ip6(ip) => IpAddr::V6(ip),
        _ => return None,
    };
    let Protocol::Tcp(port) = parts.next()? else {
        return None;
    };
    match parts.next() {
        None | Some(Protocol::P2p(_)) => Some(SocketAddr::new(ip, port)),
        Some(_) => None,
    }
}

impl Transport for DialFrom {
    type Output = <Tcp as Transport>::Output;
    type Error = io::Error;
    type ListenerUpgrade = <Tcp as Transport>::ListenerUpgrade;
    type Dial = BoxFuture<'static, io::Result<Self::Output>>;

    fn listen_on(
        &mut self,
        id: ListenerId,
        addr: Multiaddr,
    ) -> Result<(), TransportError<io::Error>> {
        self.inner.listen_on(id, addr)
    }

    fn remove_listener(&mut self, id: ListenerId) -> bool {
        self.inner.remove_listener(id)
    }

    fn dial(
        &mut self,
        addr: Multiaddr,
        opts: DialOpts,
    ) -> Result<Self::Dial, TransportError<io::Error>> {
        let Some(from) = self.from else {
            return self.inner.dial(addr, opts).map(FutureExt::boxed);
        };
        let Some(target) = socket_addr(&addr).filter(|t| t.is_ipv4() == from.is_ipv4()) else {
            return Err(TransportError::MultiaddrNotSupported(addr));
        };
        Ok(async move {
            let socket = if target.is_ipv4() {
                TcpSocket::new_v4()?
            } else {
                TcpSocket::new_v6()?
            };
            socket.set_nodelay(true)?;
            socket.bind(SocketAddr::new(from, 0))?;
            let stream = socket.connect(target).await?;
            Ok(tcp::tokio::TcpStream(stream))
        }
        .boxed())
    }

    fn poll(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<TransportEvent<Self::ListenerUpgrade, io::Error>> {
        Pin::new(&mut self.get_mut().inner).poll(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcp_addresses_are_read_with_or_without_a_peer_id() {
        let plain: Multiaddr = "/ip4/127.0.0.2/tcp/9000".parse().expect("multiaddr");
        assert_eq!(socket_addr(&plain), Some(([127, 0, 0, 2], 9000).into()));
        let with_id = plain.with(Protocol::P2p(libp2p::PeerId::random()));
        assert_eq!(socket_addr(&with_id), Some(([127, 0, 0, 2], 9000).into()));
        for other in [
            "/dns4/localhost/tcp/1",
            "/ip4/1.2.3.4/udp/1",
            "/ip4/1.2.3.4/tcp/1/ws",
        ] {
            let addr: Multiaddr = other.parse().expect("multiaddr");
            assert_eq!(socket_addr(&addr), None, "{other}");
        }
    }
}
