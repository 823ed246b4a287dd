//! The Redis the two replicas share reused sessions through (`redis.yaml`): its Service finds
//! its pod and no other, the URL the docs put in the Secret names that Service and port,
//! and the pod starts Redis with the password of that same URL (run here with Debian's
//! `redis-server`, and a client of the service's Redis library logging in with the URL).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::tool;
use crate::kubernetes::{REDIS, SERVICE, base, container, pod_labels, resolve_port, selects};
use crate::kustomize::{documents, object};
use crate::{read, repo_path};

/// The URL docs/registering.md puts in the Secret, with `password` for the generated one.
fn documented_url(password: &str) -> String {
    let doc = read("docs/registering.md");
    let (_, rest) = doc
        .split_once("--from-literal=COBROWSE_REDIS_URL=\"")
        .expect("registering.md puts COBROWSE_REDIS_URL in a Secret");
    let url = rest.split('"').next().unwrap();
    assert!(url.contains("$REDIS_PASSWORD"), "{url}");
    url.replace("$REDIS_PASSWORD", password)
}

#[test]
fn the_redis_service_finds_the_redis_pod_and_the_services_find_only_theirs() {
    let objects = base();
    let redis = object(&objects, "Deployment", REDIS);
    let served = object(&objects, "Deployment", SERVICE);
    assert!(selects(
        &redis["spec"]["selector"]["matchLabels"],
        pod_labels(redis)
    ));
    // One Redis: two would share nothing between them.
    assert_eq!(redis["spec"]["replicas"], 1);
    assert_eq!(redis["spec"]["strategy"]["type"], "Recreate");
    let redis_service = object(&objects, "Service", REDIS);
    assert!(selects(
        &redis_service["spec"]["selector"],
        pod_labels(redis)
    ));
    assert!(!selects(
        &redis_service["spec"]["selector"],
        pod_labels(served)
    ));
    let service = object(&objects, "Service", SERVICE);
    assert!(
        !selects(&service["spec"]["selector"], pod_labels(redis)),
        "the service's Service (and its ServiceMonitor, its budget) would take the Redis pod for one of its own"
    );
    let budget = object(&objects, "PodDisruptionBudget", SERVICE);
    assert!(!selects(
        &budget["spec"]["selector"]["matchLabels"],
        pod_labels(redis)
    ));
    let monitor = &documents(&repo_path(
        "deploy/kubernetes/monitoring/servicemonitor.yaml",
    ))[0];
    assert!(!selects(
        &monitor["spec"]["selector"]["matchLabels"],
        &redis_service["metadata"]["labels"]
    ));
}

#[test]
fn the_documented_url_names_the_redis_service_and_its_port() {
    let objects = base();
    let url = url::Url::parse(&documented_url("0123abcd")).unwrap();
    let redis_service = object(&objects, "Service", REDIS);
    assert_eq!(url.scheme(), "redis");
    assert_eq!(url.host_str(), redis_service["metadata"]["name"].as_str());
    let port = &redis_service["spec"]["ports"][0];
    assert_eq!(url.port().map(u64::from), port["port"].as_u64());
    let redis = object(&objects, "Deployment", REDIS);
    assert_eq!(
        resolve_port(&port["targetPort"], container(redis)),
        port["port"].as_u64().unwrap(),
        "the Redis Service's port is not the container's"
    );
    cobrowse_proxy::reuse::redis::check_urls(url.as_str(), false)
        .expect("the service takes the URL");
    // The example Secret says the same.
    let example = read("deploy/kubernetes/secret.example.yaml");
    assert!(example.contains(&documented_url("REPLACE-WITH-A-LONG-RANDOM-PASSWORD")));
}

/// The Redis container's command, run as its shell would run it, with `url` as
/// COBROWSE_REDIS_URL and `--port 6379` swapped for `port`.
fn redis_pod(url: &str, port: u16, dir: &std::path::Path) -> Command {
    let objects = base();
    let redis = container(object(&objects, "Deployment", REDIS));
    let command: Vec<&str> = redis["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(command, ["/bin/sh", "-c"]);
    let script = redis["args"][0].as_str().unwrap();
    assert!(script.contains("--port 6379"), "{script}");
    let from_secret = &redis["env"][0];
    assert_eq!(from_secret["name"], "COBROWSE_REDIS_URL");
    assert_eq!(
        from_secret["valueFrom"]["secretKeyRef"]["key"],
        "COBROWSE_REDIS_URL"
    );
    // The Secret the service reads the URL from, too.
    let served = container(object(&objects, "Deployment", SERVICE));
    assert!(
        served["envFrom"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["secretRef"]["name"] == from_secret["valueFrom"]["secretKeyRef"]["name"]),
        "the service does not read the Redis's Secret"
    );
    let mut sh = Command::new("/bin/sh");
    sh.arg("-c")
        .arg(script.replace("--port 6379", &format!("--port {port} --bind 127.0.0.1")))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("COBROWSE_REDIS_URL", url)
        .current_dir(dir);
    sh
}

#[test]
fn a_url_without_a_password_stops_the_redis_pod_saying_so() {
    let dir = std::env::temp_dir();
    let output = redis_pod("redis://cobrowse-proxy-redis:6379/0", 0, &dir)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("has no password"), "{stderr}");
}

#[tokio::test]
async fn the_redis_pod_starts_with_the_password_of_the_url_the_service_uses() {
    if !tool::available("redis-server", "apt-get install redis-server") {
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let password = "d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9";
    let url = documented_url(password);
    let dir = std::env::temp_dir().join(format!("cobrowse-redis-pod-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut redis = redis_pod(&url, port, &dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The service's URL, but for where this Redis listens.
    let local = url.replace("cobrowse-proxy-redis:6379", &format!("127.0.0.1:{port}"));
    let wrong = local.replace(password, "not-the-password");
    let until = Instant::now() + Duration::from_secs(10);
    let pong: Result<String, redis::RedisError> = loop {
        cobrowse_proxy::reuse::redis::check_urls(&local, false).unwrap();
        let client = redis::Client::open(local.as_str()).unwrap();
        match client.get_multiplexed_async_connection().await {
            Ok(mut connection) => break redis::cmd("PING").query_async(&mut connection).await,
            Err(_) if Instant::now() < until => tokio::time::sleep(Duration::from_millis(50)).await,
            Err(err) => break Err(err),
        }
    };
    let refused = match redis::Client::open(wrong.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
    {
        Ok(mut connection) => redis::cmd("PING")
            .query_async::<String>(&mut connection)
            .await
            .is_err(),
        Err(_) => true,
    };
    redis.kill().unwrap();
    redis.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(pong.expect("the service's URL logs in"), "PONG");
    assert!(refused, "the Redis takes any password");
}
