//! Parsers of a setting's text, whatever it is written in: a word among a type's choices,
//! `true` or `false`, a number of milliseconds in a range. A parser says what the setting
//! takes; the caller names the setting.

use std::ops::RangeInclusive;
use std::time::Duration;

/// One of a setting type's words (`clap::ValueEnum`: `agent-payload`, `inline`...),
/// case-insensitive.
pub(super) fn choice<T: clap::ValueEnum>(value: &str) -> Result<T, String> {
    T::from_str(value, true).map_err(|_| {
        let words: Vec<String> = T::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value())
            .map(|v| v.get_name().to_owned())
            .collect();
        format!("must be one of: {}", words.join(", "))
    })
}

/// `true` or `false`, case-insensitive.
pub(super) fn flag(value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err("must be one of: true, false".to_owned()),
    }
}

/// A whole number of milliseconds within `range`; `why` says what bounds it.
pub(super) fn millis(
    range: RangeInclusive<u64>,
    why: &'static str,
) -> impl Fn(&str) -> Result<Duration, String> {
    move |value| match value.parse::<u64>() {
        Ok(ms) if range.contains(&ms) => Ok(Duration::from_millis(ms)),
        _ => Err(format!(
            "must be a whole number of milliseconds from {} to {}{why}",
            range.start(),
            range.end()
        )),
    }
}
