//! Mutual TLS: Genesys's data actions present a client certificate, issued by the region's
//! Genesys CA or by DigiCert (Resource Center article 208665), which this service checks when
//! `COBROWSE_TLS_CLIENT_CA` names the CAs to trust.
//!
//! The handshake asks for a certificate and refuses one that does not chain to the bundle, is
//! out of its validity, revoked by `COBROWSE_TLS_CLIENT_CRL` or not meant for client
//! authentication (webpki's checks, wrapped here so that each refusal is counted by reason).
//! A connection without a certificate is let through, so that the call can be refused with
//! the flat `UNAUTHORIZED` reply and counted as `no_certificate` rather than as a bare reset;
//! the call then checks that the certificate names the data actions of the org its
//! credential is for ([`check_name`]); a certificate a proxy passes in a header gets the same
//! checks ([`super::forwarded`]). The caller never learns which check failed: the log line
//! and `tls_client_certificate_refusals_total{reason}` tell the admin.

mod refusal;
mod would_accept;

pub use refusal::Refusal;

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use actix_tls::accept::rustls_0_23::TlsStream;
use actix_web::dev::Extensions;
use actix_web::rt::net::TcpStream;
use ipnet::IpNet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{ClientCertVerifierBuilder, VerifierBuilderError, WebPkiClientVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, Error, RootCertStore};

use super::{TlsError, expiry, pem_problem, provider};
use crate::genesys::region::REGIONS;
use crate::metrics::ClientCertificateLabels;

/// The CAs (and CRLs) client certificates are checked against, and the proxies trusted to
/// pass one in a header. `Debug` lists nothing.
#[derive(Clone)]
pub struct ClientAuth {
    roots: Arc<RootCertStore>,
    crls: Vec<CertificateRevocationListDer<'static>>,
    pub(super) proxies: Vec<IpNet>,
}

impl fmt::Debug for ClientAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientAuth({} CAs)", self.roots.len())
    }
}

/// `Ok(None)`: no client certificate asked for (`COBROWSE_TLS_CLIENT_CA` unset).
pub fn load(ca: Option<&str>, crl: Option<&str>) -> Result<Option<ClientAuth>, TlsError> {
    let Some(ca) = ca else {
        return match crl {
            Some(_) => Err(TlsError(vec![
                "COBROWSE_TLS_CLIENT_CRL is set without COBROWSE_TLS_CLIENT_CA: name the CA bundle client certificates must chain to, or unset the CRL".to_owned(),
            ])),
            None => Ok(None),
        };
    };
    let mut problems = Vec::new();
    let mut roots = RootCertStore::empty();
    match std::fs::read(ca) {
        Err(e) => problems.push(format!(
            "COBROWSE_TLS_CLIENT_CA={ca:?} cannot be read ({e})"
        )),
        Ok(pem) => match CertificateDer::pem_slice_iter(&pem).collect::<Result<Vec<_>, _>>() {
            Err(e) => problems.push(format!(
                "COBROWSE_TLS_CLIENT_CA={ca:?} is not a PEM bundle of CA certificates ({})",
                pem_problem(&e)
            )),
            Ok(certs) => {
                let (added, ignored) = roots.add_parsable_certificates(certs);
                if added == 0 || ignored > 0 {
                    problems.push(format!(
                        "COBROWSE_TLS_CLIENT_CA={ca:?} must hold one or more PEM CA certificates, each usable ({added} usable, {ignored} not)"
                    ));
                }
            }
        },
    }
    let crls = match crl.map(|path| (path, std::fs::read(path))) {
        None => Vec::new(),
        Some((path, Err(e))) => {
            problems.push(format!(
                "COBROWSE_TLS_CLIENT_CRL={path:?} cannot be read ({e})"
            ));
            Vec::new()
        }
        Some((_, Ok(bytes))) => {
            let pem = CertificateRevocationListDer::pem_slice_iter(&bytes)
                .collect::<Result<Vec<_>, _>>()
                .unwrap_or_default();
            // PEM, or a single DER CRL as CAs publish them.
            if pem.is_empty() {
                vec![CertificateRevocationListDer::from(bytes)]
            } else {
                pem
            }
        }
    };
    if !problems.is_empty() {
        return Err(TlsError(problems));
    }
    let client = ClientAuth {
        roots: Arc::new(roots),
        crls,
        proxies: Vec::new(),
    };
    // Built once now, so that a CRL webpki cannot parse fails at start-up.
    match client.webpki().build() {
        Err(VerifierBuilderError::InvalidCrl(e)) => Err(TlsError(vec![format!(
            "COBROWSE_TLS_CLIENT_CRL={:?} is not a certificate revocation list, PEM or DER ({e:?})",
            crl.unwrap_or_default()
        )])),
        _ => Ok(Some(client)),
    }
}

impl ClientAuth {
    /// Trusts the peers in `proxies` to pass a certificate in a header (`..._CERT_PROXIES`).
    pub fn trusting(self, proxies: Vec<IpNet>) -> Self {
        ClientAuth { proxies, ..self }
    }

    /// webpki's verifier for the bundle. A CRL revokes the client certificates it lists; a
    /// certificate of a CA without a CRL here is not refused for that (during a CA rotation
    /// the bundle may hold a CA whose CRL is not given), and only the client's certificate is
    /// looked up, Genesys's being signed directly by the trusted root.
    pub(super) fn webpki(&self) -> ClientCertVerifierBuilder {
        WebPkiClientVerifier::builder_with_provider(self.roots.clone(), provider())
            .with_crls(self.crls.clone())
            .allow_unknown_revocation_status()
            .only_check_end_entity_revocation()
    }

    /// The handshake's verifier: webpki's, each refusal counted and logged.
    pub fn verifier(
        &self,
        refusals: Family<ClientCertificateLabels, Counter>,
    ) -> Result<Arc<dyn ClientCertVerifier>, TlsError> {
        let inner = self
            .webpki()
            .allow_unauthenticated()
            .build()
            .map_err(|e| TlsError(vec![format!("mutual TLS set-up failed: {e}")]))?;
        Ok(Arc::new(Counting { inner, refusals }))
    }
}

/// The client certificate a connection's handshake accepted, for its calls.
pub struct PeerCertificate(pub CertificateDer<'static>);

/// `HttpServer::on_connect`: keeps the connection's client certificate, if any.
pub fn keep_peer_certificate(connection: &dyn Any, data: &mut Extensions) {
    let certificate = connection
        .downcast_ref::<TlsStream<TcpStream>>()
        .and_then(|tls| tls.get_ref().1.peer_certificates()?.first().cloned());
    if let Some(certificate) = certificate {
        data.insert(PeerCertificate(certificate.into_owned()));
    }
}

/// Counts a refusal and logs it with what may be said of the certificate: its expiry.
pub fn refuse(
    refusals: &Family<ClientCertificateLabels, Counter>,
    refusal: Refusal,
    certificate: Option<&CertificateDer<'_>>,
    org: Option<&str>,
    detail: Option<&str>,
) {
    refusals
        .get_or_create(&ClientCertificateLabels {
            reason: refusal.as_str(),
        })
        .inc();
    let expires = certificate.and_then(|cert| expiry::not_after(cert));
    tracing::warn!(
        reason = refusal.as_str(),
        org,
        certificate_expires = expires,
        detail,
        "client certificate refused (see docs/security.md for this reason)"
    );
}

/// Whether `certificate` (already verified by the handshake) names `expected`, the data
/// actions of the call's org: `WrongRegionForOrg` when it names another region's, with what
/// the admin is told (the two names: Genesys's, not secrets).
pub fn check_name(
    certificate: &CertificateDer<'_>,
    expected: &str,
) -> Result<(), (Refusal, String)> {
    let Ok(cert) = webpki::EndEntityCert::try_from(certificate) else {
        return Err((
            Refusal::UntrustedChain,
            "not an X.509 certificate".to_owned(),
        ));
    };
    let names = |name: &str| {
        ServerName::try_from(name)
            .is_ok_and(|name| cert.verify_is_valid_for_subject_name(&name).is_ok())
    };
    if names(expected) {
        return Ok(());
    }
    Err(match REGIONS.iter().find(|(_, _, other)| names(other)) {
        Some((region, _, other)) => (
            Refusal::WrongRegionForOrg,
            format!("the certificate is for {other} (region {region}); the org's is {expected}"),
        ),
        None => (
            Refusal::WrongName,
            format!("the certificate does not name {expected}, nor any region's data actions"),
        ),
    })
}

/// webpki's verifier, counting what it refuses.
struct Counting {
    inner: Arc<dyn ClientCertVerifier>,
    refusals: Family<ClientCertificateLabels, Counter>,
}

impl fmt::Debug for Counting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Counting(..)")
    }
}

impl ClientCertVerifier for Counting {
    fn offer_client_auth(&self) -> bool {
        self.inner.offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        self.inner.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, Error> {
        self.inner
            .verify_client_cert(end_entity, intermediates, now)
            // rustls's own words are not logged: they may quote more of the certificate.
            .inspect_err(|e| refuse(&self.refusals, Refusal::of(e), Some(end_entity), None, None))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
