//! The TLS set-up of every HTTP client that calls Genesys: built once at start-up.

/// What reqwest sets up per client, built once and shared: the platform's verifier (the roots
/// of `SSL_CERT_FILE`, `SSL_CERT_DIR` or the system's store), TLS 1.2 and 1.3, HTTP/1.1 by
/// ALPN. Left to reqwest, each thread's client read and parsed every root again, four times by
/// the end of the first call: half the CPU of an AWS Lambda cold start (docs/performance.md).
pub(super) fn tls_config() -> Result<rustls::ClientConfig, rustls::Error> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let mut config = rustls::ClientConfig::builder()
        .with_platform_verifier()?
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}
