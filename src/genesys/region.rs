//! Genesys Cloud regions: which API and login hosts an org lives on.
//!
//! Admins know their region either by name (`eu-west-1`) or by the domain in their browser
//! (`mypurecloud.ie`); both are accepted, so neither has to be looked up. Tests and private
//! endpoints give base URLs instead, checked here too.

use url::Url;

/// `(region name, domain, data actions' client certificate name)`, as Genesys publishes
/// them. The certificate names are Resource Center article 208665's table (mutual TLS for
/// data actions); docs/security.md says which rows follow the table's pattern unconfirmed.
pub const REGIONS: [(&str, &str, &str); 17] = [
    (
        "us-east-1",
        "mypurecloud.com",
        "dataactions.prod.us-east-1.mypurecloud.com",
    ),
    (
        "us-east-2",
        "use2.us-gov-pure.cloud",
        "dataactions.fedramp-use2-core.us-east-2.mypurecloud.com",
    ),
    (
        "us-west-2",
        "usw2.pure.cloud",
        "dataactions.prod-usw2.us-west-2.mypurecloud.com",
    ),
    (
        "ca-central-1",
        "cac1.pure.cloud",
        "dataactions.prod-cac1.ca-central-1.mypurecloud.com",
    ),
    (
        "sa-east-1",
        "sae1.pure.cloud",
        "dataactions.prod-sae1.sa-east-1.mypurecloud.com",
    ),
    (
        "mx-central-1",
        "mxc1.pure.cloud",
        "dataactions.prod-mxc1.mx-central-1.mypurecloud.com",
    ),
    (
        "eu-west-1",
        "mypurecloud.ie",
        "dataactions.prod-euw1.eu-west-1.mypurecloud.com",
    ),
    (
        "eu-west-2",
        "euw2.pure.cloud",
        "dataactions.prod-euw2.eu-west-2.mypurecloud.com",
    ),
    (
        "eu-central-1",
        "mypurecloud.de",
        "dataactions.prod-euc1.eu-central-1.mypurecloud.com",
    ),
    (
        "eu-central-2",
        "euc2.pure.cloud",
        "dataactions.prod-euc2.eu-central-2.mypurecloud.com",
    ),
    (
        "me-central-1",
        "mec1.pure.cloud",
        "dataactions.prod-mec1.me-central-1.mypurecloud.com",
    ),
    (
        "ap-south-1",
        "aps1.pure.cloud",
        "dataactions.prod-aps1.ap-south-1.mypurecloud.com",
    ),
    (
        "ap-southeast-1",
        "apse1.pure.cloud",
        "dataactions.prod-apse1.ap-southeast-1.mypurecloud.com",
    ),
    (
        "ap-southeast-2",
        "mypurecloud.com.au",
        "dataactions.prod-apse2.ap-southeast-2.mypurecloud.com",
    ),
    (
        "ap-northeast-1",
        "mypurecloud.jp",
        "dataactions.prod-apne1.ap-northeast-1.mypurecloud.com",
    ),
    (
        "ap-northeast-2",
        "apne2.pure.cloud",
        "dataactions.prod-apne2.ap-northeast-2.mypurecloud.com",
    ),
    (
        "ap-northeast-3",
        "apne3.pure.cloud",
        "dataactions.prod-apne3.ap-northeast-3.mypurecloud.com",
    ),
];

/// The domain of a region given by name or by domain (trimmed, case-insensitive).
pub fn domain_of(region: &str) -> Option<&'static str> {
    let wanted = region.trim();
    REGIONS
        .iter()
        .find(|(name, domain, _)| {
            name.eq_ignore_ascii_case(wanted) || domain.eq_ignore_ascii_case(wanted)
        })
        .map(|(_, domain, _)| *domain)
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
                let names: Vec<_> = REGIONS.iter().map(|(name, _, _)| *name).collect();
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

    /// The name (DNS name) on the client certificate the region's data actions present over
    /// mutual TLS.
    pub fn data_actions_name(self) -> &'static str {
        REGIONS
            .iter()
            .find(|(_, domain, _)| *domain == self.domain)
            .map_or("", |(_, _, name)| *name)
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

    #[test]
    fn each_region_has_its_own_data_actions_name() {
        let region = |name: &str| name.parse::<Region>().unwrap();
        assert_eq!(
            region("mypurecloud.com").data_actions_name(),
            "dataactions.prod.us-east-1.mypurecloud.com"
        );
        assert_eq!(
            region("us-west-2").data_actions_name(),
            "dataactions.prod-usw2.us-west-2.mypurecloud.com"
        );
        let mut names: Vec<_> = REGIONS.iter().map(|(_, _, name)| *name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), REGIONS.len());
    }
}
