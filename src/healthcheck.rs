//! `cobrowse-proxy healthcheck`: asks the running service's `GET /healthz` and exits 0 or 1.
//!
//! Container images without a shell or curl (distroless) can still have a Docker
//! `HEALTHCHECK`: the image runs its own binary against the port it serves on. A plain
//! HTTP/1.1 request over `std::net::TcpStream` is all it takes, so this adds no dependency
//! and starts no runtime; it runs every few seconds for the life of the container.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::Duration;

use crate::config::DEFAULT_LISTEN;

/// Where the service listens, and how long to wait for it.
#[derive(clap::Args, Clone, Debug)]
pub struct HealthcheckOptions {
    /// The service's listen address; an unspecified address (0.0.0.0, [::]) is asked on
    /// loopback.
    #[arg(long, env = "COBROWSE_LISTEN", default_value = DEFAULT_LISTEN, value_parser = parse_listen)]
    pub listen: SocketAddr,
    /// Give up after this many milliseconds.
    #[arg(long, default_value_t = 2000)]
    pub timeout_ms: u64,
}

/// Reads the listen address as the service does: an empty value means the default.
fn parse_listen(value: &str) -> Result<SocketAddr, String> {
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
    let fail = |what: String| Unhealthy(format!("GET http://{target}/healthz: {what}"));

    let mut stream = TcpStream::connect_timeout(&target, timeout)
        .map_err(|err| fail(format!("no connection ({err})")))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|err| fail(err.to_string()))?;
    let request = format!(
        "GET /healthz HTTP/1.1\r\nHost: {target}\r\nUser-Agent: cobrowse-proxy-healthcheck\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|err| fail(format!("could not send ({err})")))?;

    // The status line is all that matters; it arrives first and is short.
    let mut head = Vec::with_capacity(128);
    let mut buffer = [0u8; 128];
    while !head.contains(&b'\n') && head.len() < 1024 {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => head.extend_from_slice(&buffer[..n]),
            Err(err) => return Err(fail(format!("no answer ({err})"))),
        }
    }
    let head = String::from_utf8_lossy(&head);
    let status_line = head.lines().next().unwrap_or_default().trim();
    let status = status_line.split_whitespace().nth(1);
    if status_line.starts_with("HTTP/1.") && status == Some("200") {
        Ok(())
    } else if status_line.is_empty() {
        Err(fail("the connection closed without an answer".to_owned()))
    } else {
        Err(fail(format!("answered {status_line:?}")))
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
    fn something_that_is_not_http_is_unhealthy() {
        let address = answering("SSH-2.0-OpenSSH\r\n");
        let why = check(&options(address)).unwrap_err().to_string();
        assert!(why.contains("SSH-2.0"), "{why}");
    }
}
