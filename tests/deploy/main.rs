//! The admin kit in `deploy/`: every file parses, and each agrees with the service and with
//! `export-action`, so none of them can drift from the contract in `schemas/`.

#[path = "../common/mod.rs"]
mod common;

mod action_file;
mod archy;
mod aws;
mod dockerfile;
mod kubernetes;
mod kustomize;
mod monitoring;
mod network;
mod orgs_overlay;
mod redis;
mod schemas;
mod terraform;
mod walk;

use std::path::{Path, PathBuf};

use cobrowse_proxy::config::Deployment;
use cobrowse_proxy::export::{ActionOptions, export_action};
use serde_json::Value;

/// The URL `deploy/genesys/start-cobrowse.action.json` is exported for.
pub const PLACEHOLDER_URL: &str = "https://cobrowse-proxy.example.com";

pub fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

pub fn read(relative: &str) -> String {
    std::fs::read_to_string(repo_path(relative))
        .unwrap_or_else(|err| panic!("{relative} cannot be read: {err}"))
}

/// The files in `dir` whose names end in `suffix`, sorted.
pub fn files_in(dir: &str, suffix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo_path(dir))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.to_string_lossy().ends_with(suffix))
        .collect();
    files.sort();
    files
}

/// What `export-action --url PLACEHOLDER_URL` prints, with every flag at its default.
pub fn exported_action() -> Value {
    export_action(&ActionOptions::for_url(PLACEHOLDER_URL)).unwrap()
}

/// The service's settings when only the required variables are set: its defaults.
pub fn default_settings() -> Deployment {
    common::settings(common::placeholder_vars()).expect("the required variables are enough")
}

/// The configuration table (docs/configuration.md): every `COBROWSE_*` name the service knows.
pub fn documented_settings() -> Vec<String> {
    read("docs/configuration.md")
        .lines()
        .filter_map(|line| line.strip_prefix("| `COBROWSE_"))
        .filter_map(|rest| rest.split_once("` |"))
        .map(|(name, _)| format!("COBROWSE_{name}"))
        .collect()
}
