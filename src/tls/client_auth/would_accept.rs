//! A certificate checked against the bundle away from any handshake: `cobrowse-proxy doctor`
//! asks whether the handshake would accept each client certificate Genesys lists for the
//! org's data actions, before Genesys presents it.

use rustls::pki_types::{CertificateDer, UnixTime};

use super::{ClientAuth, Refusal};

impl ClientAuth {
    /// Whether the handshake would accept `chain` (the leaf, then any intermediates) at `at`:
    /// the same webpki checks (chain to the bundle, validity, CRL, client authentication),
    /// with the reason it would be refused for.
    pub fn would_accept(&self, chain: &[CertificateDer<'_>], at: UnixTime) -> Result<(), Refusal> {
        let Some((leaf, intermediates)) = chain.split_first() else {
            return Err(Refusal::NoCertificate);
        };
        // Built as at start-up, which checked that it builds.
        let verifier = self.webpki().build().map_err(|_| Refusal::UntrustedChain)?;
        verifier
            .verify_client_cert(leaf, intermediates, at)
            .map(|_| ())
            .map_err(|e| Refusal::of(&e))
    }
}
