//! One org's settings, read by one set of rules from wherever they are written: the
//! `COBROWSE_*` variables (the environment's one org) or an `[orgs.NAME]` table of
//! `COBROWSE_ORGS_FILE`.
//!
//! A source ([`OrgSource`]) only finds a key's value and names the key in a problem (the
//! variable for the environment, the org and key for the file); every rule and every word of
//! a problem is here, so the same mistake reads the same wherever it was made. Secrets are
//! read into `SecretString` and stay wrapped.

mod inbound;
pub mod source;

use std::num::NonZeroU32;
use std::time::Duration;

use secrecy::SecretString;

use crate::domain::CobrowseType;
use crate::genesys::region::{self, Region};
use crate::genesys::{GenesysSettings, OAuthClient, RequestBody};
use crate::inbound_auth::InboundAuth;

use super::parse::choice;
pub use inbound::WithoutCredential;
use inbound::{credential, inbound_auth, secret_credential};
pub use source::{OrgKey, OrgSource, Read, Reported};

/// One org's settings, checked.
#[derive(Debug)]
pub struct OrgSettings {
    /// The table's name (`[orgs.acme]` is `acme`); `None` for the environment's one org,
    /// whose logs, metrics and Redis keys carry no name.
    pub name: Option<String>,
    pub genesys: GenesysSettings,
    pub inbound_auth: InboundAuth,
    pub default_cobrowse_type: CobrowseType,
    /// The DNS name its data actions' client certificate must carry with mutual TLS: its
    /// region's, or `COBROWSE_TLS_CLIENT_NAME`; `None` for an org given by URLs without one.
    pub tls_client_name: Option<String>,
}

/// What an org does not set itself: the environment's values of the settings an org may
/// override ([`OrgKey::is_deployment_default`]), and the budget every org shares. The
/// environment's one org takes them whole.
#[derive(Clone, Debug)]
pub struct OrgDefaults {
    pub upstream_timeout: Duration,
    pub requests_per_minute: Option<NonZeroU32>,
    pub request_body: RequestBody,
    pub verify_agent: bool,
    pub default_cobrowse_type: CobrowseType,
}

/// Where an org's Genesys is and the OAuth client it uses (and, during a rotation, the
/// second one it asks when Genesys refuses the first).
pub struct GenesysAccess {
    pub api_url: String,
    pub login_url: String,
    pub client_id: String,
    pub client_secret: SecretString,
    pub client_next: Option<OAuthClient>,
    /// The certificate name of its data actions (mutual TLS), as `OrgSettings` has it.
    pub tls_client_name: Option<String>,
}

const REQUESTS_PER_MINUTE: &str =
    "must be a whole number of requests in any 60 s, from 0 to 100000 (0 turns the limit off)";
const COBROWSE_TYPE: &str =
    "must be view or control: the cobrowseType of a start whose flow leaves it blank";

impl OrgDefaults {
    /// What an org leaves unset when nothing else is said.
    pub fn built_in(upstream_timeout: Duration) -> Self {
        OrgDefaults {
            upstream_timeout,
            requests_per_minute: NonZeroU32::new(300),
            request_body: RequestBody::Auto,
            verify_agent: false,
            default_cobrowse_type: CobrowseType::View,
        }
    }

    /// The settings `source` may override, each one it leaves unset taken from `self`.
    pub fn overridden_by(
        &self,
        source: &impl OrgSource,
        p: &mut Vec<String>,
    ) -> Option<OrgDefaults> {
        let requests_per_minute = source
            .whole_number(
                p,
                OrgKey::RequestsPerMinute,
                0..=100_000,
                REQUESTS_PER_MINUTE,
            )
            .ok()
            .map(|n| n.map_or(self.requests_per_minute, NonZeroU32::new));
        let verify_agent = source
            .flag(p, OrgKey::VerifyAgent)
            .ok()
            .map(|v| v.unwrap_or(self.verify_agent));
        let request_body = match source.text(p, OrgKey::RequestBody) {
            Ok(None) => Some(self.request_body),
            Ok(Some(value)) => choice(&value)
                .map_err(|why| source.invalid(p, OrgKey::RequestBody, &value, &why))
                .ok(),
            Err(Reported) => None,
        };
        let default_cobrowse_type = match source.text(p, OrgKey::DefaultCobrowseType) {
            Ok(None) => Some(self.default_cobrowse_type),
            Ok(Some(value)) => CobrowseType::parse(&value)
                .map_err(|_| source.invalid(p, OrgKey::DefaultCobrowseType, &value, COBROWSE_TYPE))
                .ok(),
            Err(Reported) => None,
        };
        Some(OrgDefaults {
            upstream_timeout: self.upstream_timeout,
            requests_per_minute: requests_per_minute?,
            request_body: request_body?,
            verify_agent: verify_agent?,
            default_cobrowse_type: default_cobrowse_type?,
        })
    }

    /// The org `name` with where its Genesys is and its credential, taking these settings
    /// (what it sets of its own is in them already).
    pub fn org(
        &self,
        name: Option<String>,
        access: GenesysAccess,
        inbound_auth: InboundAuth,
    ) -> OrgSettings {
        OrgSettings {
            name,
            genesys: GenesysSettings {
                api_url: access.api_url,
                login_url: access.login_url,
                client_id: access.client_id,
                client_secret: access.client_secret,
                client_next: access.client_next,
                upstream_timeout: self.upstream_timeout,
                requests_per_minute: self.requests_per_minute,
                request_body: self.request_body,
                verify_agent: self.verify_agent,
            },
            inbound_auth,
            default_cobrowse_type: self.default_cobrowse_type,
            tls_client_name: access.tls_client_name,
        }
    }
}

/// Reads the org of `source`: every problem found goes to `p`, and the org only when there
/// was none in it. `own` reads what it sets of the deployment's defaults (or gives the
/// defaults whole), after where its Genesys is and its credential. `without_credential`, only
/// for the environment's org, says when it may run without one.
pub fn read(
    source: &impl OrgSource,
    p: &mut Vec<String>,
    own: impl FnOnce(&mut Vec<String>) -> Option<OrgDefaults>,
    without_credential: Option<WithoutCredential>,
) -> Option<OrgSettings> {
    let access = genesys_access(source, p);
    let inbound_auth = inbound_auth(source, p, without_credential);
    let own = own(p)?;
    let name = source.org_name().map(str::to_owned);
    Some(own.org(name, access?, inbound_auth?))
}

/// Where Genesys is (the region, or both URLs; either URL, when set, replaces the region's)
/// and the OAuth client.
fn genesys_access(source: &impl OrgSource, p: &mut Vec<String>) -> Option<GenesysAccess> {
    // `None` is unset; `Some(None)` is set but invalid, already reported.
    let region = source.text(p, OrgKey::Region).map_or(Some(None), |region| {
        region.map(|value| {
            value
                .parse::<Region>()
                .map_err(|why| source.invalid(p, OrgKey::Region, &value, &why))
                .ok()
        })
    });
    let mut url = |key: OrgKey| {
        source.text(p, key).map_or(Some(None), |url| {
            url.map(|value| {
                region::base_url(&value)
                    .map_err(|why| source.invalid(p, key, &value, &why))
                    .ok()
            })
        })
    };
    let (api_url, login_url) = (url(OrgKey::ApiUrl), url(OrgKey::LoginUrl));
    let tls_client_name = tls_client_name(source, p, region.flatten());
    let name = |key| source.name(key);
    let (api_url, login_url) = match (region, api_url, login_url) {
        (Some(region), api, login) => (
            api.unwrap_or(region.map(Region::api_url)),
            login.unwrap_or(region.map(Region::login_url)),
        ),
        (None, Some(api), Some(login)) => (api, login),
        (None, None, None) => {
            source.problem(
                p,
                OrgKey::Region,
                &format!(
                    "is missing: set it to the org's region, such as eu-west-1 (or its domain, mypurecloud.ie), or set both {} and {}",
                    name(OrgKey::ApiUrl),
                    name(OrgKey::LoginUrl)
                ),
            );
            (None, None)
        }
        (None, api, login) => {
            let (given, missing) = if api.is_some() {
                (OrgKey::ApiUrl, OrgKey::LoginUrl)
            } else {
                (OrgKey::LoginUrl, OrgKey::ApiUrl)
            };
            source.problem(
                p,
                missing,
                &format!(
                    "is missing: {} is set without {}, so both URLs are needed (or set {} instead)",
                    name(given),
                    name(OrgKey::Region),
                    name(OrgKey::Region)
                ),
            );
            (api.flatten(), login.flatten())
        }
    };
    let client_id = credential(source, p, OrgKey::ClientId);
    if matches!(client_id, Ok(None)) {
        source.problem(
            p,
            OrgKey::ClientId,
            "is missing: the id of the org's OAuth client (Client Credentials grant)",
        );
    }
    let client_secret = secret_credential(source, p, OrgKey::ClientSecret);
    if matches!(client_secret, Ok(None)) {
        source.problem(
            p,
            OrgKey::ClientSecret,
            "is missing: its secret (Client Credentials grant)",
        );
    }
    let client_next = client_next(source, p);
    Some(GenesysAccess {
        api_url: api_url?,
        login_url: login_url?,
        client_id: client_id.ok().flatten()?,
        client_secret: client_secret.ok().flatten()?,
        client_next: client_next.ok()?,
        tls_client_name: tls_client_name?,
    })
}

/// The name on the org's data actions' client certificate: set, or its region's.
fn tls_client_name(
    source: &impl OrgSource,
    p: &mut Vec<String>,
    region: Option<Region>,
) -> Option<Option<String>> {
    match source.text(p, OrgKey::TlsClientName) {
        Err(Reported) => None,
        Ok(None) => Some(region.map(|region| region.data_actions_name().to_owned())),
        Ok(Some(value)) => {
            let name = value.to_ascii_lowercase();
            match rustls::pki_types::ServerName::try_from(name.as_str()) {
                Ok(rustls::pki_types::ServerName::DnsName(_)) => Some(Some(name)),
                _ => {
                    source.invalid(
                        p,
                        OrgKey::TlsClientName,
                        &value,
                        "must be a DNS name, the one on the client certificate of the org's data actions, such as dataactions.prod.us-east-1.mypurecloud.com",
                    );
                    None
                }
            }
        }
    }
}

/// The second OAuth client, asked for a token when Genesys refuses the first: its id and its
/// secret together, or neither. One of them alone would silently leave the rotation without
/// the client it counts on, so it is a problem naming both.
fn client_next(source: &impl OrgSource, p: &mut Vec<String>) -> Read<OAuthClient> {
    let id = credential(source, p, OrgKey::ClientIdNext);
    let secret = secret_credential(source, p, OrgKey::ClientSecretNext);
    let (given, missing) = match (id?, secret?) {
        (Some(id), Some(secret)) => return Ok(Some(OAuthClient { id, secret })),
        (None, None) => return Ok(None),
        (Some(_), None) => (OrgKey::ClientIdNext, OrgKey::ClientSecretNext),
        (None, Some(_)) => (OrgKey::ClientSecretNext, OrgKey::ClientIdNext),
    };
    let why = format!(
        "is missing: {} is set, and the second OAuth client needs both its id and its secret (it is asked for a token when Genesys refuses the first)",
        source.name(given)
    );
    source.problem(p, missing, &why);
    Err(Reported)
}
