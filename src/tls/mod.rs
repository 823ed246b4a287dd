//! Optional direct HTTPS: Genesys calls data actions over https only, and not every
//! deployment has an ingress to terminate TLS for us.
//!
//! The certificate chain and key are PEM files, loaded and checked at start-up with the rest
//! of the configuration, so a wrong path or a key that does not match fails before binding.
//! They are then watched (`watch.rs`): a renewed pair is served from the next handshake on,
//! without a restart, and a pair that is refused changes nothing. The rustls configuration is
//! built once ([`TlsConfig::server_config`]) around a resolver that hands every handshake
//! the pair served now; `expiry.rs` reads the certificate's end of validity for the metric.

pub mod client_auth;
pub mod described;
mod expiry;
pub mod forwarded;
mod watch;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use arc_swap::ArcSwap;
use rustls::ServerConfig;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use crate::watched_file::{Version, digest};

/// HTTPS as configured: the two files, and the pair read from them that is served now.
/// Clones share that pair. `Debug` says nothing of the key.
#[derive(Clone)]
pub struct TlsConfig(Arc<Served>);

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TlsConfig(..)")
    }
}

/// Why the files do not make a TLS set-up: every problem found, one per line.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.join("\n"))]
pub struct TlsError(pub Vec<String>);

/// `Ok(None)`: plain HTTP (neither file given); `Ok(Some(_))`: HTTPS.
pub fn load(cert: Option<&str>, key: Option<&str>) -> Result<Option<TlsConfig>, TlsError> {
    let files = match (cert, key) {
        (None, None) => return Ok(None),
        (Some(cert), Some(key)) => Files {
            cert: cert.into(),
            key: key.into(),
        },
        (Some(_), None) | (None, Some(_)) => {
            return Err(TlsError(vec![
                "COBROWSE_TLS_CERT and COBROWSE_TLS_KEY go together: set both (PEM files) to serve HTTPS, or neither".to_owned(),
            ]));
        }
    };
    let versions = files.versions();
    let (cert, key) = files.read().map_err(TlsError)?;
    let pair = files.check(&cert, &key).map_err(TlsError)?;
    Ok(Some(TlsConfig(Arc::new(Served {
        read_at_start: versions,
        said_at_start: digest(&(&cert, &key)),
        files,
        pair: ArcSwap::from_pointee(pair),
    }))))
}

impl TlsConfig {
    /// The server's rustls configuration: TLS 1.2 and 1.3, a client certificate asked for
    /// with mutual TLS only (`client`), and the certificate of the pair served at each
    /// handshake.
    pub fn server_config(
        &self,
        client: Option<Arc<dyn rustls::server::danger::ClientCertVerifier>>,
    ) -> Result<ServerConfig, TlsError> {
        let builder = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError(vec![format!("TLS set-up failed: {e}")]))?;
        let asks_client = client.is_some();
        let builder = match client {
            Some(verifier) => builder.with_client_cert_verifier(verifier),
            None => builder.with_no_client_auth(),
        };
        let mut config = builder.with_cert_resolver(self.0.clone());
        if asks_client {
            // A resumed session skips the client certificate's checks: it keeps the one it
            // was first given, expired or revoked since. With mutual TLS every connection
            // is a full handshake, so each is judged now (about 0.1 ms of CPU more per new
            // connection: docs/performance.md).
            config.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
            config.send_tls13_tickets = 0;
        }
        Ok(config)
    }

    /// When the certificate served now stops being valid, in seconds since the Unix epoch.
    pub fn expires(&self) -> i64 {
        expires(&self.0.pair.load())
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The pair served now, and where it came from (what the watch compares with).
struct Served {
    files: Files,
    /// The files' versions as read at start-up, where the watch starts.
    read_at_start: (Version, Version),
    /// A digest of what they said then: the same text under a new version is no change.
    said_at_start: u64,
    pair: ArcSwap<CertifiedKey>,
}

impl fmt::Debug for Served {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Served(..)")
    }
}

impl ResolvesServerCert for Served {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.pair.load_full())
    }
}

/// `COBROWSE_TLS_CERT` and `COBROWSE_TLS_KEY`.
struct Files {
    cert: PathBuf,
    key: PathBuf,
}

impl Files {
    /// Looked at before reading: a change made while they are read is another version.
    fn versions(&self) -> (Version, Version) {
        (Version::of(&self.cert), Version::of(&self.key))
    }

    /// Both files' bytes, or why either cannot be read (both named, so one fix does).
    fn read(&self) -> Result<(Vec<u8>, Vec<u8>), Vec<String>> {
        let read = |path: &PathBuf, variable: &str| {
            std::fs::read(path).map_err(|e| format!("{variable}={path:?} cannot be read ({e})"))
        };
        match (
            read(&self.cert, "COBROWSE_TLS_CERT"),
            read(&self.key, "COBROWSE_TLS_KEY"),
        ) {
            (Ok(cert), Ok(key)) => Ok((cert, key)),
            (cert, key) => Err([cert.err(), key.err()].into_iter().flatten().collect()),
        }
    }

    /// The pair the files' bytes make: a PEM chain, a PEM key that is its first
    /// certificate's, and an end of validity that can be read. Every problem found, worded
    /// without the key.
    fn check(&self, cert: &[u8], key: &[u8]) -> Result<CertifiedKey, Vec<String>> {
        let cert_path = &self.cert;
        let chain: Result<Vec<CertificateDer<'static>>, String> =
            match CertificateDer::pem_slice_iter(cert).collect::<Result<Vec<_>, _>>() {
                Ok(chain) if chain.is_empty() => Err(format!(
                    "COBROWSE_TLS_CERT={cert_path:?} holds no certificate"
                )),
                Ok(chain) => Ok(chain),
                Err(e) => Err(format!(
                    "COBROWSE_TLS_CERT={cert_path:?} is not a PEM certificate chain ({})",
                    pem_problem(&e)
                )),
            };
        let private_key = PrivateKeyDer::from_pem_slice(key).map_err(|e| {
            format!(
                "COBROWSE_TLS_KEY={:?} is not a PEM private key ({})",
                self.key,
                pem_problem(&e)
            )
        });
        let (chain, private_key) = match (chain, private_key) {
            (Ok(chain), Ok(private_key)) => (chain, private_key),
            (chain, private_key) => {
                return Err([chain.err(), private_key.err()]
                    .into_iter()
                    .flatten()
                    .collect());
            }
        };
        let pair = CertifiedKey::from_der(chain, private_key, &provider()).map_err(|e| {
            vec![format!(
                "COBROWSE_TLS_CERT and COBROWSE_TLS_KEY do not make a usable pair ({e}): the key must be the certificate's"
            )]
        })?;
        match expiry::not_after(&pair.cert[0]) {
            Some(_) => Ok(pair),
            None => Err(vec![format!(
                "COBROWSE_TLS_CERT={cert_path:?}: the first certificate's end of validity (notAfter) cannot be read; it must be an X.509 certificate as RFC 5280 has it, which clients can check"
            )]),
        }
    }
}

/// What is wrong with a PEM file, in words that quote none of it: the parser's own messages
/// quote a bad `-----BEGIN` line, or the end marker it made of one, which hold the whole key
/// when the file's line breaks were lost.
fn pem_problem(e: &pem::Error) -> String {
    match e {
        pem::Error::IllegalSectionStart { .. } | pem::Error::MissingSectionEnd { .. } => {
            "a -----BEGIN line without its -----END line: each line of a PEM file ends with a \
             line break (lost when the file went through a variable or a copy and paste?)"
                .to_owned()
        }
        pem::Error::Base64Decode(_) => "its base64 text does not decode".to_owned(),
        pem::Error::Io(e) => e.to_string(),
        pem::Error::NoItemsFound => "no PEM section of that kind".to_owned(),
        pem::Error::SectionTooLarge => "a PEM section over 256 MB".to_owned(),
        // Whatever a later version adds: said without its text, which might quote the key.
        _ => "not PEM".to_owned(),
    }
}

/// When `pair`'s certificate stops being valid (read when it was checked).
fn expires(pair: &CertifiedKey) -> i64 {
    expiry::not_after(&pair.cert[0]).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_on_one_line_is_refused_without_being_quoted() {
        let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let pem = certified.signing_key.serialize_pem();
        let files = Files {
            cert: "cert.pem".into(),
            key: "key.pem".into(),
        };
        let key_line = pem.lines().nth(1).unwrap();
        // Its line breaks lost; its first line broken.
        for broken in [pem.replace('\n', ""), pem.replacen("-----\n", "----\n", 1)] {
            let problems = files
                .check(certified.cert.pem().as_bytes(), broken.as_bytes())
                .unwrap_err()
                .join("\n");
            assert!(
                problems.contains("COBROWSE_TLS_KEY=\"key.pem\""),
                "{problems}"
            );
            // Neither as text nor as the list of bytes the parser's own message makes of it.
            let as_bytes: Vec<String> = key_line.bytes().take(8).map(|b| b.to_string()).collect();
            for quoted in [&key_line[..20], &as_bytes.join(", ")] {
                assert!(!problems.contains(quoted), "{problems}");
            }
        }
    }
}
