//! The README documents what the service does: every error code and every setting.

use cobrowse_proxy::config::variable_names;
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
    let readme = readme();
    let names = variable_names();
    for variable in &names {
        assert!(
            readme.contains(&format!("| `{variable}` |")),
            "{variable} is not in the README's configuration table"
        );
    }
    assert!(names.len() >= 14, "found only {} settings", names.len());
}
