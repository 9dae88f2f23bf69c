//! The fake over HTTPS, as `discord.com`, for a client that keeps serenity's ratelimiter on:
//! serenity's ratelimiter always calls `https://discord.com/api/v10/…` (it ignores
//! `HttpBuilder::proxy`), so a test hands serenity a reqwest client that resolves `discord.com`
//! to this listener and trusts its self-signed certificate.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{
    ServerConfig,
    crypto::ring,
    pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer},
};
use tokio_rustls::server::TlsStream;

use super::FakeDiscord;

/// Where the fake answers over TLS, and how to trust it.
#[derive(Debug, Clone)]
pub struct TlsEndpoint {
    /// The listener, on 127.0.0.1.
    pub addr: SocketAddr,
    /// The self-signed certificate for `discord.com`, PEM.
    pub cert_pem: String,
}

impl TlsEndpoint {
    /// A reqwest client that reaches this endpoint for `https://discord.com` and trusts it.
    pub fn client(&self) -> reqwest::Client {
        let cert = reqwest::Certificate::from_pem(self.cert_pem.as_bytes()).expect("the fake's certificate");
        reqwest::Client::builder()
            .use_rustls_tls()
            .tls_built_in_root_certs(false)
            .add_root_certificate(cert)
            .resolve("discord.com", self.addr)
            .no_proxy()
            .build()
            .expect("a reqwest client for the fake")
    }
}

impl FakeDiscord {
    /// Serves the same fake (same state, same log) over TLS as `discord.com` on another port.
    pub async fn serve_tls(&self) -> TlsEndpoint {
        let certified =
            rcgen::generate_simple_self_signed(vec!["discord.com".to_owned()]).expect("a certificate");
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der()));
        let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(vec![certified.cert.der().clone()], key)
            .expect("a TLS server configuration");
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let tcp = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let addr = tcp.local_addr().expect("local address");
        let listener = TlsListener { tcp, acceptor: TlsAcceptor::from(Arc::new(config)) };
        let app = super::router(&self.shared);
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("fake Discord TLS server");
        });
        self.extra_servers.lock().expect("servers").push(server);
        TlsEndpoint { addr, cert_pem: certified.cert.pem() }
    }
}

/// Accepts TCP connections and completes their TLS handshake (one at a time: a fake's load).
struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((stream, peer)) = self.tcp.accept().await else { continue };
            let _ = stream.set_nodelay(true);
            if let Ok(tls) = self.acceptor.accept(stream).await {
                return (tls, peer);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}
