//! The README documents what the service does: every error code and every setting.

use cobrowse_proxy::outcome::ErrorCode;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

#[test]
fn every_error_code_is_documented_with_its_status() {
    let readme = readme();
    for code in ErrorCode::ALL {
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", code.as_str())))
            .unwrap_or_else(|| panic!("{} has no row in the README's error table", code.as_str()));
        assert!(
            row.contains(&code.status().as_u16().to_string()),
            "{row} does not give status {}",
            code.status()
        );
    }
}

#[test]
fn every_setting_is_documented() {
    // The settings are the fields of `RawEnv` in config.rs; reading the source keeps this
    // test from needing a second list that could drift too.
    let source =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/config.rs")).unwrap();
    let fields = source
        .split("struct RawEnv {")
        .nth(1)
        .and_then(|rest| rest.split("\n}").next())
        .unwrap();
    let readme = readme();
    let mut checked = 0;
    for line in fields.lines() {
        let line = line.trim();
        let Some((name, _)) = line.split_once(": Option<") else {
            continue;
        };
        let variable = format!("`COBROWSE_{}`", name.to_uppercase());
        assert!(
            readme.contains(&format!("| {variable} |")),
            "{variable} is not in the README"
        );
        checked += 1;
    }
    assert!(checked >= 14, "found only {checked} settings");
}
