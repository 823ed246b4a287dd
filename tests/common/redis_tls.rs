//! A Redis as a managed service with in-transit encryption runs it: Debian's `redis-server`
//! serving TLS on a port of its own with a certificate from a private CA this module makes
//! (rcgen), and an ACL user allowed only the service's keys and the commands its scripts run.
//! Its plain port stays open on loopback for the test's own look at what is stored.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair, SanType};

use super::redis_server::RedisServer;

/// The ACL user the service logs in as, and its password (never to be seen in a log).
pub const USER: &str = "cobrowse";
pub const PASSWORD: &str = "acl-p4ssword-NEVER-LOGGED";

/// The ACL rules of [`USER`]: the service's keys, and the commands of its scripts.
pub const ACL: &str = "~cobrowse-proxy:* +eval +evalsha +type +strlen +get +set +del";

pub struct TlsRedis {
    pub server: RedisServer,
    pub tls_port: u16,
    /// The CA that signed the server's certificate, PEM.
    pub ca_file: PathBuf,
    /// Another CA, which signed nothing this Redis presents.
    pub other_ca_file: PathBuf,
    dir: PathBuf,
}

/// A CA of its own: its certificate and the issuer that signs with it.
fn ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

impl TlsRedis {
    pub fn start() -> Self {
        static SERVERS: AtomicUsize = AtomicUsize::new(0);
        let n = SERVERS.fetch_add(1, Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("cobrowse-redis-tls-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let authority = ca("cobrowse test CA");
        let mut params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        params
            .subject_alt_names
            .push(SanType::IpAddress([127, 0, 0, 1].into()));
        let key = KeyPair::generate().unwrap();
        let certificate = params.signed_by(&key, &authority).unwrap();
        let write = |name: &str, text: String| {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        let ca_file = write("ca.pem", authority.pem());
        let other_ca_file = write("other-ca.pem", ca("another CA").pem());
        let cert_file = write("redis.pem", certificate.pem());
        let key_file = write("redis.key", key.serialize_pem());

        let tls_port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let path = |p: &PathBuf| p.to_str().unwrap().to_owned();
        let (tls_port_arg, cert, key, ca_arg) = (
            tls_port.to_string(),
            path(&cert_file),
            path(&key_file),
            path(&ca_file),
        );
        let user = format!("{USER} on >{PASSWORD} {ACL}");
        let mut args = vec![
            "--tls-port",
            &tls_port_arg,
            "--tls-cert-file",
            &cert,
            "--tls-key-file",
            &key,
            "--tls-ca-cert-file",
            &ca_arg,
            "--tls-auth-clients",
            "no",
            "--user",
        ];
        args.extend(user.split(' '));
        let server = RedisServer::start_with(&args);
        TlsRedis {
            server,
            tls_port,
            ca_file,
            other_ca_file,
            dir,
        }
    }

    /// The service's URL: TLS, the ACL user and its password.
    pub fn url(&self) -> String {
        format!("rediss://{USER}:{PASSWORD}@127.0.0.1:{}", self.tls_port)
    }
}

impl Drop for TlsRedis {
    fn drop(&mut self) {
        self.server.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
