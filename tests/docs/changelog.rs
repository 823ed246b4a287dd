//! CHANGELOG.md is kept by release: its newest release is the version this builds, each
//! section says whether `schemas/` changed and each release how to roll back, and a change
//! to `schemas/` (the data action's contract: the action must then be imported again and
//! the flows republished) fails here until the changelog says so.

use std::path::Path;

use super::{ROOT, page};

/// One `## [...]` section of CHANGELOG.md.
struct Section {
    /// `Unreleased`, or a release's version.
    name: String,
    /// A release's date, `YYYY-MM-DD`.
    date: Option<String>,
    /// What follows `- schemas/ changed: `.
    schemas_changed: Option<String>,
    /// The digest in `- schemas/ sha256: `...``.
    digest: Option<String>,
    rollback: bool,
}

fn sections() -> Vec<Section> {
    let text = page("CHANGELOG.md");
    let mut sections: Vec<Section> = Vec::new();
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("## [") {
            let (name, rest) = heading.split_once(']').expect("## [name]");
            sections.push(Section {
                name: name.to_owned(),
                date: rest.strip_prefix(" - ").map(str::to_owned),
                schemas_changed: None,
                digest: None,
                rollback: false,
            });
            continue;
        }
        let Some(section) = sections.last_mut() else {
            continue;
        };
        if let Some(said) = line.strip_prefix("- schemas/ changed: ") {
            section.schemas_changed = Some(said.to_owned());
        } else if let Some(digest) = line.strip_prefix("- schemas/ sha256: ") {
            section.digest = Some(digest.trim_matches('`').to_owned());
        } else if line.starts_with("- Rollback: ") {
            section.rollback = true;
        }
    }
    sections
}

/// What `sha256sum schemas/* | sha256sum` prints from the repository's root (its first
/// word): each file's digest and path on a line, by name, and the digest of those lines.
fn schemas_digest() -> String {
    let dir = Path::new(ROOT).join("schemas");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| !name.starts_with('.'))
        .collect();
    names.sort();
    let listing: String = names
        .iter()
        .map(|name| {
            let bytes = std::fs::read(dir.join(name)).unwrap();
            format!("{}  schemas/{name}\n", sha256(&bytes))
        })
        .collect();
    sha256(listing.as_bytes())
}

/// SHA-256, in hex, from the crypto the service already links rather than one more crate.
fn sha256(bytes: &[u8]) -> String {
    let suite = rustls::crypto::ring::cipher_suite::TLS13_AES_128_GCM_SHA256;
    let hash = suite.tls13().unwrap().common.hash_provider.hash(bytes);
    hash.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

fn version(name: &str) -> Vec<u64> {
    name.split('.')
        .map(|n| {
            n.parse()
                .unwrap_or_else(|_| panic!("{name:?} is no version"))
        })
        .collect()
}

#[test]
fn the_newest_release_is_the_version_built_and_releases_go_newest_first() {
    let sections = sections();
    assert_eq!(sections[0].name, "Unreleased", "the first section");
    let releases = &sections[1..];
    assert!(!releases.is_empty(), "no release in CHANGELOG.md");
    assert_eq!(
        releases[0].name,
        env!("CARGO_PKG_VERSION"),
        "CHANGELOG.md's newest release is not Cargo.toml's version: release both together"
    );
    for release in releases {
        let date = release.date.as_deref().unwrap_or_default();
        assert!(
            date.len() == 10 && date.as_bytes()[4] == b'-' && date.as_bytes()[7] == b'-',
            "## [{}] has no date (`## [{0}] - YYYY-MM-DD`)",
            release.name
        );
    }
    for pair in releases.windows(2) {
        assert!(
            version(&pair[0].name) > version(&pair[1].name),
            "{} before {}: newest first",
            pair[0].name,
            pair[1].name
        );
    }
}

#[test]
fn every_section_says_whether_schemas_changed_and_every_release_how_to_roll_back() {
    let sections = sections();
    for section in &sections {
        let name = &section.name;
        let said = section
            .schemas_changed
            .as_deref()
            .unwrap_or_else(|| panic!("## [{name}] has no `- schemas/ changed: yes` or `no` line"));
        assert!(
            said == "no" || said.starts_with("yes — "),
            "## [{name}]: `schemas/ changed: {said}`: say `no`, or `yes — ` and what to do"
        );
        assert!(
            section.digest.as_ref().is_some_and(|d| d.len() == 64),
            "## [{name}] has no `- schemas/ sha256: `...`` line"
        );
        assert!(
            name == "Unreleased" || section.rollback,
            "## [{name}] has no `- Rollback: ` line"
        );
    }
    // Against the release before, the digests say whether it changed.
    for pair in sections.windows(2) {
        let (newer, older) = (&pair[0], &pair[1]);
        let changed = newer.digest != older.digest;
        let said = newer.schemas_changed.as_deref().unwrap();
        assert_eq!(
            said.starts_with("yes"),
            changed,
            "## [{}] says `schemas/ changed: {said}`, but its digest is {} that of {}",
            newer.name,
            if changed { "not" } else { "still" },
            older.name
        );
        if changed {
            assert!(
                said.contains("re-import the action and republish flows"),
                "## [{}]: say what to do: `yes — re-import the action and republish flows`",
                newer.name
            );
        }
    }
}

#[test]
fn a_change_to_schemas_is_in_the_changelog() {
    let sections = sections();
    let newest = &sections[0];
    let now = schemas_digest();
    assert!(
        newest.digest.as_deref() == Some(now.as_str()),
        "schemas/ changed since CHANGELOG.md's [{}] (sha256 {}, now {now}). A new contract \
         means every org must re-import the action and republish its flows, so say so: under \
         ## [Unreleased], `- schemas/ changed: yes — re-import the action and republish \
         flows`, `- schemas/ sha256: `{now}`` (sha256sum schemas/* | sha256sum), and what \
         changed",
        newest.name,
        newest.digest.as_deref().unwrap_or("none")
    );
}
