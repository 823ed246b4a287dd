//! Certificates made for the test, as Genesys's data actions present them: a CA of the test's
//! own (named like the Genesys regional private CA or like DigiCert's), client certificates
//! it issues for a data-actions name with a chosen validity, and the files the service's
//! mutual TLS settings name.

use std::path::PathBuf;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
};
use time::{Duration, OffsetDateTime};

use crate::common::certificate_files;

/// The data-actions name of eu-west-1, the region of the org the tests' Genesys stands for.
pub const EU_WEST_1: &str = "dataactions.prod-euw1.eu-west-1.mypurecloud.com";
pub const US_WEST_2: &str = "dataactions.prod-usw2.us-west-2.mypurecloud.com";

/// A CA of the test's own: its PEM, its name as an issuer, and what signs with it.
pub struct Ca {
    pub pem: String,
    pub issuer_name: String,
    issuer: Issuer<'static, KeyPair>,
}

impl Ca {
    /// A CA of organisation `org`, named `name`.
    pub fn new(org: &str, name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::OrganizationName, org);
        params.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate().unwrap();
        let pem = params.self_signed(&key).unwrap().pem();
        Ca {
            pem,
            issuer_name: format!("CN={name}, O={org}"),
            issuer: Issuer::new(params, key),
        }
    }

    /// Like the regional private CA Genesys signs data actions' certificates with.
    pub fn genesys(generation: &str) -> Self {
        Ca::new(
            "Genesys",
            &format!("Genesys Cloud Data Actions CA {generation}"),
        )
    }

    /// Like DigiCert's.
    pub fn digicert() -> Self {
        Ca::new("DigiCert Inc", "DigiCert Global G2 TLS RSA SHA256 2020 CA1")
    }

    /// A client certificate for `name`, valid from `from_days` to `until_days` from now, each
    /// end half a day later, so that doctor counts `until_days` days left whenever it runs:
    /// its PEM.
    pub fn client(&self, name: &str, from_days: i64, until_days: i64) -> String {
        let mut params = CertificateParams::new(vec![name.to_owned()]).unwrap();
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let now = OffsetDateTime::now_utc();
        params.not_before = now + Duration::days(from_days) + Duration::hours(12);
        params.not_after = now + Duration::days(until_days) + Duration::hours(12);
        let key = KeyPair::generate().unwrap();
        params.signed_by(&key, &self.issuer).unwrap().pem()
    }
}

/// The variables of mutual TLS trusting `cas` for an org given by URLs whose data actions are
/// eu-west-1's: the server's own pair, the bundle, and the name to expect.
pub fn mutual_tls(test: &str, cas: &[&Ca]) -> Vec<(&'static str, String)> {
    let (cert, key, _) = certificate_files(&format!("doctor-{test}"));
    let bundle: String = cas.iter().map(|ca| ca.pem.as_str()).collect();
    let path: PathBuf = cert.with_file_name("client-ca.pem");
    std::fs::write(&path, bundle).unwrap();
    let text = |p: PathBuf| p.to_str().unwrap().to_owned();
    vec![
        ("TLS_CERT", text(cert)),
        ("TLS_KEY", text(key)),
        ("TLS_CLIENT_CA", text(path)),
        ("TLS_CLIENT_NAME", EU_WEST_1.to_owned()),
    ]
}
