//! Optional direct HTTPS: Genesys calls data actions over https only, and not every
//! deployment has an ingress to terminate TLS for us.
//!
//! The certificate chain and key are PEM files, loaded and checked at start-up with the rest
//! of the configuration, so a wrong path or a key that does not match fails before binding.

use std::fmt;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A ready rustls server configuration. `Debug` says nothing of the key.
#[derive(Clone)]
pub struct TlsConfig(pub Arc<ServerConfig>);

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
    let (cert, key) = match (cert, key) {
        (None, None) => return Ok(None),
        (Some(cert), Some(key)) => (cert, key),
        (Some(_), None) | (None, Some(_)) => {
            return Err(TlsError(vec![
                "COBROWSE_TLS_CERT and COBROWSE_TLS_KEY go together: set both (PEM files) to serve HTTPS, or neither".to_owned(),
            ]));
        }
    };
    // Both files are read before giving up, so one start-up names every problem.
    let chain = read_chain(cert);
    let private_key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| format!("COBROWSE_TLS_KEY={key:?} is not a readable PEM private key ({e})"));
    match (chain, private_key) {
        (Ok(chain), Ok(private_key)) => pair(chain, private_key)
            .map(Some)
            .map_err(|why| TlsError(vec![why])),
        (chain, private_key) => Err(TlsError(
            [chain.err(), private_key.err()]
                .into_iter()
                .flatten()
                .collect(),
        )),
    }
}

fn read_chain(cert_path: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert_path)
        .and_then(|certs| certs.collect())
        .map_err(|e| {
            format!("COBROWSE_TLS_CERT={cert_path:?} is not a readable PEM certificate chain ({e})")
        })?;
    if chain.is_empty() {
        return Err(format!(
            "COBROWSE_TLS_CERT={cert_path:?} holds no certificate"
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
                "COBROWSE_TLS_CERT and COBROWSE_TLS_KEY do not make a usable pair ({e}): the key must be the certificate's"
            )
        })?;
    Ok(TlsConfig(Arc::new(config)))
}
