//! `cobrowse-proxy healthcheck`: asks the running service's `GET /healthz` and exits 0 or 1.
//!
//! Container images without a shell or curl (distroless) can still have a Docker
//! `HEALTHCHECK`: the image runs its own binary against the port it serves on. A plain
//! HTTP/1.1 request over `std::net::TcpStream` is all it takes, so this adds no dependency
//! and starts no runtime; it runs every few seconds for the life of the container.
//!
//! When the service serves HTTPS itself (`COBROWSE_TLS_CERT`, read here as the service reads
//! it), the same request goes over a rustls session on that stream. The certificate is not
//! verified: the check asks its own process on loopback, by address, and the certificate is
//! issued for the public host name, never for 127.0.0.1. The handshake's signatures are still
//! checked, so what answers is at least a TLS server holding the certificate's key.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::builder::{OsStringValueParser, TypedValueParser};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{WebPkiSupportedAlgorithms, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme, StreamOwned};

use crate::config::DEFAULT_LISTEN;

/// Where the service listens, whether it serves HTTPS, and how long to wait for it.
#[derive(clap::Args, Clone, Debug)]
pub struct HealthcheckOptions {
    /// The service's listen address; an unspecified address (0.0.0.0, [::]) is asked on
    /// loopback.
    #[arg(long, env = "COBROWSE_LISTEN", default_value = DEFAULT_LISTEN, value_parser = OsStringValueParser::new().try_map(parse_listen))]
    pub listen: SocketAddr,
    /// The service's TLS certificate chain: when set (not empty), the service serves HTTPS, so
    /// the check does too. Only whether it is set matters: the certificate is not verified,
    /// since the check asks its own process on loopback.
    #[arg(long, env = "COBROWSE_TLS_CERT", value_parser = OsStringValueParser::new().map(PathBuf::from))]
    pub tls_cert: Option<PathBuf>,
    /// Give up after this many milliseconds.
    #[arg(long, default_value_t = 2000)]
    pub timeout_ms: u64,
}

impl HealthcheckOptions {
    /// Whether the service serves HTTPS: an empty value counts as unset, as the service reads it.
    fn speaks_tls(&self) -> bool {
        self.tls_cert
            .as_ref()
            .is_some_and(|path| !path.as_os_str().to_string_lossy().trim().is_empty())
    }
}

/// Reads the listen address as the service does: an empty value means the default. Read from
/// the raw bytes, so that a value that is not text is named like any other wrong value.
fn parse_listen(value: OsString) -> Result<SocketAddr, String> {
    let value = value.into_string().map_err(|_| {
        "COBROWSE_LISTEN (or --listen) is not UTF-8 text: set it to an address and port such as 0.0.0.0:8080".to_owned()
    })?;
    let value = match value.trim() {
        "" => DEFAULT_LISTEN,
        set => set,
    };
    value
        .parse()
        .map_err(|_| format!("{value:?} is not an address and port such as 0.0.0.0:8080"))
}

/// Why the service is not healthy, in a sentence for `docker inspect`.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Unhealthy(String);

/// `Ok` when `GET /healthz` answers 200.
pub fn check(options: &HealthcheckOptions) -> Result<(), Unhealthy> {
    let target = dialable(options.listen);
    let timeout = Duration::from_millis(options.timeout_ms.max(1));
    let tls = options.speaks_tls();
    let scheme = if tls { "https" } else { "http" };
    let fail = |what: String| Unhealthy(format!("GET {scheme}://{target}/healthz: {what}"));

    let mut stream = TcpStream::connect_timeout(&target, timeout)
        .map_err(|err| fail(format!("no connection ({err})")))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|err| fail(err.to_string()))?;
    let status_line = if tls {
        let mut session = handshake(target.ip(), stream).map_err(|err| {
            fail(format!(
                "no TLS session ({err}): with COBROWSE_TLS_CERT set, the service should serve HTTPS on this port"
            ))
        })?;
        ask(&mut session, target)
    } else {
        ask(&mut stream, target)
    }
    .map_err(fail)?;

    let status = status_line.split_whitespace().nth(1);
    if status_line.starts_with("HTTP/1.") && status == Some("200") {
        Ok(())
    } else if status_line.is_empty() {
        Err(fail("the connection closed without an answer".to_owned()))
    } else {
        Err(fail(format!("answered {status_line:?}")))
    }
}

/// Sends `GET /healthz` and reads the answer's status line (`""` when none came).
fn ask(stream: &mut (impl Read + Write), target: SocketAddr) -> Result<String, String> {
    let request = format!(
        "GET /healthz HTTP/1.1\r\nHost: {target}\r\nUser-Agent: cobrowse-proxy-healthcheck\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .and_then(|()| stream.flush())
        .map_err(|err| format!("could not send ({err})"))?;

    // The status line is all that matters; it arrives first and is short.
    let mut head = Vec::with_capacity(128);
    let mut buffer = [0u8; 128];
    while !head.contains(&b'\n') && head.len() < 1024 {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => head.extend_from_slice(&buffer[..n]),
            Err(err) => return Err(format!("no answer ({err})")),
        }
    }
    let head = String::from_utf8_lossy(&head);
    Ok(head.lines().next().unwrap_or_default().trim().to_owned())
}

/// A TLS session with the service on `socket`, handshake done.
fn handshake(
    ip: IpAddr,
    mut socket: TcpStream,
) -> Result<StreamOwned<ClientConnection, TcpStream>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = AnyCertificate(provider.signature_verification_algorithms);
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| err.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    let mut connection = ClientConnection::new(Arc::new(config), ServerName::from(ip))
        .map_err(|err| err.to_string())?;
    while connection.is_handshaking() {
        connection
            .complete_io(&mut socket)
            .map_err(|err| err.to_string())?;
    }
    Ok(StreamOwned::new(connection, socket))
}

/// Accepts whatever certificate the service presents (see the module's comment), but checks
/// that the handshake was signed with its key, by the provider's own algorithms.
#[derive(Debug)]
struct AnyCertificate(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// A listen address as a client reaches it: the wildcard means "every local address", and
/// loopback is the one that is always there.
fn dialable(listen: SocketAddr) -> SocketAddr {
    match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), listen.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), listen.port())
        }
        _ => listen,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn options(listen: SocketAddr) -> HealthcheckOptions {
        HealthcheckOptions {
            listen,
            tls_cert: None,
            timeout_ms: 2000,
        }
    }

    /// A one-shot server that answers `reply` to whatever it is sent.
    fn answering(reply: &'static str) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = [0u8; 512];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(reply.as_bytes());
        });
        address
    }

    #[test]
    fn the_wildcard_address_is_asked_on_loopback() {
        assert_eq!(
            dialable("0.0.0.0:8080".parse().unwrap()),
            "127.0.0.1:8080".parse().unwrap()
        );
        assert_eq!(
            dialable("[::]:9000".parse().unwrap()),
            "[::1]:9000".parse().unwrap()
        );
        assert_eq!(
            dialable("10.1.2.3:8080".parse().unwrap()),
            "10.1.2.3:8080".parse().unwrap()
        );
    }

    #[test]
    fn a_503_is_unhealthy_and_says_what_answered() {
        let address = answering("HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n");
        let why = check(&options(address)).unwrap_err().to_string();
        assert!(why.contains("503 Service Unavailable"), "{why}");
        assert!(why.contains("/healthz"), "{why}");
    }

    #[test]
    fn with_a_certificate_set_a_plain_http_service_is_unhealthy_and_says_why() {
        let address = answering("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
        let why = check(&HealthcheckOptions {
            tls_cert: Some("/etc/cobrowse-proxy/tls/cert.pem".into()),
            ..options(address)
        })
        .unwrap_err()
        .to_string();
        assert!(
            why.contains(&format!("GET https://{address}/healthz: no TLS session")),
            "{why}"
        );
    }

    #[test]
    fn an_empty_certificate_setting_means_plain_http_as_for_the_service() {
        let address = answering("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
        let empty = HealthcheckOptions {
            tls_cert: Some(" ".into()),
            ..options(address)
        };
        assert!(check(&empty).is_ok());
    }

    #[test]
    fn something_that_is_not_http_is_unhealthy() {
        let address = answering("SSH-2.0-OpenSSH\r\n");
        let why = check(&options(address)).unwrap_err().to_string();
        assert!(why.contains("SSH-2.0"), "{why}");
    }
}
