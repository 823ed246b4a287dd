//! `sandbox --mutual-tls`: mutual TLS tried without Genesys. At start-up a throw-away CA
//! issues the service's certificate (for the loopback address it serves on) and a client
//! certificate named as the data actions of [`REGION`] name theirs; the service serves HTTPS
//! and asks for a client certificate chaining to that CA, as `COBROWSE_TLS_CLIENT_CA` makes it
//! do, and the sandbox's org expects that region's name, as an org in that region does.
//!
//! The files live in a directory of their own under the system's temporary directory (only
//! its owner may read it, as the keys are there), removed when the sandbox stops; a sandbox
//! killed outright leaves it behind, with nothing in it that is any use elsewhere.

use std::io;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

use crate::genesys::region::REGIONS;
use crate::tls::client_auth::{self, ClientAuth};
use crate::tls::{self, TlsConfig};

/// The region the sandbox's org is taken to be in, for the name on its client certificate.
pub const REGION: &str = "us-east-1";

/// The data-actions name of [`REGION`], from the one region table.
pub fn client_name() -> &'static str {
    REGIONS
        .iter()
        .find(|(region, _, _)| *region == REGION)
        .map(|(_, _, name)| *name)
        .expect("the sandbox's region is in the region table")
}

/// The throw-away CA's and certificates' files, in their directory, removed on drop.
#[derive(Debug)]
pub struct Files {
    dir: PathBuf,
}

impl Files {
    /// Makes the CA, the server certificate for `ip` (and `localhost`) and the client
    /// certificate, and writes them to a new directory.
    pub fn generate(ip: IpAddr) -> io::Result<Files> {
        // A new directory, never one that exists (`create`, not `create_dir_all`): random
        // enough for one machine, short enough for the printed lines.
        let random = uuid::Uuid::new_v4().simple().to_string();
        let dir = std::env::temp_dir().join(format!("cobrowse-proxy-sandbox-{}", &random[..12]));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&dir).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!(
                    "sandbox --mutual-tls: cannot create {} for its throw-away certificates ({e}); set TMPDIR to a directory you may write to",
                    dir.display()
                ),
            )
        })?;
        // From here on, a failure removes the directory.
        let files = Files { dir };
        let pems = certificates(ip).map_err(|e| {
            io::Error::other(format!(
                "sandbox --mutual-tls: the throw-away certificates could not be made ({e})"
            ))
        })?;
        for (name, pem) in pems {
            std::fs::write(files.dir.join(name), pem).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!(
                        "sandbox --mutual-tls: cannot write {} ({e})",
                        files.dir.join(name).display()
                    ),
                )
            })?;
        }
        Ok(files)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The throw-away CA: `COBROWSE_TLS_CLIENT_CA`, and the issuer of the server's certificate.
    pub fn ca(&self) -> PathBuf {
        self.dir.join(CA)
    }

    pub fn client_cert(&self) -> PathBuf {
        self.dir.join(CLIENT_CERT)
    }

    pub fn client_key(&self) -> PathBuf {
        self.dir.join(CLIENT_KEY)
    }

    pub fn server_cert(&self) -> PathBuf {
        self.dir.join(SERVER_CERT)
    }

    pub fn server_key(&self) -> PathBuf {
        self.dir.join(SERVER_KEY)
    }

    /// The client certificate's PEM, which the simulated Genesys lists as its org's current
    /// data-actions certificate, as Genesys lists the one its data actions present.
    pub fn client_pem(&self) -> io::Result<String> {
        std::fs::read_to_string(self.client_cert())
    }

    /// What the sandbox says of mutual TLS after its first `curl`, with `refused`, the same
    /// `curl` without the client certificate.
    pub fn explained(&self, refused: &str) -> String {
        format!(
            "Mutual TLS is on (--mutual-tls): the service serves HTTPS and asks for a client\n\
             certificate, as COBROWSE_TLS_CLIENT_CA makes it do. The curl above presents one named\n\
             {name}, as the data actions of region {REGION} name theirs,\n\
             issued by a throw-away CA. Without it, the same start is refused with UNAUTHORIZED\n\
             (the log says why: reason no_certificate):\n\n\
             {refused}\n\
             The CA, the certificates and their keys are in {dir},\n\
             removed when the sandbox stops.\n\n",
            name = client_name(),
            dir = super::shell_word(&self.dir),
        )
    }

    /// The service's HTTPS and client-certificate settings, read from the files as
    /// `COBROWSE_TLS_CERT`/`_KEY` and `COBROWSE_TLS_CLIENT_CA` would be.
    pub fn settings(&self) -> io::Result<(TlsConfig, ClientAuth)> {
        let path = |name: &str| self.dir.join(name).to_string_lossy().into_owned();
        let tls = tls::load(Some(&path(SERVER_CERT)), Some(&path(SERVER_KEY)))
            .map_err(io::Error::other)?
            .expect("both files are given");
        let client = client_auth::load(Some(&path(CA)), None)
            .map_err(io::Error::other)?
            .expect("the CA is given");
        Ok((tls, client))
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const CA: &str = "ca.pem";
const SERVER_CERT: &str = "server.pem";
const SERVER_KEY: &str = "server-key.pem";
const CLIENT_CERT: &str = "client.pem";
const CLIENT_KEY: &str = "client-key.pem";

/// Each file's name and PEM text: the CA, the server's pair, the client's pair. Valid from a
/// day ago (a clock a little behind) for a year, as Genesys's client certificates are.
fn certificates(ip: IpAddr) -> Result<Vec<(&'static str, String)>, rcgen::Error> {
    let now = time::OffsetDateTime::now_utc();
    let validity = |params: &mut CertificateParams| {
        params.not_before = now - time::Duration::days(1);
        params.not_after = now + time::Duration::days(365);
    };

    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.distinguished_name
        .push(DnType::CommonName, "cobrowse-proxy sandbox CA (throw-away)");
    validity(&mut ca);
    let ca_key = KeyPair::generate()?;
    let ca_pem = ca.self_signed(&ca_key)?.pem();
    let issuer = Issuer::new(ca, ca_key);

    let leaf = |names: Vec<String>, usage: ExtendedKeyUsagePurpose| {
        let mut params = CertificateParams::new(names)?;
        params.distinguished_name = rcgen::DistinguishedName::new();
        params.extended_key_usages = vec![usage];
        validity(&mut params);
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &issuer)?;
        Ok::<_, rcgen::Error>((cert.pem(), key.serialize_pem()))
    };
    let mut server_names = vec!["localhost".to_owned(), ip.to_string()];
    for loopback in ["127.0.0.1", "::1"] {
        if !server_names.iter().any(|name| name == loopback) {
            server_names.push(loopback.to_owned());
        }
    }
    let (server_cert, server_key) = leaf(server_names, ExtendedKeyUsagePurpose::ServerAuth)?;
    let (client_cert, client_key) = leaf(
        vec![client_name().to_owned()],
        ExtendedKeyUsagePurpose::ClientAuth,
    )?;
    Ok(vec![
        (CA, ca_pem),
        (SERVER_CERT, server_cert),
        (SERVER_KEY, server_key),
        (CLIENT_CERT, client_cert),
        (CLIENT_KEY, client_key),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_files_are_made_and_removed_with_their_directory() {
        let files = Files::generate("127.0.0.1".parse().unwrap()).unwrap();
        let dir = files.dir().to_owned();
        for path in [files.ca(), files.client_cert(), files.client_key()] {
            assert!(path.is_file(), "{}", path.display());
        }
        // The service reads them as it reads its settings' files.
        files.settings().unwrap();
        drop(files);
        assert!(!dir.exists(), "{}", dir.display());
    }

    #[test]
    fn the_client_certificate_names_the_regions_data_actions() {
        let files = Files::generate("127.0.0.1".parse().unwrap()).unwrap();
        let pem = std::fs::read(files.client_cert()).unwrap();
        let der = rustls::pki_types::pem::PemObject::from_pem_slice(&pem).unwrap();
        assert_eq!(client_name(), "dataactions.prod.us-east-1.mypurecloud.com");
        client_auth::check_name(&der, client_name()).unwrap();
    }
}
