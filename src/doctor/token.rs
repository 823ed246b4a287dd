//! The `token` check: the login service issues a token to the org's OAuth client. During a
//! rotation the org has two (`COBROWSE_GENESYS_CLIENT_ID_NEXT`, `client_id_next`): each asks
//! on its own, the check says which works, and the checks after it are of the client the
//! service would use (the first when Genesys accepts it, else the second).

use super::access::{correlation, trouble};
use super::setting::SetIn;
use super::{Check, TOKEN, region_of};
use crate::config::OrgKey;
use crate::genesys::admin::Admin;
use crate::genesys::{GenesysError, GenesysSettings, Problem};
use crate::outcome::genesys_said as said;

/// Which of the org's OAuth clients is meant.
#[derive(Clone, Copy)]
enum Client {
    /// The org has one.
    Only,
    First,
    Second,
}

impl Client {
    /// Where its id and secret are set.
    fn keys(self) -> (OrgKey, OrgKey) {
        match self {
            Client::Only | Client::First => (OrgKey::ClientId, OrgKey::ClientSecret),
            Client::Second => (OrgKey::ClientIdNext, OrgKey::ClientSecretNext),
        }
    }

    /// `the OAuth client`, or `the second OAuth client (COBROWSE_GENESYS_CLIENT_ID_NEXT)`.
    fn named(self, set_in: SetIn) -> String {
        let which = match self {
            Client::Only => return "the OAuth client".to_owned(),
            Client::First => "first",
            Client::Second => "second",
        };
        format!("the {which} OAuth client ({})", set_in.name(self.keys().0))
    }
}

/// The `token` check, and who the checks after it ask as: `None` when no client got a token.
pub(super) async fn token(genesys: &GenesysSettings, set_in: SetIn<'_>) -> (Check, Option<Admin>) {
    let login = &genesys.login_url;
    let region = region_of(login);
    let Some(next) = &genesys.client_next else {
        let admin = Admin::new(genesys);
        return match admin.token().await {
            Ok(()) => (
                Check::ok(
                    TOKEN,
                    format!(
                        "the login service at {login} issued a token to the OAuth client (Client Credentials grant) in {region}."
                    ),
                ),
                Some(admin),
            ),
            Err(error) => (failure(genesys, set_in, Client::Only, &error), None),
        };
    };
    // Each client on its own: the service's own token cache would hide a refused one.
    let first = Admin::new(&GenesysSettings {
        client_next: None,
        ..genesys.clone()
    });
    let second = Admin::new(&GenesysSettings {
        client_id: next.id.clone(),
        client_secret: next.secret.clone(),
        client_next: None,
        ..genesys.clone()
    });
    let (first_got, second_got) = tokio::join!(first.token(), second.token());
    let [first_named, second_named] = [Client::First, Client::Second].map(|c| c.named(set_in));
    match (first_got, second_got) {
        (Ok(()), Ok(())) => (
            Check::ok(
                TOKEN,
                format!(
                    "the login service at {login} issued a token to both OAuth clients (Client Credentials grant) in {region}: {first_named} and {second_named}. The service asks with the first, and with the second when Genesys refuses the first; the checks below are of the first."
                ),
            ),
            Some(first),
        ),
        (Err(refused), Ok(())) if refused.refuses_credentials() => {
            let (id, secret) = Client::First.keys();
            let (next_id, next_secret) = Client::Second.keys();
            let name = |key| set_in.name(key);
            (
                Check::ok(
                    TOKEN,
                    format!(
                        "the login service at {login} refused {first_named} with {}{}, and issued a token to {second_named} in {region}: the service uses the second, and the checks below are of it.{}",
                        refused.status,
                        said(&refused.problem),
                        correlation(&refused)
                    ),
                )
                .with_note(format!(
                    "if the first was deleted to finish a rotation, move the second's id and secret to {} and {} and remove {} and {}; otherwise check {} and {}.",
                    name(id),
                    name(secret),
                    name(next_id),
                    name(next_secret),
                    name(id),
                    name(secret)
                )),
                Some(second),
            )
        }
        (Ok(()), Err(error)) => {
            let mut check = failure(genesys, set_in, Client::Second, &error);
            check.detail.push_str(&format!(
                " The first OAuth client ({}) got a token: the service uses it meanwhile, and the checks below are of it.",
                set_in.name(OrgKey::ClientId)
            ));
            (check, Some(first))
        }
        (Err(first_error), Err(second_error))
            if first_error.refuses_credentials() && second_error.refuses_credentials() =>
        {
            let refused =
                |error: &GenesysError| format!("{}{}", error.status, said(&error.problem));
            let mut check = failure(genesys, set_in, Client::First, &first_error);
            check.detail = format!(
                "the login service at {login} refused both OAuth clients: {first_named} with {}, and {second_named} with {}.{}{}",
                refused(&first_error),
                refused(&second_error),
                correlation(&first_error),
                correlation(&second_error)
            );
            (check, None)
        }
        (Err(error), _) => (failure(genesys, set_in, Client::First, &error), None),
    }
}

/// What the `token` check says when the login service gave `client` no token.
fn failure(
    genesys: &GenesysSettings,
    set_in: SetIn,
    client: Client,
    error: &GenesysError,
) -> Check {
    let login = &genesys.login_url;
    let region = region_of(login);
    let said = said(&error.problem);
    let correlation = correlation(error);
    let named = client.named(set_in);
    if error.refuses_credentials() {
        let (id, secret) = client.keys();
        let (id, secret) = (set_in.name(id), set_in.name(secret));
        let region_setting = set_in.name(OrgKey::Region);
        let todo = match client {
            Client::Only => format!(
                "Check {id} and {secret} (Admin > Integrations > OAuth), that the OAuth client's grant type is Client Credentials, and that it belongs to an org in {region}; for an org in another region set {region_setting} to that region."
            ),
            // Both refused: the first's words name every setting.
            Client::First => format!(
                "Check {id} and {secret}, and {} and {} (Admin > Integrations > OAuth): that each OAuth client's grant type is Client Credentials, and that both belong to an org in {region}; for an org in another region set {region_setting} to that region.",
                set_in.name(OrgKey::ClientIdNext),
                set_in.name(OrgKey::ClientSecretNext)
            ),
            Client::Second => format!(
                "Check {id} and {secret} (Admin > Integrations > OAuth): that the OAuth client's grant type is Client Credentials and that it belongs to the same org as the first; or remove both. Once the first is deleted, the service would get no token."
            ),
        };
        return Check::fail(
            TOKEN,
            format!(
                "the login service at {login} refused {named} with {}{said}.{correlation}",
                error.status
            ),
            todo,
        );
    }
    match &error.problem {
        Problem::Unreadable => Check::fail(
            TOKEN,
            format!(
                "{login}/oauth/token answered {} without an access token.{correlation}",
                error.status
            ),
            format!(
                "Point {} at a Genesys login service, or unset it to use {}'s.",
                set_in.name(OrgKey::LoginUrl),
                set_in.name(OrgKey::Region)
            ),
        ),
        _ => {
            let asked = match client {
                Client::Only => format!("asking {login} for a token"),
                _ => format!("asking {login} for a token for {named}"),
            };
            trouble(TOKEN, &asked, error, set_in)
        }
    }
}
