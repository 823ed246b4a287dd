//! The certificate renewed without a restart: `COBROWSE_TLS_CERT` and `COBROWSE_TLS_KEY`
//! looked at as the orgs file is (`orgs::reload`), and a new pair served from the next
//! handshake on when it is a usable one. A refused pair changes nothing: the certificate
//! served before still is, one `error` line says why, and `tls_certificate_rejected` stays
//! 1 until a usable pair is read.
//!
//! A certificate and its key are often written one after the other (two `cp`, two writes of
//! a tool), and in between they do not match. So a refused pair is reported only when the
//! files have stayed the same for [`SETTLE`] more looks; if either changes before, the pair
//! is read again. As
//! with the orgs file, the same text under a new version (Kubernetes swaps the whole Secret
//! when any key of it changes) is not read again, so a refused pair is reported once.

use std::time::{Duration, SystemTime};

use super::{TlsConfig, digest, expires};
use crate::metrics::Metrics;
use crate::watched_file::WATCH_EVERY;

/// Looks at unchanged files before a refused pair is reported: a second file written within
/// about this many seconds of the first makes no error line.
const SETTLE: u32 = 3;

const NOT_RELOADED: &str = "the TLS certificate was not reloaded: the previous certificate is still served; put a certificate chain and its own private key, as PEM, in COBROWSE_TLS_CERT and COBROWSE_TLS_KEY";

impl TlsConfig {
    /// Serves the files' new pair whenever they say something else and it is usable; runs
    /// until the service stops.
    pub async fn watch(&self, metrics: &Metrics) {
        let served = &self.0;
        // From the versions read at start-up: a change before this task runs is a change.
        let mut seen = served.read_at_start;
        let mut last_said = Some(served.said_at_start);
        // Problems with the pair read last, and the looks since at files unchanged.
        let mut refused: Option<(Vec<String>, u32)> = None;
        let mut tick = tokio::time::interval(WATCH_EVERY);
        loop {
            tick.tick().await;
            let now = served.files.versions();
            if now == seen {
                if let Some((problems, looks)) = &mut refused {
                    *looks += 1;
                    if *looks >= SETTLE {
                        metrics.tls_reload_failures.inc();
                        metrics.tls_certificate_rejected.set(1);
                        tracing::error!(problems = %problems.join("; "), "{NOT_RELOADED}");
                        refused = None;
                    }
                }
                continue;
            }
            seen = now;
            let read = served.files.read();
            let said = read.as_ref().ok().map(|(cert, key)| digest(&(cert, key)));
            if said.is_some() && said == last_said {
                continue;
            }
            last_said = said;
            match read.and_then(|(cert, key)| served.files.check(&cert, &key)) {
                Ok(pair) => {
                    refused = None;
                    let expiry = expires(&pair);
                    served.pair.store(pair.into());
                    metrics.tls_certificate_expiry.set(expiry);
                    metrics.tls_certificate_rejected.set(0);
                    tracing::info!(
                        expires = %rfc3339(expiry),
                        "reloaded the TLS certificate: new connections get it"
                    );
                }
                Err(problems) => refused = Some((problems, 0)),
            }
        }
    }
}

fn rfc3339(seconds: i64) -> String {
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(seconds.max(0).unsigned_abs());
    humantime::format_rfc3339_seconds(at).to_string()
}
