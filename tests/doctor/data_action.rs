//! The published data action: found by its name, with the contract `export-action` makes
//! today, calling the service's URL.

use serde_json::json;
use wiremock::ResponseTemplate;
use wiremock::matchers::path;

use crate::genesys::{
    ACTION_ID, OLD_ACTION_ID, RENAMED_ACTION_ID, action_as_stored, answer, listing,
    missing_permissions, mount_action, mount_actions,
};
use crate::harness::{PUBLIC_URL, Scenario, service};

#[tokio::test]
async fn an_action_never_imported_fails_saying_how_to_import_it() {
    let scenario = Scenario::calling(PUBLIC_URL).await;
    let old = action_as_stored(OLD_ACTION_ID, "Start cobrowse (old)", PUBLIC_URL);
    answer(
        &scenario.genesys,
        path("/api/v2/integrations/actions"),
        ResponseTemplate::new(200).set_body_json(listing(vec![old])),
    )
    .await;
    let run = scenario.doctor(&[], &[]).await;
    assert_eq!(run.code, Some(1));
    run.assert(
        "data-action",
        "FAIL",
        &[
            "no published data action is named \"Start cobrowse\"",
            "\"Start cobrowse (old)\"",
            "cobrowse-proxy export-action --url",
            "Admin > Integrations > Actions > Import",
            "Publish",
            "--action-name",
        ],
    );
}

#[tokio::test]
async fn an_action_with_an_old_contract_fails_saying_to_reimport_and_republish() {
    let scenario = Scenario::healthy().await;
    let mut stale = action_as_stored(ACTION_ID, "Start cobrowse", &scenario.url);
    let success = &mut stale["contract"]["output"]["successSchema"];
    success["properties"]
        .as_object_mut()
        .unwrap()
        .remove("mediaType");
    success["required"] = json!(["success", "errorCode"]);
    answer(
        &scenario.genesys,
        path(format!("/api/v2/integrations/actions/{ACTION_ID}")),
        ResponseTemplate::new(200).set_body_json(stale),
    )
    .await;
    let run = scenario.doctor_on_url(&[], &[]).await;
    assert_eq!(run.code, Some(1));
    let line = run.assert(
        "data-action",
        "FAIL",
        &[
            ACTION_ID,
            "success contract",
            "schemas/start-cobrowse.output.json",
            "lacks mediaType",
            "required",
            "export-action",
            "republish every flow",
        ],
    );
    assert!(!line.contains("input contract"), "{line}");
    assert!(!line.contains("request URL"), "{line}");
}

#[tokio::test]
async fn an_action_calling_another_url_fails_naming_both() {
    let service = service().await;
    let scenario = Scenario::calling("https://old-host.example.com").await;
    let run = scenario
        .doctor(&[], &["--url", &service.uri(), "--allow-http"])
        .await;
    assert_eq!(run.code, Some(1));
    run.assert(
        "data-action",
        "FAIL",
        &[
            "https://old-host.example.com/v1/cobrowse/start",
            &format!("{}/v1/cobrowse/start", service.uri()),
        ],
    );
    run.assert("service-url", "ok", &[]);
}

#[tokio::test]
async fn without_the_right_to_read_actions_the_action_is_skipped_naming_the_permission() {
    let scenario = Scenario::calling(PUBLIC_URL).await;
    answer(
        &scenario.genesys,
        path("/api/v2/integrations/actions"),
        missing_permissions("integrations:action:view"),
    )
    .await;
    let run = scenario.doctor(&[], &[]).await;
    assert_eq!(run.code, Some(0), "a skip fails nothing:\n{}", run.stdout);
    run.assert(
        "data-action",
        "skip",
        &[
            "403",
            "integrations:action:view",
            "What to do:",
            "export-action",
        ],
    );
}

#[tokio::test]
async fn another_action_name_is_looked_up_by_that_name() {
    let scenario = Scenario::calling(PUBLIC_URL).await;
    let renamed = action_as_stored(RENAMED_ACTION_ID, "Cobrowse now", PUBLIC_URL);
    mount_actions(&scenario.genesys, "Cobrowse now", vec![renamed.clone()]).await;
    mount_action(&scenario.genesys, renamed).await;
    let run = scenario
        .doctor(&[], &["--action-name", "Cobrowse now"])
        .await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    run.assert(
        "data-action",
        "ok",
        &[
            "\"Cobrowse now\"",
            RENAMED_ACTION_ID,
            "request URL was not compared",
        ],
    );
}
