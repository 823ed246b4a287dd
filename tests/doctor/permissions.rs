//! The permissions the service's OAuth client needs: starting cobrowse, and reading
//! conversations when agents are verified.

use crate::genesys::{withhold_read_permission, withhold_start_permission};
use crate::harness::{PUBLIC_URL, Scenario};

#[tokio::test]
async fn a_client_without_the_cobrowse_permission_fails_naming_what_genesys_named() {
    let scenario = Scenario::calling(PUBLIC_URL).await;
    withhold_start_permission(&scenario.genesys).await;
    let run = scenario.doctor(&[], &[]).await;
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
    let scenario = Scenario::calling(PUBLIC_URL).await;
    withhold_read_permission(&scenario.genesys).await;

    let verifying = scenario.doctor(&[("VERIFY_AGENT", "true")], &[]).await;
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

    let passing_agents = scenario.doctor(&[], &[]).await;
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
