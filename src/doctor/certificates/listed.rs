//! One certificate of Genesys's listing, read ([`described`]) and judged: which CA issued it
//! and whether the service would accept it, in the words of the `client-certificates` check.

use std::time::{Duration, SystemTime};

use rustls::pki_types::UnixTime;

use super::{BUNDLE, MutualTls};
use crate::genesys::admin::ActionCertificate;
use crate::tls::client_auth::{ClientAuth, Refusal, check_name};
use crate::tls::described::{Described, described};

pub(super) const DAY: i64 = 86_400;

/// Which CA issued a certificate, as the admin chooses it in the integration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Ca {
    Genesys,
    DigiCert,
    Other(String),
}

impl std::fmt::Display for Ca {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ca::Genesys => f.write_str("the Genesys regional private CA"),
            Ca::DigiCert => f.write_str("DigiCert"),
            Ca::Other(issuer) => write!(f, "a CA doctor does not know ({issuer})"),
        }
    }
}

/// Whether the service would accept a certificate.
pub(super) enum Verdict {
    /// No bundle: the service asks for no certificate.
    NotAsked,
    Accepted,
    Refused(String),
}

/// One certificate of the listing, read and judged.
pub(super) struct Listed {
    pub status: String,
    pub ca: Ca,
    /// `None`: Genesys gave no certificate doctor can read.
    pub described: Option<Described>,
    pub verdict: Verdict,
}

impl Listed {
    pub(super) fn is(&self, status: &str) -> bool {
        self.status == status
    }

    pub(super) fn accepted(&self) -> bool {
        matches!(self.verdict, Verdict::Accepted)
    }

    pub(super) fn not_after(&self) -> i64 {
        self.described.as_ref().map_or(i64::MIN, |d| d.not_after)
    }
}

/// An entity of the listing, read, with what the service would say of it.
pub(super) fn judged(entity: &ActionCertificate, mutual_tls: &MutualTls, now: i64) -> Listed {
    let status = entity
        .status
        .as_deref()
        .map_or("(no status)".to_owned(), str::to_ascii_lowercase);
    let described = entity.certificate.as_deref().and_then(described);
    let ca = ca_of(described.as_ref(), entity.signing_authority.as_deref());
    let verdict = match (&mutual_tls.bundle, &described) {
        (None, _) => Verdict::NotAsked,
        (Some(_), None) => Verdict::Refused("doctor cannot read it".to_owned()),
        (Some(bundle), Some(described)) => {
            verdict(bundle, mutual_tls.name.as_deref(), described, now)
        }
    };
    Listed {
        status,
        ca,
        described,
        verdict,
    }
}

/// What the handshake and the name check would say, at a time the certificate is valid: an
/// upcoming one is judged as it will be when Genesys presents it, its validity shown apart.
fn verdict(bundle: &ClientAuth, name: Option<&str>, described: &Described, now: i64) -> Verdict {
    let at = now.clamp(
        described.not_before,
        described.not_after.max(described.not_before),
    );
    let at = UnixTime::since_unix_epoch(Duration::from_secs(at.max(0).unsigned_abs()));
    if let Err(refusal) = bundle.would_accept(&described.chain, at) {
        let why = match refusal {
            Refusal::UntrustedChain => format!("it does not chain to {BUNDLE}"),
            Refusal::Revoked => "COBROWSE_TLS_CLIENT_CRL revokes it".to_owned(),
            Refusal::NotForClientAuth => "it is not meant for client authentication".to_owned(),
            _ => "it is out of its validity".to_owned(),
        };
        return Verdict::Refused(format!("{}: {why}", refusal.as_str()));
    }
    match name.map(|name| check_name(&described.chain[0], name)) {
        Some(Err((refusal, detail))) => Verdict::Refused(format!("{}: {detail}", refusal.as_str())),
        _ => Verdict::Accepted,
    }
}

/// The CA, from the issuer's name (Genesys's regional CA or DigiCert), else from the listing's
/// `signingAuthority`.
fn ca_of(described: Option<&Described>, authority: Option<&str>) -> Ca {
    let issuer = described.map(|d| d.issuer.as_str());
    for said in [issuer, authority].into_iter().flatten() {
        let said = said.to_ascii_lowercase();
        if said.contains("digicert") {
            return Ca::DigiCert;
        }
        if said.contains("genesys") {
            return Ca::Genesys;
        }
    }
    Ca::Other(issuer.or(authority).unwrap_or("no issuer given").to_owned())
}

/// `current dataactions...: issued by CN=..., O=... (DigiCert), expires 2026-08-01 (in 200 days); the service would accept it`.
pub(super) fn one(listed: &Listed, now: i64) -> String {
    let Some(described) = &listed.described else {
        return format!(
            "{} ({}): Genesys gave no certificate doctor can read, so it cannot be checked",
            listed.status, listed.ca
        );
    };
    let names = if described.names.is_empty() {
        "(no DNS name)".to_owned()
    } else {
        described.names.join(" ")
    };
    let validity = if now < described.not_before {
        format!(
            "valid from {}, expires {}",
            date(described.not_before),
            when(described.not_after, now)
        )
    } else {
        format!("expires {}", when(described.not_after, now))
    };
    let verdict = match &listed.verdict {
        Verdict::NotAsked => String::new(),
        Verdict::Accepted => "; the service would accept it".to_owned(),
        Verdict::Refused(why) => format!("; the service would refuse it ({why})"),
    };
    format!(
        "{} {names}: issued by {} ({}), {validity}{verdict}",
        listed.status, described.issuer, listed.ca
    )
}

/// `on 2026-08-01 (in 200 days)`, or `on 2025-01-01 (expired 3 days ago)`.
pub(super) fn when(at: i64, now: i64) -> String {
    let days = (at - now).div_euclid(DAY);
    if at < now {
        format!(
            "on {} (expired {} days ago)",
            date(at),
            (now - at).div_euclid(DAY)
        )
    } else {
        format!("on {} (in {days} days)", date(at))
    }
}

/// `2026-08-01` (UTC).
fn date(at: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(at)
        .map(|t| t.date().to_string())
        .unwrap_or_else(|_| at.to_string())
}

pub(super) fn now() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs().try_into().unwrap_or(i64::MAX))
}
