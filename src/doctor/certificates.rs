//! The `client-certificates` check: the client certificates Genesys lists for the org's data
//! actions (`GET /api/v2/integrations/actions/certificates`, current and upcoming), which CA
//! issues them and, with `COBROWSE_TLS_CLIENT_CA`, whether the service would accept each: the
//! handshake's own checks (`ClientAuth::would_accept`) and the name the org's must carry
//! (`client_auth::check_name`). It fails when the service would accept no current certificate
//! (every call over mutual TLS refused), or when the current one it accepts expires within
//! [`WARNING_DAYS`] days and no upcoming one it accepts is listed. In AWS Lambda, where no
//! client certificate reaches the service, it is skipped, saying why.

mod listed;

use super::access::{is_forbidden, trouble};
use super::setting::SetIn;
use super::{CLIENT_CERTIFICATES, Check};
use crate::config::OrgKey;
use crate::genesys::admin::Admin;
use crate::outcome::genesys_said as said;
use crate::tls::client_auth::ClientAuth;
use listed::{Ca, DAY, Listed, judged, now, one, when};

/// What doctor needs to list the certificates.
pub(super) const PERMISSION: &str = "integrations:actionCertificate:view";
/// How long before the current certificate expires doctor wants the next one accepted.
const WARNING_DAYS: i64 = 30;
const BUNDLE: &str = "COBROWSE_TLS_CLIENT_CA";

/// The check in AWS Lambda, where no client certificate reaches the service and
/// `COBROWSE_TLS_CLIENT_CA` has nothing to check.
pub(super) fn in_lambda() -> Check {
    Check::skip(
        CLIENT_CERTIFICATES,
        "not checked: in AWS Lambda no data action's client certificate reaches the service: a direct invoke is an AWS API call that IAM authorizes (the role Genesys assumes), and a function URL's TLS ends at AWS.",
        "Nothing to do here: the role's trust (Genesys's AWS account, your org's id as external id) keeps other callers from invoking the function, and the inbound credential from its function URL (docs/lambda.md).",
    )
}

/// What mutual TLS asks of an org's data actions.
pub(super) struct MutualTls {
    /// `COBROWSE_TLS_CLIENT_CA` (and `_CRL`), when set: the deployment's, every org's.
    pub bundle: Option<ClientAuth>,
    /// The name the org's certificate must carry: its region's, or the one set.
    pub name: Option<String>,
}

pub(super) async fn client_certificates(
    admin: &Admin,
    mutual_tls: &MutualTls,
    set_in: SetIn<'_>,
) -> Check {
    let asked = "GET /api/v2/integrations/actions/certificates";
    let entities = match admin.action_certificates().await {
        Ok(entities) => entities,
        Err(error) if is_forbidden(&error) => {
            return Check::skip(
                CLIENT_CERTIFICATES,
                format!(
                    "not checked: the OAuth client may not list the data actions' client certificates (Genesys answered 403{}).",
                    said(&error.problem)
                ),
                format!(
                    "Give the OAuth client's role {PERMISSION} (read only) in Admin > Roles / Permissions to have doctor list them and check {BUNDLE} against them."
                ),
            );
        }
        Err(error) => return trouble(CLIENT_CERTIFICATES, asked, &error, set_in),
    };
    let now = now();
    let listed: Vec<Listed> = entities
        .iter()
        .map(|entity| judged(entity, mutual_tls, now))
        .collect();
    let Some(bundle_name) = mutual_tls.bundle.as_ref().map(|_| BUNDLE) else {
        if listed.is_empty() {
            return Check::ok(
                CLIENT_CERTIFICATES,
                format!(
                    "Genesys lists no client certificate for the org's data actions; {BUNDLE} is unset, so the service asks for none."
                ),
            );
        }
        return Check::ok(
            CLIENT_CERTIFICATES,
            format!(
                "{} {BUNDLE} is unset, so the service asks for none (docs/security.md lets only the org's data actions in with it).",
                summary(&listed, now)
            ),
        );
    };
    if listed.is_empty() {
        return Check::skip(
            CLIENT_CERTIFICATES,
            format!(
                "not checked: Genesys lists no client certificate for the org's data actions, so {bundle_name} cannot be checked against one."
            ),
            "Run doctor again later (Genesys says the listing can be inconsistent while a certificate rotation is in progress), or compare the bundle by hand with the CA Genesys publishes for your region (Resource Center article 208665).",
        );
    }
    let summary = summary(&listed, now);
    let current: Vec<&Listed> = listed.iter().filter(|l| l.is("current")).collect();
    let accepted: Vec<&Listed> = current.iter().copied().filter(|l| l.accepted()).collect();
    let name = set_in.name(OrgKey::TlsClientName);
    if accepted.is_empty() {
        if !current.is_empty() && current.iter().all(|l| l.described.is_none()) {
            return Check::skip(
                CLIENT_CERTIFICATES,
                format!(
                    "{summary} doctor cannot read the current certificate, so cannot say whether {bundle_name} accepts it."
                ),
                "Compare the bundle by hand with the CA Genesys publishes for your region (Resource Center article 208665).",
            );
        }
        return Check::fail(
            CLIENT_CERTIFICATES,
            format!(
                "{summary} The service would accept no current certificate: every call over mutual TLS would be refused."
            ),
            format!(
                "Put the CA that issues the current certificate in {bundle_name} (the one article 208665 gives for your region, or DigiCert's root when the integration uses DigiCert); if only the name differs, set {name} to the certificate's. Then restart the service and run doctor again."
            ),
        );
    }
    let upcoming: Vec<&Listed> = listed.iter().filter(|l| l.is("upcoming")).collect();
    let lasting = accepted
        .iter()
        .any(|l| l.not_after() > now + WARNING_DAYS * DAY);
    if !lasting && !upcoming.iter().any(|l| l.accepted()) {
        let last = accepted.iter().map(|l| l.not_after()).max().unwrap_or(now);
        let todo = if upcoming.is_empty() {
            format!(
                "Genesys lists no upcoming certificate yet: watch Resource Center article 208665 for the next CA, put it in {bundle_name} beside the current one, and run doctor again."
            )
        } else {
            format!(
                "Put the upcoming certificate's CA in {bundle_name} beside the current one (calls keep passing with both), restart the service and run doctor again."
            )
        };
        return Check::fail(
            CLIENT_CERTIFICATES,
            format!(
                "{summary} The current certificate the service accepts expires {}, and no upcoming certificate it accepts is listed: when Genesys switches, every call over mutual TLS would be refused.",
                when(last, now)
            ),
            todo,
        );
    }
    // An upcoming certificate of the CA in use that the bundle refuses is the next outage.
    let refused_next: Vec<&Listed> = upcoming
        .iter()
        .copied()
        .filter(|l| !l.accepted() && accepted.iter().any(|a| a.ca == l.ca))
        .collect();
    let check = Check::ok(CLIENT_CERTIFICATES, summary);
    if refused_next.is_empty() {
        check
    } else {
        check.with_note(format!(
            "the service would refuse the upcoming certificate of {}: put its CA in {bundle_name} beside the current one before Genesys switches.",
            refused_next[0].ca
        ))
    }
}

/// Every certificate listed, which CA the org's data actions use, and whether a rotation shows.
fn summary(listed: &[Listed], now: i64) -> String {
    let each: Vec<String> = listed.iter().map(|l| one(l, now)).collect();
    let mut text = format!(
        "Genesys lists {} client certificate{} for the org's data actions: {}.",
        listed.len(),
        if listed.len() == 1 { "" } else { "s" },
        each.join("; ")
    );
    let current: Vec<&Listed> = listed.iter().filter(|l| l.is("current")).collect();
    let mut cas: Vec<&Ca> = Vec::new();
    for l in if current.is_empty() {
        listed.iter().collect()
    } else {
        current.clone()
    } {
        if !cas.contains(&&l.ca) {
            cas.push(&l.ca);
        }
    }
    match cas.as_slice() {
        [one] => text.push_str(&format!(" The org's data actions use {one}.")),
        _ => text.push_str(&format!(
            " Certificates of {} are listed: the integration's configuration chooses which its calls present.",
            cas.iter().map(ToString::to_string).collect::<Vec<_>>().join(" and ")
        )),
    }
    let several_current = cas
        .iter()
        .any(|ca| current.iter().filter(|l| &&l.ca == ca).count() > 1);
    if several_current || listed.iter().any(|l| l.is("upcoming")) {
        text.push_str(if several_current {
            " More than one current certificate of one CA is listed: a rotation is in progress,"
        } else {
            " An upcoming certificate is listed: a rotation is on its way,"
        });
        text.push_str(" and Genesys says this listing can be inconsistent while one is in progress; run doctor again later to confirm.");
    }
    text
}
