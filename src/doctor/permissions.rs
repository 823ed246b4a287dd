//! The checks of what the OAuth client may do: start cobrowse, and read conversations. Each
//! asks Genesys about a conversation doctor made up, so nothing can start: 404 means the
//! permission is held, 403 that it is not, and what to give is named in Genesys's words when
//! it gave them. Reading is needed only by starts that read the conversation, so a 403 there
//! fails the check only when every start does (`verify_agent` on).

use super::access::{correlation, trouble};
use super::setting::SetIn;
use super::{Check, READ_PERMISSION, START_PERMISSION};
use crate::config::OrgKey;
use crate::domain::{AgentId, ConversationId};
use crate::genesys::admin::Admin;
use crate::genesys::{GenesysSettings, Problem};
use crate::outcome::genesys_said as said;

/// The permission names (`conversation:cobrowse:add`) in Genesys's words, in order.
pub(super) fn permissions_named(problem: &Problem) -> Vec<String> {
    let Problem::Refused { message, code } = problem else {
        return Vec::new();
    };
    let mut found: Vec<String> = Vec::new();
    for word in format!("{code} {message}")
        .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, ':' | '_' | '*' | '-')))
    {
        let parts: Vec<&str> = word.split(':').collect();
        if parts.len() == 3
            && parts.iter().all(|p| !p.is_empty())
            && !found.iter().any(|f| f == word)
        {
            found.push(word.to_owned());
        }
    }
    found
}

pub(super) const START_PERMISSIONS: &str =
    "conversation:cobrowse:add (messaging) and/or conversation:cobrowseVoice:add (voice)";

pub(super) async fn start_permission(
    admin: &Admin,
    nowhere: ConversationId,
    nobody: AgentId,
    set_in: SetIn<'_>,
) -> Check {
    let asked = format!("starting cobrowse on conversation {nowhere}, which doctor made up");
    match admin.try_start_cobrowse(nowhere, nobody).await {
        Err(error) if matches!(error.problem, Problem::Refused { .. }) && error.status == 404 => {
            Check::ok(
                START_PERMISSION,
                format!(
                    "the OAuth client may start cobrowse: Genesys answered 404 to {asked}, so it holds conversation:cobrowse:add or conversation:cobrowseVoice:add. Nothing was started."
                ),
            )
        }
        Err(error) if matches!(error.problem, Problem::Refused { .. }) && error.status == 403 => {
            let named = permissions_named(&error.problem);
            let give = if named.is_empty() {
                START_PERMISSIONS.to_owned()
            } else {
                format!("{} (as Genesys named them)", named.join(" / "))
            };
            Check::fail(
                START_PERMISSION,
                format!(
                    "the OAuth client may not start cobrowse: Genesys answered 403{} to {asked}.{}",
                    said(&error.problem),
                    correlation(&error)
                ),
                format!(
                    "Give the OAuth client's role {give} in Admin > Roles / Permissions, then run doctor again."
                ),
            )
        }
        Err(error)
            if matches!(error.problem, Problem::Refused { .. })
                && matches!(error.status, 400 | 415 | 422) =>
        {
            Check::fail(
                START_PERMISSION,
                format!(
                    "Genesys answered {}{} to {asked}, where 404 (permission held) or 403 (missing) was expected.{}",
                    error.status,
                    said(&error.problem),
                    correlation(&error)
                ),
                format!(
                    "Genesys refused the request itself, as it would the service's: if it names the body, try {} (the form the published SDK sends).",
                    set_in.assignment(OrgKey::RequestBody, "empty")
                ),
            )
        }
        Err(error) => trouble(START_PERMISSION, &asked, &error, set_in),
        Ok(status) => not_the_api(START_PERMISSION, &asked, status, set_in),
    }
}

pub(super) async fn read_permission(
    admin: &Admin,
    genesys: &GenesysSettings,
    nowhere: ConversationId,
    set_in: SetIn<'_>,
) -> Check {
    let asked = format!("reading conversation {nowhere}, which doctor made up");
    let give = "give the OAuth client's role conversation:communication:view in Admin > Roles / Permissions";
    match admin.try_read_conversation(nowhere).await {
        Err(error) if matches!(error.problem, Problem::Refused { .. }) && error.status == 404 => {
            Check::ok(
                READ_PERMISSION,
                format!(
                    "the OAuth client may read conversations (conversation:communication:view): Genesys answered 404 to {asked}. Flows may leave agentId blank to use the connected agent."
                ),
            )
        }
        Err(error) if matches!(error.problem, Problem::Refused { .. }) && error.status == 403 => {
            let refused = format!(
                "the OAuth client may not read conversations: Genesys answered 403{} to {asked}.{}",
                said(&error.problem),
                correlation(&error)
            );
            if genesys.verify_agent {
                Check::fail(
                    READ_PERMISSION,
                    format!(
                        "{refused} {} is on, so every start reads the conversation first and would fail with MISSING_PERMISSION.",
                        set_in.name(OrgKey::VerifyAgent)
                    ),
                    format!(
                        "{give}, or set {}.",
                        set_in.assignment(OrgKey::VerifyAgent, "false")
                    ),
                )
            } else {
                Check::ok(READ_PERMISSION, refused).with_note(format!(
                    "needed only by flows that leave agentId blank (the service then reads the \
                     conversation to find the connected agent): such starts fail with \
                     MISSING_PERMISSION. If any flow does, {give}; otherwise have every flow pass \
                     agentId."
                ))
            }
        }
        Err(error) => trouble(READ_PERMISSION, &asked, &error, set_in),
        Ok(status) => not_the_api(READ_PERMISSION, &asked, status, set_in),
    }
}

/// An answer Genesys never gives for a made-up conversation: the API URL is not Genesys's.
fn not_the_api(check: &'static str, asked: &str, status: u16, set_in: SetIn<'_>) -> Check {
    Check::fail(
        check,
        format!(
            "{asked}: answered {status}, which Genesys never answers for a conversation that does not exist."
        ),
        format!(
            "Check that {} points at the Genesys Platform API (or unset it to use {}'s).",
            set_in.name(OrgKey::ApiUrl),
            set_in.name(OrgKey::Region)
        ),
    )
}
