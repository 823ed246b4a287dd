//! Where an org's settings are written: what a source of them answers (the settings
//! themselves are named in `crate::org_keys`). The environment
//! (`config::env`) and an org's table of the orgs file (`config::orgs_file`) are the two.

use std::ops::RangeInclusive;

use secrecy::SecretString;

pub use crate::org_keys::OrgKey;

/// A value read from a source: `Ok(None)` when unset or blank, `Err(Reported)` when it could
/// not be read.
pub type Read<T> = Result<Option<T>, Reported>;

/// A value could not be read, and the problem that says why is among the problems already.
#[derive(Clone, Copy, Debug)]
pub struct Reported;

/// Where an org's settings are written.
pub trait OrgSource {
    /// The org's name: `None` for the environment's one org.
    fn org_name(&self) -> Option<&str>;
    /// How a problem names `key`: `COBROWSE_GENESYS_CLIENT_ID`, or `` `client_id` ``.
    fn name(&self, key: OrgKey) -> String;
    /// Records a problem with `key`, showing nothing of its value.
    fn problem(&self, problems: &mut Vec<String>, key: OrgKey, why: &str);
    /// Records that `value` of `key` is refused: the environment shows a value that cannot
    /// carry a credential, the orgs file (which holds secrets) never does.
    fn invalid(&self, problems: &mut Vec<String>, key: OrgKey, value: &str, why: &str);
    /// What the admin runs to write a credential without padding, where it is written.
    fn padding_fix(&self, key: OrgKey) -> String;
    /// A text value: a credential exactly as written, any other without whitespace around it.
    fn text(&self, problems: &mut Vec<String>, key: OrgKey) -> Read<String>;
    /// A secret value, exactly as written.
    fn secret(&self, problems: &mut Vec<String>, key: OrgKey) -> Read<SecretString>;
    /// A whole number within `range`; `why` is what the setting takes, said otherwise.
    fn whole_number(
        &self,
        problems: &mut Vec<String>,
        key: OrgKey,
        range: RangeInclusive<u32>,
        why: &str,
    ) -> Read<u32>;
    /// `true` or `false`.
    fn flag(&self, problems: &mut Vec<String>, key: OrgKey) -> Read<bool>;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table's names are written by hand beside `RawEnv`'s fields: a variable that is not
    /// one of them would name, in a problem, a variable that is never read.
    #[test]
    fn every_setting_is_a_key_of_the_orgs_file_and_a_variable_of_the_service() {
        let variables = crate::config::variable_names();
        let keys = crate::config::orgs_file::keys();
        for setting in OrgKey::ALL {
            assert!(keys.contains(&setting.key()), "{setting:?}");
            assert!(
                variables
                    .iter()
                    .any(|v| *v == format!("{}{}", crate::config::PREFIX, setting.variable())),
                "{setting:?}"
            );
        }
    }
}
