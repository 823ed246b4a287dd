//! `cobrowse-proxy healthcheck`, the container's HEALTHCHECK, against the running service.

use std::process::{Command, Output};

use crate::common::Unreachable;
use crate::helpers::*;

async fn healthcheck(listen: String) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_cobrowse-proxy"))
            .env_clear()
            .env("COBROWSE_LISTEN", listen)
            .arg("healthcheck")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn the_healthcheck_passes_while_the_service_serves() {
    let app = spawn_app().await;
    let port = app.address.rsplit(':').next().unwrap();
    // As in the container: the service listens on every address, the check asks loopback.
    let output = healthcheck(format!("0.0.0.0:{port}")).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn the_healthcheck_fails_and_says_why_when_nothing_serves() {
    let nothing = Unreachable::reserve();
    let output = healthcheck(nothing.address()).await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(&format!("{}/healthz", nothing.address())),
        "{stderr}"
    );
}
