//! The cobrowse rule: a participant's `cobrowsesessions` entry in a state that means offered
//! or under way, with no `disconnectedTime`, on a participant that has not left, is a live
//! session, and no second one is started beside it.
//!
//! What is known (Python SDK 269): `Participant.cobrowsesessions` is a list of
//! `Cobrowsesession`, the legacy co-browse for chat and voice, whose operations
//! (`/api/v2/conversations/cobrowsesessions/...`) are deprecated since Genesys stopped
//! supporting it in 2024/2025. The co-browse for Messenger that
//! `POST /api/v2/conversations/{id}/cobrowse` starts answers a `CobrowseWebMessagingSession`
//! (no state, no participant), and its offer is modelled as a message event (`CoBrowse`,
//! `Offering`...), not as a `Cobrowsesession`. Whether Genesys also lists it here is not
//! documented: assumed not. So the rule is a best-effort guard that can only ever prevent a
//! start: an absent list, a list shaped otherwise, an entry without a published live state or
//! with an end, all leave the start to go ahead, and never make the conversation unreadable.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A `Cobrowsesession` entry, as far as the rule reads it.
#[derive(Default)]
pub(super) struct CobrowseMedia {
    /// `state`, when it is text.
    pub(super) state: Option<String>,
    /// `cobrowseSessionId`, when it is text: for the message.
    cobrowse_session_id: Option<String>,
    /// `disconnectedTime` is set: the entry is over whatever its state says.
    disconnected: bool,
}

/// A cobrowse session the conversation shows offered or under way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveCobrowse {
    /// The entry's `state` (`offering`, `connected`, ...).
    pub state: String,
    /// Its `cobrowseSessionId`, `""` when absent.
    pub cobrowse_session_id: String,
}

/// The `Cobrowsesession` states that mean a session is offered or under way. The model's
/// others are `disconnected` and `terminated` (over), and `scheduled` and `none`, which say
/// nothing is live: those, a missing state and any state a later model adds leave the start
/// to go ahead, so the rule never holds one back on evidence it cannot read.
fn is_live(state: &str) -> bool {
    matches!(
        state,
        "alerting" | "dialing" | "contacting" | "offering" | "connected"
    )
}

impl CobrowseMedia {
    /// The session this entry shows live, if it does.
    pub(super) fn live(&self) -> Option<LiveCobrowse> {
        let state = self.state.as_deref().filter(|s| is_live(s))?;
        if self.disconnected {
            return None;
        }
        Some(LiveCobrowse {
            state: state.to_owned(),
            cobrowse_session_id: self.cobrowse_session_id.clone().unwrap_or_default(),
        })
    }

    fn read(entry: &Value) -> Option<Self> {
        let entry = entry.as_object()?;
        let text = |key: &str| entry.get(key).and_then(Value::as_str).map(str::to_owned);
        Some(CobrowseMedia {
            state: text("state"),
            cobrowse_session_id: text("cobrowseSessionId"),
            disconnected: entry.get("disconnectedTime").is_some_and(|t| !t.is_null()),
        })
    }
}

/// `cobrowsesessions` in any shape: the object entries of a list, their fields read when they
/// are text; anything else (`null`, an object, a string, an entry that is no object) is no
/// entry. Only JSON that is not JSON at all fails, as it fails the whole read anyway.
pub(super) fn lenient_list<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<CobrowseMedia>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::Array(entries) => entries.iter().filter_map(CobrowseMedia::read).collect(),
        _ => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Deserialize)]
    struct Holder {
        #[serde(deserialize_with = "lenient_list", default)]
        cobrowsesessions: Vec<CobrowseMedia>,
    }

    fn live(value: Value) -> Vec<Option<LiveCobrowse>> {
        let holder: Holder = serde_json::from_value(value).unwrap();
        holder
            .cobrowsesessions
            .iter()
            .map(CobrowseMedia::live)
            .collect()
    }

    #[test]
    fn a_list_shaped_otherwise_is_read_as_no_sessions() {
        for shape in [
            json!({}),
            json!({"cobrowsesessions": null}),
            json!({"cobrowsesessions": {}}),
            json!({"cobrowsesessions": "connected"}),
            json!({"cobrowsesessions": 1}),
            json!({"cobrowsesessions": [null, 7, "connected", ["connected"]]}),
        ] {
            assert!(live(shape.clone()).is_empty(), "{shape}");
        }
    }

    #[test]
    fn fields_that_are_not_text_are_read_as_absent() {
        assert_eq!(
            live(json!({"cobrowsesessions": [{"state": 7, "cobrowseSessionId": 9}]})),
            vec![None]
        );
        // A live state with an id that is no text: still live, its id unknown.
        assert_eq!(
            live(json!({"cobrowsesessions": [{"state": "connected", "cobrowseSessionId": 9}]})),
            vec![Some(LiveCobrowse {
                state: "connected".into(),
                cobrowse_session_id: String::new()
            })]
        );
    }

    #[test]
    fn a_live_state_with_a_disconnected_time_is_over() {
        let entry = |end: Value| json!({"cobrowsesessions": [{"state": "connected", "cobrowseSessionId": "cb", "disconnectedTime": end}]});
        assert_eq!(live(entry(json!("2026-11-24T10:06:00Z"))), vec![None]);
        assert_eq!(
            live(entry(Value::Null)),
            vec![Some(LiveCobrowse {
                state: "connected".into(),
                cobrowse_session_id: "cb".into()
            })]
        );
    }

    #[test]
    fn unknown_fields_change_nothing() {
        let entry = |state: &str| {
            json!({"cobrowsesessions": [{
                "state": state, "cobrowseSessionId": "cb", "mediaType": "webmessaging",
                "session": {"joinCode": "123456", "type": "view"}, "controlling": [1, 2]
            }]})
        };
        assert_eq!(
            live(entry("offering"))[0].as_ref().unwrap().state,
            "offering"
        );
        assert_eq!(live(entry("outdated_sdk_version")), vec![None]);
    }
}
