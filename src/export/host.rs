//! The service URL a web services action calls (`--url`), and the hosts `export-action`
//! refuses because Genesys, which calls data actions from its cloud over the internet, could
//! never reach them: loopback, private and link-local addresses (IPv4 and IPv6), no address
//! at all, and names only a local resolver knows.

use std::net::Ipv4Addr;

use url::{Host, Url};

use super::ExportError;
use crate::routes::START_PATH;

/// `scheme://host[:port]` from the admin's `--url`, or why it will not do.
pub(super) fn base_url(raw: &str, allow_http: bool) -> Result<String, ExportError> {
    let parsed = Url::parse(raw.trim());
    // The refusal quotes the URL, minus any password: error output ends up in CI logs.
    let shown = match &parsed {
        Ok(url) if url.password().is_some() => {
            let mut shown = url.clone();
            let _ = shown.set_password(Some("***"));
            shown.to_string()
        }
        _ => raw.to_owned(),
    };
    let refuse = |why: &str| {
        Err(ExportError(format!(
            "--url {shown:?} {why}; pass the service's public base URL, such as https://cobrowse-proxy.example.com"
        )))
    };
    let url = match parsed {
        Ok(url) => url,
        Err(err) => return refuse(&format!("is not a URL ({err})")),
    };
    match url.scheme() {
        "https" => {}
        "http" if allow_http => {}
        "http" => {
            return refuse(
                "is not https: Genesys calls data actions over HTTPS only, so put the service behind TLS (--allow-http exists for tests only)",
            );
        }
        other => return refuse(&format!("has scheme {other:?}, not https")),
    }
    let Some(host) = url.host() else {
        return refuse("has no host");
    };
    // The sandbox and the tests serve on this machine; they say so with allow_http.
    if !allow_http && let Some(what) = unreachable_host(&host) {
        return refuse(&format!(
            "names {host}, {what}: Genesys calls data actions from the internet, so the URL needs a public name that resolves to your ingress or load balancer"
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return refuse(
            "carries credentials: the integration's Basic Auth credential supplies them, and a URL would show them to everyone who can see the action",
        );
    }
    if url.path() != "/" {
        return refuse(&format!(
            "has a path ({}): the action always calls {START_PATH} on the base URL",
            url.path()
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return refuse("has a query or fragment");
    }
    Ok(url.origin().ascii_serialization())
}

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
