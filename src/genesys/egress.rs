//! The egress proxy Genesys calls go through, if any.
//!
//! Like curl, the HTTP client honours `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and
//! `NO_PROXY` (or their lower-case forms): needed where traffic out must pass a proxy, and a
//! surprise where a cluster sets them for every pod. So start-up names the proxy each org's
//! Genesys is reached through, decided by the matcher reqwest itself uses, and never a
//! proxy's user name or password.

use hyper_util::client::proxy::matcher::Matcher;

use super::GenesysSettings;

/// The proxy a request to `url` goes through, as `scheme://host:port` (nothing of its
/// credentials); `None` when it goes direct.
pub fn proxy_for(matcher: &Matcher, url: &str) -> Option<String> {
    let uri: http::Uri = url.parse().ok()?;
    let intercept = matcher.intercept(&uri)?;
    let proxy = intercept.uri();
    let host = proxy.host()?;
    let port = proxy
        .port_u16()
        .map(|port| format!(":{port}"))
        .unwrap_or_default();
    Some(format!(
        "{}://{host}{port}",
        proxy.scheme_str().unwrap_or("http")
    ))
}

/// One `info` line per org whose Genesys calls go through a proxy of the environment.
pub fn log_proxies<'a>(orgs: impl IntoIterator<Item = (Option<&'a str>, &'a GenesysSettings)>) {
    let matcher = Matcher::from_system();
    for (name, genesys) in orgs {
        let api = proxy_for(&matcher, &genesys.api_url);
        let login = proxy_for(&matcher, &genesys.login_url);
        if api.is_none() && login.is_none() {
            continue;
        }
        let direct = || "direct (NO_PROXY)".to_owned();
        tracing::info!(
            org = name,
            api = %api.unwrap_or_else(direct),
            login = %login.unwrap_or_else(direct),
            "Genesys calls go through the egress proxy the environment names \
             (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY; NO_PROXY to go direct)"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher(http: &str, https: &str, no: &str) -> Matcher {
        Matcher::builder().http(http).https(https).no(no).build()
    }

    #[test]
    fn names_the_proxy_without_its_credentials() {
        let m = matcher("", "http://me:hunter2@proxy.corp:3128", "");
        let proxy = proxy_for(&m, "https://api.mypurecloud.com").unwrap();
        assert_eq!(proxy, "http://proxy.corp:3128");
    }

    #[test]
    fn no_proxy_and_the_other_scheme_go_direct() {
        let m = matcher("", "http://proxy.corp:3128", ".mypurecloud.com");
        assert_eq!(proxy_for(&m, "https://api.mypurecloud.com"), None);
        assert_eq!(proxy_for(&m, "http://api.usw2.pure.cloud"), None);
        assert_eq!(
            proxy_for(&m, "https://api.usw2.pure.cloud").as_deref(),
            Some("http://proxy.corp:3128")
        );
    }
}
