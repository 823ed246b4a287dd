//! The hosts `export-action` refuses because Genesys, which calls data actions from its
//! cloud over the internet, could never reach them: loopback, private and link-local
//! addresses (IPv4 and IPv6), no address at all, and names only a local resolver knows.

use std::net::Ipv4Addr;

use url::Host;

/// What `host` is when Genesys's cloud could never reach it: this machine, a private network,
/// or a name only a local resolver knows.
pub(super) fn unreachable_host(host: &Host<&str>) -> Option<&'static str> {
    match host {
        Host::Ipv4(ip) => unreachable_v4(*ip),
        Host::Ipv6(ip) => match ip.to_ipv4_mapped() {
            Some(v4) => unreachable_v4(v4),
            None if ip.is_loopback() => Some("this machine (loopback)"),
            None if ip.is_unspecified() => Some("no address (unspecified)"),
            None if ip.is_unique_local() => Some("a private address (unique local, fc00::/7)"),
            None if ip.is_unicast_link_local() => Some("a link-local address (fe80::/10)"),
            None => None,
        },
        Host::Domain(name) => {
            let name = name.trim_end_matches('.');
            let under = |zone: &str| name == zone || name.ends_with(&format!(".{zone}"));
            if under("localhost") {
                Some("this machine (localhost)")
            } else if under("local") || under("internal") || under("home.arpa") {
                Some("a name only a local network resolves")
            } else if !name.contains('.') {
                Some("a name with no domain, which only a local network resolves")
            } else {
                None
            }
        }
    }
}

fn unreachable_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [first, second, ..] = ip.octets();
    if ip.is_loopback() {
        Some("this machine (loopback)")
    } else if ip.is_private() {
        Some("a private address (RFC 1918)")
    } else if ip.is_link_local() {
        Some("a link-local address (169.254.0.0/16)")
    } else if first == 0 {
        Some("no address (unspecified)")
    } else if first == 100 && (64..128).contains(&second) {
        Some("a carrier-grade NAT address (100.64.0.0/10)")
    } else {
        None
    }
}
