//! The published data action: found by its name, with the contract `export-action` makes
//! today, calling the service's URL.

use serde_json::json;
use wiremock::ResponseTemplate;
use wiremock::matchers::path;

use crate::genesys::{
    ACTION_ID, OLD_ACTION_ID, RENAMED_ACTION_ID, action_as_stored, healthy_org, listing,
    missing_permissions, mount_action, mount_actions,
};
use crate::harness::{answer, doctor, service, vars};

#[tokio::test]
async fn an_action_never_imported_fails_saying_how_to_import_it() {
    let genesys = healthy_org("https://cobrowse.example.com").await;
    let old = action_as_stored(
        OLD_ACTION_ID,
        "Start cobrowse (old)",
        "https://cobrowse.example.com",
    );
    answer(
        &genesys,
        path("/api/v2/integrations/actions"),
        ResponseTemplate::new(200).set_body_json(listing(vec![old])),
    )
    .await;
    let run = doctor(vars(&genesys.uri(), &[]), &[]).await;
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
    let service = service().await;
    let genesys = healthy_org(&service.uri()).await;
    let mut stale = action_as_stored(ACTION_ID, "Start cobrowse", &service.uri());
    let success = &mut stale["contract"]["output"]["successSchema"];
    success["properties"]
        .as_object_mut()
        .unwrap()
        .remove("mediaType");
    success["required"] = json!(["success", "errorCode"]);
    answer(
        &genesys,
        path(format!("/api/v2/integrations/actions/{ACTION_ID}")),
        ResponseTemplate::new(200).set_body_json(stale),
    )
    .await;
    let run = doctor(
        vars(&genesys.uri(), &[]),
        &["--url", &service.uri(), "--allow-http"],
    )
    .await;
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
    let genesys = healthy_org("https://old-host.example.com").await;
    let run = doctor(
        vars(&genesys.uri(), &[]),
        &["--url", &service.uri(), "--allow-http"],
    )
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
    let genesys = healthy_org("https://cobrowse.example.com").await;
    answer(
        &genesys,
        path("/api/v2/integrations/actions"),
        missing_permissions("integrations:action:view"),
    )
    .await;
    let run = doctor(vars(&genesys.uri(), &[]), &[]).await;
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
    let genesys = healthy_org("https://cobrowse.example.com").await;
    let renamed = action_as_stored(
        RENAMED_ACTION_ID,
        "Cobrowse now",
        "https://cobrowse.example.com",
    );
    mount_actions(&genesys, "Cobrowse now", vec![renamed.clone()]).await;
    mount_action(&genesys, renamed).await;
    let run = doctor(
        vars(&genesys.uri(), &[]),
        &["--action-name", "Cobrowse now"],
    )
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
