//! What doctor says of a client certificate Genesys lists for the org's data actions: the
//! chain given (leaf first), the DNS names the leaf carries, its issuer's name and its
//! validity. webpki reads the names; the issuer's attributes and the validity are read from
//! the DER the way `expiry.rs` reads `notAfter`, no X.509 parser being built here.

use base64::Engine;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use super::expiry::{element, validity};

const SET: u8 = 0x31;
const SEQUENCE: u8 = 0x30;
/// The attributes of a name worth showing, by their OID's contents (2.5.4.x), in the order
/// shown.
const SHOWN: [(&str, [u8; 3]); 3] = [
    ("CN", [0x55, 0x04, 0x03]),
    ("OU", [0x55, 0x04, 0x0b]),
    ("O", [0x55, 0x04, 0x0a]),
];

/// A certificate as Genesys listed it, read.
#[derive(Clone, Debug)]
pub struct Described {
    /// The leaf, then whatever intermediates came with it.
    pub chain: Vec<CertificateDer<'static>>,
    /// The leaf's subjectAltName DNS names.
    pub names: Vec<String>,
    /// `CN=..., O=...` of the issuer (`(no name)` when it has none of CN, OU, O).
    pub issuer: String,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
}

/// `text` read as PEM certificates (the leaf first), or as one DER certificate in base64;
/// `None` when it is neither, or the leaf is not an X.509 v3 certificate.
pub fn described(text: &str) -> Option<Described> {
    let pem: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(text.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap_or_default();
    let chain = if pem.is_empty() {
        let compact: String = text.split_whitespace().collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(compact)
            .ok()?;
        vec![CertificateDer::from(der)]
    } else {
        pem
    };
    let leaf = webpki::EndEntityCert::try_from(&chain[0]).ok()?;
    let names = leaf.valid_dns_names().map(str::to_owned).collect();
    let issuer = name(leaf.issuer());
    let (not_before, not_after) = validity(&chain[0])?;
    Some(Described {
        chain,
        names,
        issuer,
        not_before,
        not_after,
    })
}

/// The shown attributes of a Name's RDNs (the contents of its SEQUENCE), as `CN=a, O=b`.
fn name(mut rdns: &[u8]) -> String {
    let mut found: Vec<(usize, String)> = Vec::new();
    while let Some((SET, set, rest)) = element(rdns) {
        rdns = rest;
        let Some((SEQUENCE, attribute, _)) = element(set) else {
            continue;
        };
        let Some((_, oid, value)) = element(attribute) else {
            continue;
        };
        let Some(rank) = SHOWN.iter().position(|(_, shown)| oid == shown) else {
            continue;
        };
        // UTF8String, PrintableString, IA5String, T61String: the strings CAs write.
        if let Some((0x0c | 0x13 | 0x16 | 0x14, text, _)) = element(value) {
            found.push((rank, String::from_utf8_lossy(text).into_owned()));
        }
    }
    found.sort_by_key(|(rank, _)| *rank);
    let shown: Vec<String> = found
        .into_iter()
        .map(|(rank, text)| format!("{}={text}", SHOWN[rank].0))
        .collect();
    if shown.is_empty() {
        "(no name)".to_owned()
    } else {
        shown.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_is_read_with_the_leafs_names_issuer_and_validity() {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(rcgen::DnType::OrganizationName, "Genesys");
        ca.distinguished_name
            .push(rcgen::DnType::CommonName, "Genesys Cloud Data Actions CA");
        let ca_pem = ca.self_signed(&ca_key).unwrap().pem();
        let issuer = rcgen::Issuer::new(ca, ca_key);
        let key = rcgen::KeyPair::generate().unwrap();
        let mut leaf = rcgen::CertificateParams::new(vec![
            "dataactions.prod.us-east-1.mypurecloud.com".into(),
        ])
        .unwrap();
        leaf.not_before = rcgen::date_time_ymd(2025, 1, 1);
        leaf.not_after = rcgen::date_time_ymd(2031, 3, 14);
        let leaf = leaf.signed_by(&key, &issuer).unwrap();

        let pem = format!("{}{ca_pem}", leaf.pem());
        let read = described(&pem).unwrap();
        assert_eq!(read.chain.len(), 2);
        assert_eq!(read.names, ["dataactions.prod.us-east-1.mypurecloud.com"]);
        assert_eq!(read.issuer, "CN=Genesys Cloud Data Actions CA, O=Genesys");
        assert_eq!(read.not_before, 1_735_689_600);
        assert_eq!(read.not_after, 1_931_212_800);

        // The same leaf as bare base64 DER, as "the certificate string" might be.
        let bare = base64::engine::general_purpose::STANDARD.encode(leaf.der());
        assert_eq!(described(&bare).unwrap().issuer, read.issuer);
        assert!(described("not a certificate").is_none());
        assert!(described("").is_none());
    }
}
