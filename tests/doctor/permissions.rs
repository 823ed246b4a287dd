//! The permissions the service's OAuth client needs: starting cobrowse, and reading
//! conversations when agents are verified.

use wiremock::matchers::path_regex;

use crate::genesys::{healthy_org, missing_permissions};
use crate::harness::{answer, doctor, vars};

#[tokio::test]
async fn a_client_without_the_cobrowse_permission_fails_naming_what_genesys_named() {
    let genesys = healthy_org("https://cobrowse.example.com").await;
    answer(
        &genesys,
        path_regex("/cobrowse$"),
        missing_permissions("conversation:cobrowse:add, conversation:cobrowseVoice:add"),
    )
    .await;
    let run = doctor(vars(&genesys.uri(), &[]), &[]).await;
    assert_eq!(run.code, Some(1));
    let line = run.assert(
        "start-permission",
        "FAIL",
        &[
            "403",
            "missing.any.permissions",
            "Admin > Roles / Permissions",
        ],
    );
    let todo = line.split("What to do:").nth(1).unwrap();
    assert!(
        todo.contains("conversation:cobrowse:add / conversation:cobrowseVoice:add"),
        "{todo}"
    );
    run.assert("read-permission", "ok", &[]);
    run.assert("data-action", "ok", &[]);
}

#[tokio::test]
async fn without_the_read_permission_verify_agent_fails_and_otherwise_a_note_says_who_needs_it() {
    let genesys = healthy_org("https://cobrowse.example.com").await;
    answer(
        &genesys,
        path_regex(r"^/api/v2/conversations/[^/]+$"),
        missing_permissions("conversation:communication:view"),
    )
    .await;

    let verifying = doctor(vars(&genesys.uri(), &[("VERIFY_AGENT", "true")]), &[]).await;
    assert_eq!(verifying.code, Some(1));
    verifying.assert(
        "read-permission",
        "FAIL",
        &[
            "COBROWSE_VERIFY_AGENT is on",
            "conversation:communication:view",
            "COBROWSE_VERIFY_AGENT=false",
        ],
    );

    let passing_agents = doctor(vars(&genesys.uri(), &[]), &[]).await;
    assert_eq!(passing_agents.code, Some(0), "{}", passing_agents.stdout);
    passing_agents.assert(
        "read-permission",
        "ok",
        &[
            "may not read conversations",
            "Note:",
            "agentId blank",
            "conversation:communication:view",
        ],
    );
}
