//! The configuration rules, read through `Deployment::from_vars` as the service reads them.

use super::*;
use std::num::NonZeroU32;
use std::time::Duration;

use crate::outcome::ErrorMode;
use crate::telemetry::LogFormat;

use crate::domain::CobrowseType;
use crate::genesys::RequestBody;
use crate::inbound_auth::InboundAuth;
use secrecy::ExposeSecret;

fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (format!("{PREFIX}{k}"), (*v).to_owned()))
        .collect()
}

fn minimal() -> Vec<(&'static str, &'static str)> {
    vec![
        ("GENESYS_REGION", "eu-west-1"),
        ("GENESYS_CLIENT_ID", "client"),
        ("GENESYS_CLIENT_SECRET", "s3cret"),
        ("AUTH_USERNAME", "genesys"),
        ("AUTH_PASSWORD", "hunter2"),
    ]
}

#[test]
fn defaults_fill_everything_else() {
    let s = Deployment::from_vars(vars(&minimal())).unwrap();
    assert_eq!(s.shared.listen, "0.0.0.0:8080".parse().unwrap());
    assert_eq!(s.orgs[0].genesys.api_url, "https://api.mypurecloud.ie");
    assert_eq!(s.orgs[0].genesys.login_url, "https://login.mypurecloud.ie");
    assert_eq!(s.orgs[0].genesys.upstream_timeout, Duration::from_secs(10));
    assert_eq!(s.orgs[0].default_cobrowse_type, CobrowseType::View);
    assert_eq!(s.orgs[0].genesys.request_body, RequestBody::Auto);
    assert!(!s.orgs[0].genesys.verify_agent);
    assert_eq!(s.shared.error_mode, ErrorMode::Inline);
    assert_eq!(s.shared.log_format, LogFormat::Json);
    assert_eq!(s.orgs[0].genesys.client_secret.expose_secret(), "s3cret");
}

#[test]
fn every_problem_is_named_at_once() {
    let err = Deployment::from_vars(vars(&[
        ("GENESYS_REGION", "mars-1"),
        ("UPSTREAM_TIMEOUT_MS", "ten"),
        ("ERROR_MODE", "loud"),
        ("LISTEN_PORT", "80"),
    ]))
    .unwrap_err();
    let text = err.to_string();
    for name in [
        "GENESYS_REGION",
        "GENESYS_CLIENT_ID",
        "GENESYS_CLIENT_SECRET",
        "AUTH_USERNAME",
        "UPSTREAM_TIMEOUT_MS",
        "ERROR_MODE",
        "COBROWSE_LISTEN_PORT",
    ] {
        assert!(text.contains(name), "{name} not in:\n{text}");
    }
}

#[test]
fn overrides_replace_the_region_and_lose_trailing_slashes() {
    let mut pairs = minimal();
    pairs.retain(|(k, _)| *k != "GENESYS_REGION");
    pairs.push(("GENESYS_API_URL", "http://127.0.0.1:9999/"));
    pairs.push(("GENESYS_LOGIN_URL", "http://127.0.0.1:9998"));
    let s = Deployment::from_vars(vars(&pairs)).unwrap();
    assert_eq!(s.orgs[0].genesys.api_url, "http://127.0.0.1:9999");
    assert_eq!(s.orgs[0].genesys.login_url, "http://127.0.0.1:9998");
}

#[test]
fn a_base_url_with_a_query_fragment_or_credentials_is_refused() {
    for url in [
        "https://api.example.com/?org=1",
        "https://api.example.com/#eu",
        "https://user:s3cret@api.example.com",
        "ftp://api.example.com",
    ] {
        let mut pairs = minimal();
        pairs.push(("GENESYS_API_URL", url));
        let err = Deployment::from_vars(vars(&pairs)).unwrap_err().to_string();
        assert!(
            err.contains("GENESYS_API_URL") && err.contains("no query, fragment or credentials"),
            "{url}: {err}"
        );
        assert!(
            !err.contains("s3cret"),
            "a password in the URL is repeated: {err}"
        );
    }
}

#[test]
fn inbound_auth_is_required_unless_disabled_explicitly() {
    let mut pairs = minimal();
    pairs.retain(|(k, _)| !k.starts_with("AUTH_"));
    let err = Deployment::from_vars(vars(&pairs)).unwrap_err();
    assert!(err.to_string().contains("AUTH_DISABLED=true"), "{err}");
    pairs.push(("AUTH_DISABLED", "true"));
    let s = Deployment::from_vars(vars(&pairs)).unwrap();
    assert!(matches!(s.orgs[0].inbound_auth, InboundAuth::Disabled));
}

#[test]
fn a_bearer_token_alone_is_enough_and_next_values_need_a_current_one() {
    let mut pairs = minimal();
    pairs.retain(|(k, _)| !k.starts_with("AUTH_"));
    pairs.push(("AUTH_BEARER_TOKEN", "t1"));
    pairs.push(("AUTH_BEARER_TOKEN_NEXT", "t2"));
    let s = Deployment::from_vars(vars(&pairs)).unwrap();
    match &s.orgs[0].inbound_auth {
        InboundAuth::Required {
            basic: None,
            bearer_tokens,
        } => assert_eq!(bearer_tokens.len(), 2),
        other => panic!("{other:?}"),
    }
    let mut pairs = minimal();
    pairs.push(("AUTH_BEARER_TOKEN_NEXT", "t2"));
    let err = Deployment::from_vars(vars(&pairs)).unwrap_err();
    assert!(
        err.to_string()
            .contains("AUTH_BEARER_TOKEN_NEXT is set without"),
        "{err}"
    );
}

#[test]
fn limits_have_sane_defaults_and_zero_turns_the_rate_limit_off() {
    let s = Deployment::from_vars(vars(&minimal())).unwrap();
    assert_eq!(s.shared.max_in_flight, 100);
    assert_eq!(s.orgs[0].genesys.requests_per_minute, NonZeroU32::new(300));
    assert_eq!(s.shared.client_timeout, Duration::from_secs(5));
    assert!(s.shared.tls.is_none());
    let mut pairs = minimal();
    pairs.push(("GENESYS_REQUESTS_PER_MINUTE", "0"));
    pairs.push(("MAX_IN_FLIGHT", "0"));
    let err = Deployment::from_vars(vars(&pairs)).unwrap_err().to_string();
    assert!(
        err.contains("MAX_IN_FLIGHT") && !err.contains("GENESYS_REQUESTS_PER_MINUTE"),
        "{err}"
    );
}

#[test]
fn the_old_per_second_limit_is_refused_naming_its_successor() {
    let mut pairs = minimal();
    pairs.push(("GENESYS_MAX_RPS", "5"));
    let err = Deployment::from_vars(vars(&pairs)).unwrap_err().to_string();
    assert!(
        err.contains("COBROWSE_GENESYS_MAX_RPS is no longer read")
            && err.contains("COBROWSE_GENESYS_REQUESTS_PER_MINUTE"),
        "{err}"
    );
}

#[test]
fn the_redis_url_is_checked_and_its_password_never_shown() {
    let mut pairs = minimal();
    pairs.push((
        "REDIS_URL",
        "rediss://cobrowse:r3dis-pw@redis.example:6380/2",
    ));
    let s = Deployment::from_vars(vars(&pairs)).unwrap();
    assert_eq!(s.shared.reuse_window, Duration::from_secs(30));
    assert!(s.shared.redis.is_some());
    assert!(!format!("{s:?}").contains("r3dis-pw"), "{s:?}");
    for wrong in [
        "http://:r3dis-pw@redis:6379",
        "redis//:r3dis-pw@redis",
        "r3dis-pw",
    ] {
        let mut pairs = minimal();
        pairs.push(("REDIS_URL", wrong));
        let err = Deployment::from_vars(vars(&pairs)).unwrap_err().to_string();
        assert!(
            err.contains("COBROWSE_REDIS_URL must be a redis://"),
            "{err}"
        );
        assert!(!err.contains("r3dis-pw"), "{err}");
    }
    let mut pairs = minimal();
    pairs.push(("REUSE_WINDOW_MS", "600001"));
    let err = Deployment::from_vars(vars(&pairs)).unwrap_err().to_string();
    assert!(err.contains("REUSE_WINDOW_MS"), "{err}");
}

#[test]
fn empty_values_count_as_unset() {
    let mut pairs = minimal();
    pairs.push(("ERROR_MODE", ""));
    pairs.push(("GENESYS_API_URL", " "));
    let s = Deployment::from_vars(vars(&pairs)).unwrap();
    assert_eq!(s.shared.error_mode, ErrorMode::Inline);
    assert_eq!(s.orgs[0].genesys.api_url, "https://api.mypurecloud.ie");
}

#[test]
fn only_our_variables_are_read_and_one_that_is_not_text_is_named_never_shown() {
    use std::os::unix::ffi::OsStringExt;
    let not_text = |bytes: &[u8]| OsString::from_vec(bytes.to_vec());
    let mut os_vars: Vec<(OsString, OsString)> = vars(&minimal())
        .into_iter()
        .map(|(name, value)| (name.into(), value.into()))
        .collect();
    os_vars.push(("OTHER_PROGRAM".into(), not_text(b"x\xffy")));
    assert!(Deployment::from_os_vars(os_vars.clone()).is_ok());

    os_vars.push((
        "COBROWSE_AUTH_PASSWORD_NEXT".into(),
        not_text(b"Readable\xffS3cret"),
    ));
    os_vars.push((not_text(b"COBROWSE_\xffTYPO"), "1".into()));
    let err = Deployment::from_os_vars(os_vars).unwrap_err().to_string();
    assert!(
        err.contains("COBROWSE_AUTH_PASSWORD_NEXT is not UTF-8 text")
            && err.contains("is not a setting of this service (its name is not UTF-8 text)"),
        "{err}"
    );
    assert!(
        !err.contains("Readable") && !err.contains("S3cret"),
        "{err}"
    );
}

#[test]
fn a_credential_with_whitespace_around_it_is_refused_by_name_never_shown() {
    for name in [
        "GENESYS_CLIENT_ID",
        "GENESYS_CLIENT_SECRET",
        "GENESYS_CLIENT_ID_NEXT",
        "GENESYS_CLIENT_SECRET_NEXT",
        "AUTH_USERNAME",
        "AUTH_PASSWORD",
        "AUTH_PASSWORD_NEXT",
        "AUTH_BEARER_TOKEN",
        "AUTH_BEARER_TOKEN_NEXT",
    ] {
        for padded in [
            "Pa55-VALUE\n",
            "Pa55-VALUE\r\n",
            "Pa55-VALUE  ",
            "\tPa55-VALUE",
        ] {
            let mut pairs = minimal();
            pairs.retain(|(k, _)| *k != name);
            pairs.push((name, padded));
            if name == "AUTH_BEARER_TOKEN_NEXT" {
                // Only with a current token (the current password is in `minimal`).
                pairs.push(("AUTH_BEARER_TOKEN", "current-token"));
            }
            // The second OAuth client's other half, so that only the padding is a problem.
            if name == "GENESYS_CLIENT_ID_NEXT" {
                pairs.push(("GENESYS_CLIENT_SECRET_NEXT", "next-secret"));
            }
            if name == "GENESYS_CLIENT_SECRET_NEXT" {
                pairs.push(("GENESYS_CLIENT_ID_NEXT", "next-client"));
            }
            let err = Deployment::from_vars(vars(&pairs)).unwrap_err();
            assert_eq!(err.problems.len(), 1, "{name} {padded:?}: {err}");
            let text = err.to_string();
            assert!(
                text.contains(&format!("{PREFIX}{name} has a trailing newline or spaces"))
                    && text.contains(&format!("--from-literal={PREFIX}{name}=...")),
                "{name} {padded:?}: {text}"
            );
            assert!(!text.contains("Pa55"), "{text}");
        }
    }
}

#[test]
fn a_blank_credential_still_counts_as_unset() {
    let mut pairs = minimal();
    pairs.push(("AUTH_PASSWORD_NEXT", " \n"));
    pairs.push(("AUTH_BEARER_TOKEN", "\n"));
    let s = Deployment::from_vars(vars(&pairs)).unwrap();
    match &s.orgs[0].inbound_auth {
        InboundAuth::Required {
            basic: Some(basic),
            bearer_tokens,
        } => {
            assert_eq!(basic.passwords.len(), 1);
            assert!(bearer_tokens.is_empty());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn debug_output_hides_secrets() {
    let mut pairs = minimal();
    pairs.push(("GENESYS_CLIENT_ID_NEXT", "next-client"));
    pairs.push(("GENESYS_CLIENT_SECRET_NEXT", "next-s3cret"));
    let s = Deployment::from_vars(vars(&pairs)).unwrap();
    let debug = format!("{s:?}");
    assert!(
        !debug.contains("s3cret") && !debug.contains("hunter2"),
        "{debug}"
    );
    assert!(
        debug.contains("next-client"),
        "the id is no secret: {debug}"
    );
}

#[test]
fn a_second_oauth_client_is_its_id_and_its_secret_together() {
    let mut pairs = minimal();
    pairs.push(("GENESYS_CLIENT_ID_NEXT", "next-client"));
    pairs.push(("GENESYS_CLIENT_SECRET_NEXT", "next-s3cret"));
    let s = Deployment::from_vars(vars(&pairs)).unwrap();
    let next = s.orgs[0]
        .genesys
        .client_next
        .as_ref()
        .expect("a second client");
    assert_eq!(next.id, "next-client");
    assert_eq!(next.secret.expose_secret(), "next-s3cret");
    let s = Deployment::from_vars(vars(&minimal())).unwrap();
    assert!(s.orgs[0].genesys.client_next.is_none(), "optional");

    for (given, missing) in [
        ("GENESYS_CLIENT_ID_NEXT", "GENESYS_CLIENT_SECRET_NEXT"),
        ("GENESYS_CLIENT_SECRET_NEXT", "GENESYS_CLIENT_ID_NEXT"),
    ] {
        let mut pairs = minimal();
        pairs.push((given, "next-s3cret"));
        let err = Deployment::from_vars(vars(&pairs)).unwrap_err();
        assert_eq!(
            err.problems,
            [format!(
                "{PREFIX}{missing} is missing: {PREFIX}{given} is set, and the second OAuth client needs both its id and its secret (it is asked for a token when Genesys refuses the first)"
            )]
        );
        assert!(!err.to_string().contains("s3cret"), "{err}");
    }
}

#[test]
fn error_messages_never_echo_secrets() {
    let mut pairs = minimal();
    pairs.retain(|(k, _)| *k != "AUTH_USERNAME");
    let err = Deployment::from_vars(vars(&pairs)).unwrap_err();
    assert!(!err.to_string().contains("hunter2"));
}

#[test]
fn with_nothing_set_the_region_leads_and_one_url_asks_for_the_other() {
    let err = Deployment::from_vars(Vec::new()).unwrap_err();
    assert!(
        err.problems[0].starts_with("COBROWSE_GENESYS_REGION is missing")
            && err.problems[0]
                .contains("or set both COBROWSE_GENESYS_API_URL and COBROWSE_GENESYS_LOGIN_URL"),
        "{err}"
    );
    assert!(
        !err.problems.iter().any(|p| p.contains("_URL is missing")),
        "{err}"
    );

    let mut pairs = minimal();
    pairs.retain(|(k, _)| *k != "GENESYS_REGION");
    pairs.push(("GENESYS_API_URL", "https://api.example.com"));
    let err = Deployment::from_vars(vars(&pairs)).unwrap_err();
    assert_eq!(
        err.problems,
        [
            "COBROWSE_GENESYS_LOGIN_URL is missing: COBROWSE_GENESYS_API_URL is set without COBROWSE_GENESYS_REGION, so both URLs are needed (or set COBROWSE_GENESYS_REGION instead)"
        ]
    );
}

#[test]
fn a_wrong_default_cobrowse_type_says_what_the_setting_takes() {
    let mut pairs = minimal();
    pairs.push(("DEFAULT_COBROWSE_TYPE", "edit"));
    let err = Deployment::from_vars(vars(&pairs)).unwrap_err();
    assert_eq!(
        err.problems,
        [
            "COBROWSE_DEFAULT_COBROWSE_TYPE=\"edit\" must be view or control: the cobrowseType of a start whose flow leaves it blank"
        ]
    );
}

#[test]
fn a_variable_that_is_not_text_is_one_problem_whatever_the_setting() {
    use std::os::unix::ffi::OsStringExt;
    // Every current value a `_NEXT` one needs is there, so that is not a second problem.
    let mut given = minimal();
    given.push(("AUTH_BEARER_TOKEN", "t0ken"));
    for name in &variable_names() {
        let mut os_vars: Vec<(OsString, OsString)> = vars(&given)
            .into_iter()
            .filter(|(n, _)| n != name)
            .map(|(n, v)| (n.into(), v.into()))
            .collect();
        os_vars.push((
            name.into(),
            OsString::from_vec(b"Readable\xffS3cret".to_vec()),
        ));
        let err = Deployment::from_os_vars(os_vars).unwrap_err();
        assert_eq!(
            err.problems,
            [format!(
                "{name} is not UTF-8 text (its value is not shown): set it again as plain text"
            )],
            "{name}"
        );
    }
}

#[test]
fn an_invalid_auth_disabled_is_its_only_credential_problem() {
    let mut pairs = minimal();
    pairs.retain(|(k, _)| !k.starts_with("AUTH_"));
    pairs.push(("AUTH_DISABLED", "yes"));
    let err = Deployment::from_vars(vars(&pairs)).unwrap_err();
    assert_eq!(
        err.problems,
        ["COBROWSE_AUTH_DISABLED=\"yes\" must be one of: true, false"]
    );
}

#[test]
fn a_requests_per_minute_is_a_whole_number_shown_as_written() {
    for value in ["-0", "0100001", "1.5"] {
        let mut pairs = minimal();
        pairs.push(("GENESYS_REQUESTS_PER_MINUTE", value));
        let err = Deployment::from_vars(vars(&pairs)).unwrap_err();
        assert_eq!(
            err.problems,
            [format!(
                "COBROWSE_GENESYS_REQUESTS_PER_MINUTE={value:?} must be a whole number of requests in any 60 s, from 0 to 100000 (0 turns the limit off)"
            )]
        );
    }
}

#[test]
fn the_org_s_problems_come_before_the_shared_settings_ones() {
    let err = Deployment::from_vars(vars(&[("LISTEN", "nowhere")])).unwrap_err();
    assert!(
        err.problems[0].starts_with("COBROWSE_GENESYS_REGION is missing"),
        "{err}"
    );
    assert!(
        err.problems
            .last()
            .unwrap()
            .starts_with("COBROWSE_LISTEN=\"nowhere\""),
        "{err}"
    );
}
