//! Mutual TLS behind an ingress or load balancer that terminates TLS: the proxy checks the
//! client certificate at its handshake and passes it on in a header, ingress-nginx's
//! `ssl-client-cert` (with `auth-tls-pass-certificate-to-upstream`) beside its verdict in
//! `ssl-client-verify`, or the AWS Application Load Balancer's `X-Amzn-Mtls-Clientcert-Leaf`
//! (mutual authentication in verify mode).
//!
//! Anybody can send a header, so one is taken only from a TCP peer (never an address in
//! `X-Forwarded-For`, which is a header too) inside `COBROWSE_TLS_CLIENT_CERT_PROXIES`; from
//! any other peer, or with no proxy trusted, a certificate header is an attack and is refused
//! as `header_from_untrusted_peer` without being read. A certificate taken gets the
//! handshake's checks again (webpki against `COBROWSE_TLS_CLIENT_CA` and its CRL: the proxy
//! trusting the same bundle is not taken on faith), then a start checks its name as for a
//! handshake's. docs/security.md says which headers and why.

use std::borrow::Cow;
use std::net::IpAddr;
use std::sync::Arc;

use actix_web::HttpRequest;
use actix_web::http::header::HeaderMap;
use ipnet::IpNet;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::ClientCertVerifier;

use super::TlsError;
use super::client_auth::{ClientAuth, PeerCertificate, Refusal};

/// ingress-nginx's: the leaf, URL-encoded PEM (`$ssl_client_escaped_cert`), and its verdict.
const NGINX_CERT: &str = "ssl-client-cert";
const NGINX_VERIFY: &str = "ssl-client-verify";
/// The ALB's in verify mode: the leaf it verified, URL-encoded PEM.
const ALB_LEAF: &str = "x-amzn-mtls-clientcert-leaf";
/// The ALB's in passthrough mode: the chain as the client sent it, which the ALB did not
/// check. Never read; a certificate header all the same.
const ALB_CHAIN: &str = "x-amzn-mtls-clientcert";

/// The headers that carry a client certificate or a proxy's verdict on one.
const HEADERS: [&str; 4] = [NGINX_CERT, NGINX_VERIFY, ALB_LEAF, ALB_CHAIN];

/// `COBROWSE_TLS_CLIENT_CERT_PROXIES`: comma-separated CIDRs (a bare address is itself);
/// empty, none. Every entry that cannot be one is named.
pub fn parse_proxies(value: &str) -> Result<Vec<IpNet>, String> {
    if value.trim().is_empty() {
        return Ok(Vec::new());
    }
    let mut problems = Vec::new();
    let mut proxies = Vec::new();
    for entry in value.split(',').map(str::trim) {
        let parsed = entry
            .parse::<IpNet>()
            .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from));
        match parsed {
            _ if entry.is_empty() => problems.push("an entry is empty".to_owned()),
            Err(_) => problems.push(format!("{entry:?} is not an IPv4 or IPv6 CIDR")),
            Ok(net) if net.prefix_len() == 0 => problems.push(format!(
                "{entry:?} trusts every address, and so anybody to send a certificate header"
            )),
            Ok(net) if net != net.trunc() => problems.push(format!(
                "{entry:?} has bits set past its prefix: {} is the range it names",
                net.trunc()
            )),
            Ok(net) => proxies.push(net),
        }
    }
    match problems.is_empty() {
        true => Ok(proxies),
        false => Err(format!(
            "must list the addresses of the proxies that pass the client certificate on, as CIDRs separated by commas such as 10.0.0.0/8,fd00::/8: {}",
            problems.join("; ")
        )),
    }
}

/// Where a call's client certificate comes from: the connection's handshake, or the header of
/// a trusted proxy. Built once, at start-up.
pub struct ClientCertificates {
    proxies: Vec<IpNet>,
    /// webpki's, as the handshake's: a certificate in a header gets the same checks.
    verifier: Arc<dyn ClientCertVerifier>,
}

/// Why a call's certificate was refused: the reason counted, the certificate when one was read
/// (its expiry is logged), and what the admin is told.
pub struct Refused {
    pub refusal: Refusal,
    pub certificate: Option<CertificateDer<'static>>,
    pub detail: Option<String>,
}

impl Refused {
    fn new(refusal: Refusal, detail: String) -> Self {
        Refused {
            refusal,
            certificate: None,
            detail: Some(detail),
        }
    }
}

impl ClientCertificates {
    pub fn new(client: &ClientAuth) -> Result<Self, TlsError> {
        let verifier = client
            .webpki()
            .build()
            .map_err(|e| TlsError(vec![format!("mutual TLS set-up failed: {e}")]))?;
        Ok(ClientCertificates {
            proxies: client.proxies.clone(),
            verifier,
        })
    }

    /// The call's certificate, checked to the CA bundle when it came in a header (the
    /// handshake checked its own); its name is for the caller to check.
    pub fn of_call<'a>(
        &self,
        request: &'a HttpRequest,
    ) -> Result<Cow<'a, CertificateDer<'static>>, Refused> {
        let headers = request.headers();
        // The socket's peer: a proxy, when one is in front.
        let peer = request.peer_addr().map(|peer| peer.ip().to_canonical());
        let trusted = peer.is_some_and(|ip| self.proxies.iter().any(|net| net.contains(&ip)));
        let peer = peer.map_or("an unknown address".to_owned(), |ip| ip.to_string());
        if let Some(header) = HEADERS.iter().find(|name| headers.contains_key(**name)) {
            if !trusted {
                let why = match self.proxies.is_empty() {
                    true => "no proxy is trusted (COBROWSE_TLS_CLIENT_CERT_PROXIES is unset)",
                    false => "COBROWSE_TLS_CLIENT_CERT_PROXIES does not list it",
                };
                return Err(Refused::new(
                    Refusal::HeaderFromUntrustedPeer,
                    format!("a {header} header came from {peer}, and {why}; it was not read"),
                ));
            }
            return self.forwarded(headers, &peer).map(Cow::Owned);
        }
        match request.conn_data::<PeerCertificate>() {
            Some(certificate) => Ok(Cow::Borrowed(&certificate.0)),
            None => Err(Refused {
                refusal: Refusal::NoCertificate,
                certificate: None,
                detail: trusted.then(|| format!(
                    "the trusted proxy at {peer} passed no certificate header: see docs/security.md for the ingress's or load balancer's settings"
                )),
            }),
        }
    }

    /// The certificate a trusted proxy passed, once the proxy's verdict and ours agree.
    fn forwarded(
        &self,
        headers: &HeaderMap,
        peer: &str,
    ) -> Result<CertificateDer<'static>, Refused> {
        // A proxy sets its own headers over any the caller sent, and passes the others on: a
        // header twice, or both proxies' headers, is the caller's through the proxy.
        let has = |name| headers.contains_key(name);
        let nginx = has(NGINX_CERT) || has(NGINX_VERIFY);
        let twice = HEADERS
            .iter()
            .find(|name| headers.get_all(**name).nth(1).is_some());
        if let Some(header) = twice {
            return Err(Refused::new(
                Refusal::HeaderFromUntrustedPeer,
                format!(
                    "the {header} header came twice from {peer}: the proxy sets it once, so the caller sent the other through it"
                ),
            ));
        }
        if nginx && (has(ALB_LEAF) || has(ALB_CHAIN)) {
            return Err(Refused::new(
                Refusal::HeaderFromUntrustedPeer,
                format!(
                    "both ingress-nginx's (ssl-client-*) and the ALB's (X-Amzn-Mtls-*) certificate headers came from {peer}: the proxy sets one, so the caller sent the other through it"
                ),
            ));
        }
        let (header, encoded) = if nginx {
            let verify = headers.get(NGINX_VERIFY).map(|v| v.to_str().unwrap_or("?"));
            // ingress-nginx's verdict, not the certificate: quoted for the admin, cut short.
            let said = crate::domain::shorten(verify.unwrap_or("none"));
            match (headers.get(NGINX_CERT), verify) {
                (Some(cert), Some("SUCCESS")) => (NGINX_CERT, cert.as_bytes()),
                (None, Some("SUCCESS")) => {
                    return Err(Refused::new(
                        Refusal::NoCertificate,
                        format!(
                            "ingress-nginx at {peer} verified a certificate but did not pass it on: set its annotation auth-tls-pass-certificate-to-upstream \"true\""
                        ),
                    ));
                }
                (None, _) => {
                    return Err(Refused::new(
                        Refusal::NoCertificate,
                        format!(
                            "ingress-nginx at {peer} passed no certificate (ssl-client-verify: {said}): the caller presented none"
                        ),
                    ));
                }
                (Some(_), _) => {
                    return Err(Refused::new(
                        Refusal::UntrustedChain,
                        format!(
                            "ingress-nginx at {peer} did not verify the certificate (ssl-client-verify: {said}); it was not read"
                        ),
                    ));
                }
            }
        } else {
            match headers.get(ALB_LEAF) {
                Some(leaf) => (ALB_LEAF, leaf.as_bytes()),
                None => {
                    return Err(Refused::new(
                        Refusal::NoCertificate,
                        format!(
                            "the load balancer at {peer} sent X-Amzn-Mtls-Clientcert alone: that is the ALB's passthrough mode, in which the ALB checks nothing; set the listener's mutual authentication to verify mode"
                        ),
                    ));
                }
            }
        };
        let pem: Vec<u8> = percent_encoding::percent_decode(encoded).collect();
        let mut chain = CertificateDer::pem_slice_iter(&pem).filter_map(Result::ok);
        let Some(leaf) = chain.next() else {
            return Err(Refused::new(
                Refusal::UntrustedChain,
                format!("the {header} header from {peer} holds no URL-encoded PEM certificate"),
            ));
        };
        let intermediates: Vec<_> = chain.collect();
        match self
            .verifier
            .verify_client_cert(&leaf, &intermediates, UnixTime::now())
        {
            Ok(_) => Ok(leaf),
            // rustls's own words are not logged: they may quote more of the certificate.
            Err(e) => Err(Refused {
                refusal: Refusal::of(&e),
                certificate: Some(leaf),
                detail: Some(format!(
                    "the certificate came in the {header} header from {peer}"
                )),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxies_are_cidrs_or_addresses_and_every_bad_entry_is_named() {
        let proxies = parse_proxies(" 10.0.0.0/8, fd00::/8,192.0.2.7 ").unwrap();
        let shown: Vec<_> = proxies.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["10.0.0.0/8", "fd00::/8", "192.0.2.7/32"]);
        assert_eq!(parse_proxies("  "), Ok(Vec::new()));

        let problem =
            parse_proxies("10.0.0.0/8,,10.1.2.3/8,0.0.0.0/0,::/0,ingress,10.0.0.0/33").unwrap_err();
        for named in [
            "an entry is empty",
            "\"10.1.2.3/8\" has bits set past its prefix: 10.0.0.0/8 is the range it names",
            "\"0.0.0.0/0\" trusts every address",
            "\"::/0\" trusts every address",
            "\"ingress\" is not an IPv4 or IPv6 CIDR",
            "\"10.0.0.0/33\" is not an IPv4 or IPv6 CIDR",
        ] {
            assert!(problem.contains(named), "{named} not in: {problem}");
        }
        assert!(!problem.contains("\"10.0.0.0/8\""), "{problem}");
    }
}
