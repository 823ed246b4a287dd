//! The Redis settings beside `COBROWSE_REDIS_URL`: a cluster's seeds, a private CA, the one
//! org's key namespace, each refused by name when it cannot work, never showing a password.

use std::path::PathBuf;

use super::*;

const PASSWORD: &str = "r3dis-pw";

fn with(extra: &[(&str, &str)]) -> Result<Deployment, String> {
    let mut vars = vec![
        ("GENESYS_REGION", "eu-west-1"),
        ("GENESYS_CLIENT_ID", "client"),
        ("GENESYS_CLIENT_SECRET", "s3cret"),
        ("AUTH_USERNAME", "genesys"),
        ("AUTH_PASSWORD", "hunter2"),
    ];
    vars.extend(extra);
    Deployment::from_vars(
        vars.iter()
            .map(|(n, v)| (format!("{PREFIX}{n}"), (*v).to_owned())),
    )
    .map_err(|e| {
        let e = e.to_string();
        assert!(!e.contains(PASSWORD), "{e}");
        e
    })
}

/// `text` in a file of this test's own.
fn file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cobrowse-redis-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_cluster_takes_one_or_more_seeds_on_database_0() {
    let seeds = "redis://:r3dis-pw@10.0.0.1:6379,redis://:r3dis-pw@10.0.0.2:6379";
    let s = with(&[("REDIS_URL", seeds), ("REDIS_CLUSTER", "true")]).unwrap();
    let redis = s.shared.redis.as_ref().unwrap();
    assert!(redis.cluster);
    assert!(!format!("{s:?}").contains(PASSWORD));
    let one = with(&[
        ("REDIS_URL", "rediss://cfg.example:6379"),
        ("REDIS_CLUSTER", "true"),
    ]);
    assert!(one.unwrap().shared.redis.unwrap().cluster);

    // One Redis's password may hold a comma.
    let comma = "redis://:r3dis,pw@10.0.0.1:6379";
    assert!(
        !with(&[("REDIS_URL", comma)])
            .unwrap()
            .shared
            .redis
            .unwrap()
            .cluster
    );
    let err = with(&[("REDIS_URL", seeds)]).unwrap_err();
    assert!(
        err.contains("COBROWSE_REDIS_URL holds several URLs")
            && err.contains("COBROWSE_REDIS_CLUSTER=true"),
        "{err}"
    );
    let err = with(&[
        ("REDIS_URL", "redis://:r3dis-pw@10.0.0.1:6379/2"),
        ("REDIS_CLUSTER", "true"),
    ])
    .unwrap_err();
    assert!(err.contains("database other than 0"), "{err}");
    let err = with(&[("REDIS_CLUSTER", "true")]).unwrap_err();
    assert!(
        err.contains("COBROWSE_REDIS_CLUSTER is set but COBROWSE_REDIS_URL is not"),
        "{err}"
    );
    let err = with(&[("REDIS_URL", seeds), ("REDIS_CLUSTER", "yes")]).unwrap_err();
    assert!(err.contains("COBROWSE_REDIS_CLUSTER"), "{err}");
}

#[test]
fn a_ca_file_is_read_at_start_up_and_needs_tls() {
    let ca = rcgen::generate_simple_self_signed(vec!["redis.internal".into()]).unwrap();
    let pem = file("ca.pem", &ca.cert.pem());
    let pem = pem.to_str().unwrap();
    let url = "rediss://cobrowse:r3dis-pw@redis.internal:6380";
    let s = with(&[("REDIS_URL", url), ("REDIS_CA_FILE", pem)]).unwrap();
    assert!(s.shared.redis.unwrap().ca.is_some());

    let empty = file("empty.pem", "not a certificate\n");
    let refusals = [
        (
            "/nonexistent/ca.pem",
            url,
            "COBROWSE_REDIS_CA_FILE=\"/nonexistent/ca.pem\" cannot be read",
        ),
        (empty.to_str().unwrap(), url, "holds no certificate"),
        (
            pem,
            "redis://:r3dis-pw@redis.internal:6379",
            "COBROWSE_REDIS_URL is redis://, which is not TLS: use rediss://",
        ),
    ];
    for (ca_file, url, why) in refusals {
        let err = with(&[("REDIS_URL", url), ("REDIS_CA_FILE", ca_file)]).unwrap_err();
        assert!(err.contains(why), "{ca_file}: {err}");
    }
    let err = with(&[("REDIS_CA_FILE", pem)]).unwrap_err();
    assert!(
        err.contains("COBROWSE_REDIS_CA_FILE is set but COBROWSE_REDIS_URL is not"),
        "{err}"
    );
}

#[test]
fn the_one_org_may_name_its_keys_as_an_org_of_an_orgs_file() {
    let url = ("REDIS_URL", "redis://:r3dis-pw@redis:6379");
    let s = with(&[url, ("REDIS_NAMESPACE", "acme")]).unwrap();
    assert_eq!(s.shared.redis.unwrap().namespace.as_deref(), Some("acme"));

    let err = with(&[url, ("REDIS_NAMESPACE", "acme corp")]).unwrap_err();
    assert!(
        err.contains("COBROWSE_REDIS_NAMESPACE must be 1 to 64 letters"),
        "{err}"
    );
    let orgs = file(
        "orgs.toml",
        "[orgs.acme]\nregion = \"eu-west-1\"\nclient_id = \"c\"\nclient_secret = \"s\"\nauth_bearer_token = \"t\"\n",
    );
    let err = Deployment::from_vars(
        [
            ("ORGS_FILE", orgs.to_str().unwrap()),
            url,
            ("REDIS_NAMESPACE", "acme"),
        ]
        .iter()
        .map(|(n, v)| (format!("{PREFIX}{n}"), (*v).to_owned())),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("COBROWSE_REDIS_NAMESPACE names the Redis keys of the environment's one org"),
        "{err}"
    );
}
