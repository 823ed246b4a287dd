//! Optional direct HTTPS: Genesys calls data actions over https only, and not every
//! deployment has an ingress to terminate TLS for us.
//!
//! The certificate chain and key are PEM files, loaded and checked at start-up with the rest
//! of the configuration, so a wrong path or a key that does not match fails before binding.

use std::fmt;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::config::PREFIX;

/// A ready rustls server configuration. `Debug` says nothing of the key.
#[derive(Clone)]
pub struct TlsConfig(pub Arc<ServerConfig>);

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TlsConfig(..)")
    }
}

/// `Some(None)`: plain HTTP; `Some(Some(_))`: HTTPS; `None`: a problem was recorded.
pub fn from_files(
    problems: &mut Vec<String>,
    cert: Option<String>,
    key: Option<String>,
) -> Option<Option<TlsConfig>> {
    let (cert, key) = match (cert, key) {
        (None, None) => return Some(None),
        (Some(cert), Some(key)) => (cert, key),
        (Some(_), None) | (None, Some(_)) => {
            problems.push(format!(
                "{PREFIX}TLS_CERT and {PREFIX}TLS_KEY go together: set both (PEM files) to serve HTTPS, or neither"
            ));
            return None;
        }
    };
    let chain = read_chain(&cert).map_err(|why| problems.push(why));
    let private_key = PrivateKeyDer::from_pem_file(&key).map_err(|e| {
        problems.push(format!(
            "{PREFIX}TLS_KEY={key:?} is not a readable PEM private key ({e})"
        ))
    });
    // Both files are read before giving up, so one start-up names every problem.
    let (Ok(chain), Ok(private_key)) = (chain, private_key) else {
        return None;
    };
    match pair(chain, private_key) {
        Ok(config) => Some(Some(config)),
        Err(why) => {
            problems.push(why);
            None
        }
    }
}

fn read_chain(cert_path: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert_path)
        .and_then(|certs| certs.collect())
        .map_err(|e| {
            format!("{PREFIX}TLS_CERT={cert_path:?} is not a readable PEM certificate chain ({e})")
        })?;
    if chain.is_empty() {
        return Err(format!(
            "{PREFIX}TLS_CERT={cert_path:?} holds no certificate"
        ));
    }
    Ok(chain)
}

fn pair(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<TlsConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS set-up failed: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| {
            format!(
                "{PREFIX}TLS_CERT and {PREFIX}TLS_KEY do not make a usable pair ({e}): the key must be the certificate's"
            )
        })?;
    Ok(TlsConfig(Arc::new(config)))
}
