//! [`serve`]: binds the API's address and serves [`router`](super::router) on a task
//! until [`HttpServer::shutdown`].

use std::future::IntoFuture;
use std::io::ErrorKind;
use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tracing::info;

use super::{ApiContext, HttpError, router};

/// A running HTTP API: its bound address and its task. Dropping it starts the same
/// graceful stop as [`shutdown`](Self::shutdown) without waiting for it.
#[derive(Debug)]
pub struct HttpServer {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

/// Binds `addr` (port 0 picks a free port) and serves the API over `ctx` on a task.
///
/// # Errors
/// [`HttpError::AddressInUse`] when something listens there already,
/// [`HttpError::Bind`] when the address cannot be bound for another reason.
pub async fn serve(addr: SocketAddr, ctx: ApiContext) -> Result<HttpServer, HttpError> {
    let listener = TcpListener::bind(addr).await.map_err(|source| {
        if source.kind() == ErrorKind::AddrInUse {
            HttpError::AddressInUse { addr }
        } else {
            HttpError::Bind { addr, source }
        }
    })?;
    let bound = listener
        .local_addr()
        .map_err(|source| HttpError::Bind { addr, source })?;
    let (stop, stopped) = oneshot::channel::<()>();
    let server = axum::serve(listener, router(ctx)).with_graceful_shutdown(async move {
        // A dropped sender stops the server as well.
        let _ = stopped.await;
    });
    let task = tokio::spawn(server.into_future());
    info!(target: "node::http", addr = %bound, "HTTP API listening");
    Ok(HttpServer {
        addr: bound,
        stop,
        task,
    })
}

impl HttpServer {
    /// The address the server listens on (the bound port when port 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting connections, lets the requests in flight finish, and waits for
    /// the server to end.
    ///
    /// # Errors
    /// [`HttpError::Serve`] if the server failed, [`HttpError::Aborted`] if its task
    /// panicked or was cancelled.
    pub async fn shutdown(self) -> Result<(), HttpError> {
        let addr = self.addr;
        // The server may have ended already (then nobody receives): its result says how.
        let _ = self.stop.send(());
        let result = self.task.await.map_err(|_| HttpError::Aborted { addr })?;
        result.map_err(|source| HttpError::Serve { addr, source })?;
        info!(target: "node::http", %addr, "HTTP API stopped");
        Ok(())
    }
}
