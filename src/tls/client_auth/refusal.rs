//! Why a client certificate was refused, by name: the `reason` of the refusals metric and
//! log line, and which of webpki's errors is which.

use rustls::{CertificateError, Error};

/// Why a client certificate was refused: the `reason` label and log field. Alerts and log
/// queries match these names: never rename one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    NoCertificate,
    UntrustedChain,
    Expired,
    Revoked,
    NotForClientAuth,
    WrongName,
    WrongRegionForOrg,
    HeaderFromUntrustedPeer,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::NoCertificate => "no_certificate",
            Refusal::UntrustedChain => "untrusted_chain",
            Refusal::Expired => "expired",
            Refusal::Revoked => "revoked",
            Refusal::NotForClientAuth => "not_for_client_auth",
            Refusal::WrongName => "wrong_name",
            Refusal::WrongRegionForOrg => "wrong_region_for_org",
            Refusal::HeaderFromUntrustedPeer => "header_from_untrusted_peer",
        }
    }

    /// The refusal of a certificate webpki did not accept.
    pub(in crate::tls) fn of(error: &Error) -> Refusal {
        match error {
            Error::InvalidCertificate(
                CertificateError::Expired
                | CertificateError::ExpiredContext { .. }
                | CertificateError::NotValidYet
                | CertificateError::NotValidYetContext { .. },
            ) => Refusal::Expired,
            Error::InvalidCertificate(CertificateError::Revoked) => Refusal::Revoked,
            Error::InvalidCertificate(
                CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. },
            ) => Refusal::NotForClientAuth,
            _ => Refusal::UntrustedChain,
        }
    }
}
