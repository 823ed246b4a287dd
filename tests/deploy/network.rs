//! What reaches the pods and what they reach: the Ingress routes every path doctor fetches
//! from outside and the start path (doctor is run to learn which paths those are), and
//! nothing else the service serves; the NetworkPolicies, read with Kubernetes's rules, let
//! through the ingress controller, Prometheus, DNS, Genesys and the Redis, and nothing more.

use std::net::Ipv4Addr;
use std::process::Command;

use cobrowse_proxy::routes::START_PATH;
use serde_json::Value;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::kubernetes::{REDIS, SERVICE, base, container, pod_labels, resolve_port, selects};
use crate::kustomize::{documents, object};
use crate::{default_settings, repo_path};

/// The namespace of the ingress controller of each class the docs name, and Prometheus's.
const INGRESS_NAMESPACE: (&str, &str) = ("nginx", "ingress-nginx");
const MONITORING_NAMESPACE: &str = "monitoring";
/// A Genesys Cloud API address (api.mypurecloud.ie resolves to AWS's public ranges).
const GENESYS: Ipv4Addr = Ipv4Addr::new(52, 208, 10, 20);

/// The paths `doctor --url <url>` fetches under the URL: a stand-in service records them.
async fn paths_doctor_fetches() -> Vec<String> {
    let service = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"status":"ok"}"#))
        .mount(&service)
        .await;
    let output = Command::new(env!("CARGO_BIN_EXE_cobrowse-proxy"))
        .env_clear()
        .args(["doctor", "--url", &service.uri(), "--allow-http"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("ok   service-url"), "{stdout}");
    let mut paths: Vec<String> = service
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|request| request.url.path().to_owned())
        .collect();
    paths.dedup();
    assert!(!paths.is_empty(), "doctor fetched nothing");
    paths
}

/// The Service port (number) an Ingress path sends `path` on `host` to, if any.
fn routed(ingress: &Value, host: &str, path: &str) -> Option<(String, Value)> {
    for rule in ingress["spec"]["rules"].as_array().unwrap() {
        if rule["host"] != host {
            continue;
        }
        for entry in rule["http"]["paths"].as_array().unwrap() {
            let prefix = entry["path"].as_str().unwrap();
            let matches = match entry["pathType"].as_str().unwrap() {
                "Exact" => path == prefix,
                // Element-wise, as Kubernetes defines Prefix.
                "Prefix" => {
                    let prefix = prefix.trim_end_matches('/');
                    path == prefix || path.starts_with(&format!("{prefix}/")) || prefix.is_empty()
                }
                other => panic!("pathType {other}: its matching is up to the controller"),
            };
            if matches {
                let backend = &entry["backend"]["service"];
                return Some((
                    backend["name"].as_str().unwrap().to_owned(),
                    backend["port"].clone(),
                ));
            }
        }
    }
    None
}

#[tokio::test]
async fn the_ingress_routes_the_start_and_every_path_doctor_fetches_and_not_metrics() {
    let objects = base();
    let ingress = object(&objects, "Ingress", SERVICE);
    assert_eq!(ingress["spec"]["ingressClassName"], INGRESS_NAMESPACE.0);
    let host = ingress["spec"]["rules"][0]["host"].as_str().unwrap();
    // TLS for the host: Genesys calls https only, and doctor's check asks https too.
    let tls = &ingress["spec"]["tls"][0];
    assert!(tls["hosts"].as_array().unwrap().iter().any(|h| h == host));
    assert!(tls["secretName"].is_string());

    let service = object(&objects, "Service", SERVICE);
    let served = container(object(&objects, "Deployment", SERVICE));
    let listen = u64::from(default_settings().shared.listen.port());
    let mut needed = paths_doctor_fetches().await;
    needed.push(START_PATH.to_owned());
    for path in &needed {
        let (name, port) = routed(ingress, host, path)
            .unwrap_or_else(|| panic!("the Ingress does not route {path}"));
        assert_eq!(name, SERVICE, "{path} goes to another Service");
        let service_port = service["spec"]["ports"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == port["name"] || p["port"] == port["number"])
            .unwrap_or_else(|| panic!("{path}: the Service has no port {port}"));
        assert_eq!(
            resolve_port(&service_port["targetPort"], served),
            listen,
            "{path}: not the service's port"
        );
    }
    for path in ["/metrics", "/readyz", "/", "/v1/cobrowse/start/x"] {
        assert!(
            routed(ingress, host, path).is_none(),
            "the Ingress routes {path} to the internet"
        );
    }
}

/// A pod or an address, as a NetworkPolicy peer sees it.
struct Peer<'a> {
    namespace: &'a str,
    labels: Value,
    ip: Option<Ipv4Addr>,
}

const OWN: &str = "cobrowse";

fn pod<'a>(namespace: &'a str, labels: Value) -> Peer<'a> {
    Peer {
        namespace,
        labels,
        ip: None,
    }
}

fn address(ip: Ipv4Addr) -> Peer<'static> {
    Peer {
        namespace: "",
        labels: Value::Null,
        ip: Some(ip),
    }
}

fn peer_matches(peer: &Value, who: &Peer) -> bool {
    for selector in ["namespaceSelector", "podSelector"] {
        if let Some(selector) = peer.get(selector) {
            assert!(
                selector.get("matchExpressions").is_none(),
                "this test reads matchLabels only"
            );
        }
    }
    if let Some(block) = peer.get("ipBlock") {
        let Some(ip) = who.ip else { return false };
        let inside = |cidr: &Value| {
            let (net, bits) = cidr.as_str().unwrap().split_once('/').unwrap();
            let net: Ipv4Addr = net.parse().unwrap();
            let mask = u32::MAX
                .checked_shl(32 - bits.parse::<u32>().unwrap())
                .unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        };
        return inside(&block["cidr"])
            && !block["except"].as_array().into_iter().flatten().any(inside);
    }
    if who.ip.is_some() {
        return false;
    }
    let namespace_ok = match peer.get("namespaceSelector") {
        Some(selector) => {
            let labels = serde_json::json!({"kubernetes.io/metadata.name": who.namespace});
            selector["matchLabels"]
                .as_object()
                .is_none_or(|m| m.is_empty() || selects(&selector["matchLabels"], &labels))
        }
        // A podSelector alone: the policy's own namespace.
        None => who.namespace == OWN,
    };
    let pod_ok = match peer.get("podSelector") {
        Some(selector) => selector["matchLabels"]
            .as_object()
            .is_none_or(|m| m.is_empty() || selects(&selector["matchLabels"], &who.labels)),
        None => true,
    };
    namespace_ok && pod_ok
}

/// Whether the policies let `who` reach `target` (a pod of the namespace, by its
/// Deployment) on `port` (a container port number) and `protocol`, in `direction`
/// ("ingress": `who` connects to the pod; "egress": the pod connects to `who`, whose
/// ports `named` resolves).
fn allowed(
    policies: &[&Value],
    pod_labels: &Value,
    direction: &str,
    who: &Peer,
    port: u64,
    protocol: &str,
    named: &dyn Fn(&str) -> Option<u64>,
) -> bool {
    let policy_type = if direction == "ingress" {
        "Ingress"
    } else {
        "Egress"
    };
    let applying: Vec<&&Value> = policies
        .iter()
        .filter(|p| selects_or_all(&p["spec"]["podSelector"]["matchLabels"], pod_labels))
        .filter(|p| {
            p["spec"]["policyTypes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t == policy_type)
        })
        .collect();
    if applying.is_empty() {
        return true;
    }
    let peers_key = if direction == "ingress" { "from" } else { "to" };
    applying.iter().any(|policy| {
        policy["spec"][direction]
            .as_array()
            .into_iter()
            .flatten()
            .any(|rule| {
                let peer_ok = rule[peers_key]
                    .as_array()
                    .is_none_or(|peers| peers.iter().any(|p| peer_matches(p, who)));
                let port_ok = rule["ports"].as_array().is_none_or(|ports| {
                    ports.iter().any(|p| {
                        let number = match &p["port"] {
                            Value::Number(n) => n.as_u64(),
                            Value::String(name) => named(name),
                            _ => None,
                        };
                        p.get("protocol").and_then(Value::as_str).unwrap_or("TCP") == protocol
                            && number == Some(port)
                    })
                });
                peer_ok && port_ok
            })
    })
}

fn selects_or_all(selector: &Value, labels: &Value) -> bool {
    selector.as_object().is_none_or(|m| m.is_empty()) || selects(selector, labels)
}

/// A named port of `deployment`'s container.
fn named_port(deployment: &Value) -> impl Fn(&str) -> Option<u64> + '_ {
    move |name| {
        container(deployment)["ports"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .and_then(|p| p["containerPort"].as_u64())
    }
}

#[test]
fn the_policies_let_in_the_ingress_controller_and_prometheus_and_no_one_else() {
    let objects = base();
    let policies: Vec<&Value> = objects
        .iter()
        .filter(|o| o["kind"] == "NetworkPolicy")
        .collect();
    assert!(!policies.is_empty());
    let deployment = object(&objects, "Deployment", SERVICE);
    let labels = pod_labels(deployment);
    let port = u64::from(default_settings().shared.listen.port());
    let named = named_port(deployment);
    let some_pod = serde_json::json!({"app": "anything"});
    let from = |namespace: &str| {
        allowed(
            &policies,
            labels,
            "ingress",
            &pod(namespace, some_pod.clone()),
            port,
            "TCP",
            &named,
        )
    };
    assert!(
        from(INGRESS_NAMESPACE.1),
        "the ingress controller is kept out"
    );
    // Prometheus scrapes the port of the ServiceMonitor's endpoint, behind the Service.
    let monitor = &documents(&repo_path(
        "deploy/kubernetes/monitoring/servicemonitor.yaml",
    ))[0];
    let service = object(&objects, "Service", SERVICE);
    let scraped = service["spec"]["ports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == monitor["spec"]["endpoints"][0]["port"])
        .unwrap();
    assert_eq!(
        resolve_port(&scraped["targetPort"], container(deployment)),
        port
    );
    assert!(from(MONITORING_NAMESPACE), "Prometheus is kept out");
    assert!(!from("default"), "any namespace may call the service");
    assert!(!from(OWN), "any pod of the namespace may call the service");

    // The Redis answers the service's pods, on the port of its Service, and no one else.
    let redis = object(&objects, "Deployment", REDIS);
    let redis_service = object(&objects, "Service", REDIS);
    let redis_port = resolve_port(
        &redis_service["spec"]["ports"][0]["targetPort"],
        container(redis),
    );
    let redis_named = named_port(redis);
    let into_redis = |who: &Peer| {
        allowed(
            &policies,
            pod_labels(redis),
            "ingress",
            who,
            redis_port,
            "TCP",
            &redis_named,
        )
    };
    assert!(
        into_redis(&pod(OWN, labels.clone())),
        "the service cannot reach its Redis"
    );
    assert!(!into_redis(&pod(OWN, some_pod.clone())));
    assert!(!into_redis(&pod(INGRESS_NAMESPACE.1, some_pod.clone())));
}

#[test]
fn the_policies_let_the_service_call_dns_genesys_and_its_redis_and_nothing_else() {
    let objects = base();
    let policies: Vec<&Value> = objects
        .iter()
        .filter(|o| o["kind"] == "NetworkPolicy")
        .collect();
    let deployment = object(&objects, "Deployment", SERVICE);
    let labels = pod_labels(deployment);
    let redis = object(&objects, "Deployment", REDIS);
    let redis_named = named_port(redis);
    let nothing_named = |_: &str| None;
    let to = |who: &Peer, port: u64, protocol: &str, named: &dyn Fn(&str) -> Option<u64>| {
        allowed(&policies, labels, "egress", who, port, protocol, named)
    };
    let dns = pod("kube-system", serde_json::json!({"k8s-app": "kube-dns"}));
    assert!(to(&dns, 53, "UDP", &nothing_named), "no DNS");
    assert!(to(&dns, 53, "TCP", &nothing_named), "no DNS over TCP");
    assert!(
        to(&address(GENESYS), 443, "TCP", &nothing_named),
        "Genesys is out of reach"
    );
    // The port the service dials is the one its URL names: the Redis Service's port, which
    // is the container's.
    let redis_service = object(&objects, "Service", REDIS);
    let redis_port = resolve_port(
        &redis_service["spec"]["ports"][0]["targetPort"],
        container(redis),
    );
    assert!(
        to(
            &pod(OWN, pod_labels(redis).clone()),
            redis_port,
            "TCP",
            &redis_named
        ),
        "the Redis is out of reach"
    );
    assert!(
        !to(&address(GENESYS), 80, "TCP", &nothing_named),
        "plain HTTP goes out"
    );
    for private in [
        Ipv4Addr::new(10, 0, 0, 5),
        Ipv4Addr::new(172, 16, 0, 5),
        Ipv4Addr::new(192, 168, 0, 5),
        Ipv4Addr::new(169, 254, 169, 254),
    ] {
        assert!(
            !to(&address(private), 443, "TCP", &nothing_named),
            "{private}:443 is within reach"
        );
    }
    assert!(!to(
        &pod(OWN, serde_json::json!({"app": "db"})),
        5432,
        "TCP",
        &nothing_named
    ));

    // The Redis calls nothing.
    let redis_policies_out = allowed(
        &policies,
        pod_labels(redis),
        "egress",
        &address(GENESYS),
        443,
        "TCP",
        &nothing_named,
    );
    assert!(!redis_policies_out, "the Redis may call out");
}
