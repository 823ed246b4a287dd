//! Contract tests: replay the sample flow payloads (`tests/fixtures/`) as Architect sends them
//! and check each reply against `expectations.json` and the output schema.

use std::path::Path;

use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn every_sample_flow_payload_gets_its_expected_reply() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let expectations: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expectations.json")).unwrap())
            .unwrap();
    let mut fixtures: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".json") && name != "expectations.json")
        .collect();
    fixtures.sort();
    assert!(fixtures.len() >= 6, "the shared samples are missing");

    let app = spawn_app().await;
    app.mount_cobrowse(session_reply()).await;
    for name in fixtures {
        let expected = &expectations[&name];
        assert!(
            expected.is_object(),
            "{name} has no entry in expectations.json"
        );
        let body = std::fs::read(dir.join(&name)).unwrap();
        let calls_before = app.requests_to("cobrowse").await;

        let reply = flat_reply(app.post_raw(body, "application/json", true).await).await;

        for (field, value) in expected["reply"].as_object().unwrap() {
            assert_eq!(&reply[field], value, "{name}: {field} in {reply}");
        }
        let calls = app.start_requests().await;
        match expected.get("sent") {
            Some(sent) => {
                assert_eq!(calls.len(), calls_before + 1, "{name}: one Genesys call");
                let received: Value = serde_json::from_slice(&calls.last().unwrap().body).unwrap();
                assert_eq!(&received, sent, "{name}: body sent to Genesys");
            }
            None => {
                assert_eq!(calls.len(), calls_before, "{name} reached Genesys");
                let message = reply["errorMessage"].as_str().unwrap();
                let hint = expected["message"].as_str().unwrap();
                assert!(message.contains(hint), "{name}: {message}");
            }
        }
    }
}
