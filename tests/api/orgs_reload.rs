//! The orgs file read again without a restart: when it changes on disk (in place, or by
//! Kubernetes's symlink swap) and on SIGHUP; an invalid file changes nothing.

use std::path::Path;
use std::time::{Duration, Instant};

use cobrowse_proxy::config::Deployment;
use cobrowse_proxy::startup::Application;
use serde_json::{Value, json};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::valid_input;
use crate::many_orgs::{TwoOrgs, org_genesys, orgs_toml, received};

/// Waits (up to 5 s: the file is looked at every second) until `done` holds.
pub async fn eventually<F: Future<Output = bool>>(what: &str, mut done: impl FnMut() -> F) {
    let until = Instant::now() + Duration::from_secs(5);
    while !done().await {
        assert!(Instant::now() < until, "{what}: not within 5 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn unauthorized(reply: Value) -> bool {
    reply["errorCode"] == "UNAUTHORIZED"
}

/// The file now says `text`, written in place.
pub fn rewrite(file: &Path, text: &str) {
    std::fs::write(file, text).unwrap();
}

#[tokio::test]
async fn a_changed_file_adds_removes_and_rotates_orgs_and_unchanged_orgs_keep_their_token() {
    let orgs = TwoOrgs::start("reload-change", &[]).await;
    assert_eq!(orgs.as_acme(&valid_input()).await["success"], true);
    assert_eq!(orgs.as_globex(&valid_input()).await["success"], true);
    let initech = org_genesys("initech").await;

    // globex goes, initech comes, acme's password is rotated (its Genesys settings are not).
    let text = orgs_toml(&orgs.acme.uri(), &orgs.globex.uri(), "", "")
        .replace("acme-inbound-pw", "acme-rotated-pw");
    let globex_start = text.find("[orgs.globex]").unwrap();
    let text = format!(
        "{}[orgs.initech]\nregion = \"eu-west-1\"\napi_url = \"{url}\"\nlogin_url = \"{url}\"\nclient_id = \"i\"\nclient_secret = \"initech-secret\"\nauth_username = \"initech\"\nauth_password = \"initech-pw\"\n",
        &text[..globex_start],
        url = initech.uri()
    );
    rewrite(&orgs.file, &text);

    eventually("globex's credential is refused", || async {
        unauthorized(orgs.as_globex(&valid_input()).await).await
    })
    .await;
    let initech_reply = orgs
        .call(&valid_input(), |r| {
            r.basic_auth("initech", Some("initech-pw"))
        })
        .await;
    assert_eq!(initech_reply["joinCode"], "initech", "{initech_reply}");
    assert!(
        unauthorized(orgs.as_acme(&valid_input()).await).await,
        "acme's old password"
    );
    let rotated = orgs
        .call(&valid_input(), |r| {
            r.basic_auth("acme-integration", Some("acme-rotated-pw"))
        })
        .await;
    assert_eq!(rotated["joinCode"], "acme", "{rotated}");
    assert_eq!(
        received(&orgs.acme).await,
        (1, 2),
        "acme kept its token across the reload"
    );
}

#[tokio::test]
async fn an_invalid_file_changes_nothing_and_is_counted() {
    let orgs = TwoOrgs::start("reload-invalid", &[]).await;
    let good = std::fs::read_to_string(&orgs.file).unwrap();
    rewrite(
        &orgs.file,
        &good.replace("client_id = \"acme-client\"", "clientid = \"x\""),
    );
    eventually("the failure is counted", || async {
        let text = orgs.get("/metrics").await.text().await.unwrap();
        // At least once: the SIGHUP test signals this whole test process, every service in it.
        text.lines()
            .find_map(|l| l.strip_prefix("cobrowse_proxy_orgs_reload_failures_total "))
            .is_some_and(|n| n.parse::<u64>().unwrap() >= 1)
    })
    .await;
    assert_eq!(orgs.as_acme(&valid_input()).await["joinCode"], "acme");
    assert_eq!(orgs.as_globex(&valid_input()).await["joinCode"], "globex");

    // Fixed, it is taken: a change that is only valid now.
    rewrite(
        &orgs.file,
        &good.replace("globex-inbound-token", "globex-next-token"),
    );
    eventually("the fixed file is taken", || async {
        let reply = orgs
            .call(&valid_input(), |r| r.bearer_auth("globex-next-token"))
            .await;
        reply["joinCode"] == "globex"
    })
    .await;
}

#[tokio::test]
async fn a_kubernetes_secret_update_by_symlink_swap_is_seen() {
    let orgs = TwoOrgs::start("reload-symlink", &[]).await;
    // The layout the kubelet makes: orgs.toml -> ..data/orgs.toml, ..data -> ..<version>.
    let dir = orgs.file.parent().unwrap().join("mounted");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("..v1")).unwrap();
    std::fs::copy(&orgs.file, dir.join("..v1/orgs.toml")).unwrap();
    std::os::unix::fs::symlink("..v1", dir.join("..data")).unwrap();
    std::os::unix::fs::symlink("..data/orgs.toml", dir.join("orgs.toml")).unwrap();
    let address = crate::many_orgs::spawn_many(&dir.join("orgs.toml"), &[]);
    let mounted = TwoOrgs {
        address,
        acme: wiremock::MockServer::start().await,
        globex: wiremock::MockServer::start().await,
        file: dir.join("orgs.toml"),
        http: orgs.http.clone(),
    };
    assert_eq!(
        mounted.as_globex(&valid_input()).await["joinCode"],
        "globex"
    );

    let v1 = std::fs::read_to_string(dir.join("..v1/orgs.toml")).unwrap();
    std::fs::create_dir_all(dir.join("..v2")).unwrap();
    std::fs::write(
        dir.join("..v2/orgs.toml"),
        v1.replace("globex-inbound-token", "globex-v2-token"),
    )
    .unwrap();
    std::os::unix::fs::symlink("..v2", dir.join("..data_tmp")).unwrap();
    std::fs::rename(dir.join("..data_tmp"), dir.join("..data")).unwrap();

    eventually("the new version is served", || async {
        mounted
            .call(&valid_input(), |r| r.bearer_auth("globex-v2-token"))
            .await["joinCode"]
            == "globex"
    })
    .await;
    assert!(unauthorized(mounted.as_globex(&valid_input()).await).await);
}

#[tokio::test]
async fn sighup_reloads_a_change_the_file_watch_cannot_see() {
    let orgs = TwoOrgs::start("reload-sighup", &[]).await;
    let before = std::fs::metadata(&orgs.file).unwrap();
    // Same length, same file, and its modification time put back: only SIGHUP tells.
    let text = std::fs::read_to_string(&orgs.file)
        .unwrap()
        .replace("acme-inbound-pw", "acme-inbound-PW");
    rewrite(&orgs.file, &text);
    std::fs::File::options()
        .write(true)
        .open(&orgs.file)
        .unwrap()
        .set_modified(before.modified().unwrap())
        .unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        orgs.as_acme(&valid_input()).await["joinCode"],
        "acme",
        "unseen by the watch, the old password still works"
    );

    let sent = std::process::Command::new("kill")
        .args(["-HUP", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    eventually("the new password is taken", || async {
        orgs.call(&valid_input(), |r| {
            r.basic_auth("acme-integration", Some("acme-inbound-PW"))
        })
        .await["joinCode"]
            == "acme"
    })
    .await;
}

#[tokio::test]
async fn a_call_in_flight_when_its_org_is_removed_finishes_as_it_began() {
    // A 10 s budget, and acme's Genesys takes 6 s to start a session: long enough for the
    // file watch (once a second) to see acme removed while the call waits.
    let orgs = TwoOrgs::start("reload-in-flight", &[("UPSTREAM_TIMEOUT_MS", "10000")]).await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/api/v2/conversations/[^/]+/cobrowse$"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "acme-session", "joinCode": "acme", "dateOfferEnds": "2099-01-01T00:00:00.000Z"}))
                .set_delay(Duration::from_secs(6)),
        )
        .with_priority(1)
        .mount(&orgs.acme)
        .await;
    let in_flight = {
        let (address, http) = (orgs.address.clone(), orgs.http.clone());
        tokio::spawn(async move {
            http.post(format!("{address}/v1/cobrowse/start"))
                .basic_auth("acme-integration", Some("acme-inbound-pw"))
                .json(&valid_input())
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        })
    };
    eventually("acme's Genesys is starting the session", || async {
        received(&orgs.acme).await.1 == 1
    })
    .await;

    // acme goes; globex's token is rotated, which tells when the new file is served.
    let text = orgs_toml(&orgs.acme.uri(), &orgs.globex.uri(), "", "");
    let globex = &text[text.find("[orgs.globex]").unwrap()..];
    rewrite(
        &orgs.file,
        &globex.replace("globex-inbound-token", "globex-next-token"),
    );
    eventually("the new file is served", || async {
        orgs.call(&valid_input(), |r| r.bearer_auth("globex-next-token"))
            .await["joinCode"]
            == "globex"
    })
    .await;
    assert!(
        unauthorized(orgs.as_acme(&valid_input()).await).await,
        "a new call with acme's credential is refused"
    );
    assert!(
        !in_flight.is_finished(),
        "the call was still in flight when acme was removed"
    );

    let reply = in_flight.await.unwrap();
    assert_eq!(reply["success"], true, "{reply}");
    assert_eq!(reply["joinCode"], "acme", "{reply}");
    assert_eq!(received(&orgs.acme).await, (1, 1), "one token, one start");
}

#[tokio::test]
async fn a_change_made_while_the_service_starts_is_seen() {
    let orgs = TwoOrgs::start("reload-start-up", &[]).await;
    // The file is read (the configuration), then changes before the service runs.
    let deployment = Deployment::from_vars([
        ("COBROWSE_LISTEN".to_owned(), "127.0.0.1:0".to_owned()),
        (
            "COBROWSE_ORGS_FILE".to_owned(),
            orgs.file.display().to_string(),
        ),
    ])
    .unwrap();
    let text = std::fs::read_to_string(&orgs.file).unwrap();
    rewrite(
        &orgs.file,
        &text.replace("globex-inbound-token", "globex-next-token"),
    );
    let application = Application::build(&deployment).unwrap();
    let started = TwoOrgs {
        address: format!("http://127.0.0.1:{}", application.port()),
        acme: wiremock::MockServer::start().await,
        globex: wiremock::MockServer::start().await,
        file: orgs.file.clone(),
        http: orgs.http.clone(),
    };
    tokio::spawn(application.run_until_stopped());
    eventually("the file as it is now is served", || async {
        started
            .call(&valid_input(), |r| r.bearer_auth("globex-next-token"))
            .await["joinCode"]
            == "globex"
    })
    .await;
}

#[tokio::test]
async fn an_org_whose_oauth_client_changes_starts_afresh_with_the_new_secret() {
    let orgs = TwoOrgs::start("reload-new-secret", &[]).await;
    // globex's Genesys refuses the agent payload: its client learns to send no body.
    Mock::given(method("POST"))
        .and(path_regex(r"/cobrowse$"))
        .and(|r: &wiremock::Request| !r.body.is_empty())
        .respond_with(ResponseTemplate::new(400))
        .with_priority(1)
        .mount(&orgs.globex)
        .await;
    assert_eq!(orgs.as_globex(&valid_input()).await["success"], true);
    assert_eq!(received(&orgs.globex).await.0, 1);
    let metrics = orgs.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains(r#"cobrowse_proxy_request_body{org="globex",mode="empty"} 1"#),
        "{metrics}"
    );

    // A new client secret for globex (the old one revoked, say).
    let text = std::fs::read_to_string(&orgs.file)
        .unwrap()
        .replace("globex-client-secret", "globex-client-secret-2");
    rewrite(&orgs.file, &text);
    // A new client: it has learned nothing yet, and holds a token got with the new secret.
    eventually("globex's new client is ready", || async {
        let ready: Value = orgs.get("/readyz").await.json().await.unwrap();
        ready["orgs"]["globex"]["requestBody"] == "agent-payload"
    })
    .await;
    let tokens: Vec<String> = orgs
        .globex
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/oauth/token")
        .map(|r| {
            let basic = r.headers.get("authorization").unwrap().to_str().unwrap();
            let decoded = base64_decode(basic.trim_start_matches("Basic "));
            decoded.split_once(':').unwrap().1.to_owned()
        })
        .collect();
    assert_eq!(tokens, ["globex-client-secret", "globex-client-secret-2"]);
    // What the old client learned went with it: one mode in use, the new client's.
    let metrics = orgs.get("/metrics").await.text().await.unwrap();
    let modes: Vec<&str> = metrics
        .lines()
        .filter(|l| l.starts_with(r#"cobrowse_proxy_request_body{org="globex""#))
        .filter(|l| l.ends_with(" 1"))
        .collect();
    assert_eq!(
        modes,
        [r#"cobrowse_proxy_request_body{org="globex",mode="agent-payload"} 1"#],
        "{metrics}"
    );
    assert_eq!(orgs.as_globex(&valid_input()).await["success"], true);
}

fn base64_decode(text: &str) -> String {
    use base64::Engine;
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .unwrap(),
    )
    .unwrap()
}
