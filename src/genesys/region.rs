//! Genesys Cloud regions: which API and login hosts an org lives on.
//!
//! Admins know their region either by name (`eu-west-1`) or by the domain in their browser
//! (`mypurecloud.ie`); both are accepted, so neither has to be looked up. Tests and private
//! endpoints give base URLs instead, checked here too.

use url::Url;

/// `(region name, domain)`, as Genesys publishes them.
pub const REGIONS: [(&str, &str); 17] = [
    ("us-east-1", "mypurecloud.com"),
    ("us-east-2", "use2.us-gov-pure.cloud"),
    ("us-west-2", "usw2.pure.cloud"),
    ("ca-central-1", "cac1.pure.cloud"),
    ("sa-east-1", "sae1.pure.cloud"),
    ("mx-central-1", "mxc1.pure.cloud"),
    ("eu-west-1", "mypurecloud.ie"),
    ("eu-west-2", "euw2.pure.cloud"),
    ("eu-central-1", "mypurecloud.de"),
    ("eu-central-2", "euc2.pure.cloud"),
    ("me-central-1", "mec1.pure.cloud"),
    ("ap-south-1", "aps1.pure.cloud"),
    ("ap-southeast-1", "apse1.pure.cloud"),
    ("ap-southeast-2", "mypurecloud.com.au"),
    ("ap-northeast-1", "mypurecloud.jp"),
    ("ap-northeast-2", "apne2.pure.cloud"),
    ("ap-northeast-3", "apne3.pure.cloud"),
];

/// The domain of a region given by name or by domain (trimmed, case-insensitive).
pub fn domain_of(region: &str) -> Option<&'static str> {
    let wanted = region.trim();
    REGIONS
        .iter()
        .find(|(name, domain)| {
            name.eq_ignore_ascii_case(wanted) || domain.eq_ignore_ascii_case(wanted)
        })
        .map(|(_, domain)| *domain)
}

/// A region, by name or domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    domain: &'static str,
}

impl std::str::FromStr for Region {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, String> {
        match domain_of(value) {
            Some(domain) => Ok(Region { domain }),
            None => {
                let names: Vec<_> = REGIONS.iter().map(|(name, _)| *name).collect();
                Err(format!(
                    "is not a Genesys Cloud region; use a region name ({}) or its domain such as mypurecloud.ie",
                    names.join(", ")
                ))
            }
        }
    }
}

impl Region {
    /// The Platform API's base URL.
    pub fn api_url(self) -> String {
        format!("https://api.{}", self.domain)
    }

    /// The login service's base URL.
    pub fn login_url(self) -> String {
        format!("https://login.{}", self.domain)
    }
}

/// A base URL given instead of a region's, without its trailing slash: http(s) with a host,
/// and nothing that would be lost or leaked when paths are appended (query, fragment,
/// credentials).
pub fn base_url(value: &str) -> Result<String, String> {
    match Url::parse(value) {
        Ok(url)
            if matches!(url.scheme(), "http" | "https")
                && url.host().is_some()
                && url.query().is_none()
                && url.fragment().is_none()
                && url.username().is_empty()
                && url.password().is_none() =>
        {
            Ok(value.trim_end_matches('/').to_owned())
        }
        _ => Err(
            "must be an http(s) URL with a host and no query, fragment or credentials, such as https://api.mypurecloud.ie"
                .to_owned(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_domains_both_resolve() {
        assert_eq!(domain_of("eu-west-1"), Some("mypurecloud.ie"));
        assert_eq!(domain_of(" MyPureCloud.ie "), Some("mypurecloud.ie"));
        assert_eq!(domain_of("ap-northeast-3"), Some("apne3.pure.cloud"));
        assert_eq!(domain_of("mars-north-1"), None);
    }
}
