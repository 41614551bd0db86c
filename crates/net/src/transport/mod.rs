//! The libp2p transport: TCP, noise (XX, with the node's secp256k1 key) and a stream
//! muxer, yamux and/or mplex (see [`Muxers`]).
//!
//! With both muxers, multistream-select offers yamux first, so a peer that speaks both
//! gets yamux and a peer that speaks only mplex (Lodestar 1.5.1, older Teku and Nimbus)
//! gets mplex.

use std::net::IpAddr;
use std::time::Duration;

use libp2p::core::muxing::StreamMuxerBox;
use libp2p::core::transport::Boxed;
use libp2p::core::upgrade::{SelectUpgrade, Version};
use libp2p::identity::Keypair;
use libp2p::{PeerId, Transport, noise, tcp, yamux};

use self::dial_from::DialFrom;

mod dial_from;

/// Which stream muxers the node offers and accepts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Muxers {
    /// yamux (preferred) and mplex.
    #[default]
    Both,
    /// yamux only.
    YamuxOnly,
    /// mplex only (as Lodestar 1.5.1).
    MplexOnly,
}

/// Why the transport could not be built.
#[derive(Debug, thiserror::Error)]
#[error("noise setup failed: {source}")]
pub struct TransportError {
    /// What noise reported.
    #[source]
    source: noise::Error,
}

/// The transport of a node with `keypair`: TCP (no delay) + noise + `muxers`, each
/// connection upgrade bounded by `upgrade_timeout`; outgoing connections leave from
/// `dial_from` when it is set (see [`NetConfig::dial_from`](crate::NetConfig::dial_from)).
///
/// # Errors
///
/// [`TransportError`] if noise cannot use the key (not expected for secp256k1 keys).
pub fn build_transport(
    keypair: &Keypair,
    muxers: Muxers,
    upgrade_timeout: Duration,
    dial_from: Option<IpAddr>,
) -> Result<Boxed<(PeerId, StreamMuxerBox)>, TransportError> {
    let noise = noise::Config::new(keypair).map_err(|source| TransportError { source })?;
    let tcp = tcp::tokio::Transport::new(tcp::Config::default().nodelay(true));
    let base = DialFrom::new(tcp, dial_from)
        .upgrade(Version::V1)
        .authenticate(noise);
    let transport = match muxers {
        Muxers::Both => base
            .multiplex(SelectUpgrade::new(
                yamux::Config::default(),
                libp2p_mplex::Config::default(),
            ))
            .timeout(upgrade_timeout)
            .map(|(peer, muxer), _| (peer, StreamMuxerBox::new(muxer)))
            .boxed(),
        Muxers::YamuxOnly => base
            .multiplex(yamux::Config::default())
            .timeout(upgrade_timeout)
            .map(|(peer, muxer), _| (peer, StreamMuxerBox::new(muxer)))
            .boxed(),
        Muxers::MplexOnly => base
            .multiplex(libp2p_mplex::Config::default())
            .timeout(upgrade_timeout)
            .map(|(peer, muxer), _| (peer, StreamMuxerBox::new(muxer)))
            .boxed(),
    };
    Ok(transport)
}
