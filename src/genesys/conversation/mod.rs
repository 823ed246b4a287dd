//! Who is on the conversation: the agent to cobrowse with, and whether anyone still is.
//!
//! `GET /api/v2/conversations/{id}` answers the published `Conversation` model: participants
//! with a `purpose` (`agent`, `customer`, `acd`, `ivr`, ...) and one list per media
//! (`calls`, `messages`, `cobrowsesessions`, ...). The published `Participant` has no state of
//! its own: the connection `state` lives on each media entry, so only those are read.
//!
//! The agent rule (docs/conversation.md):
//! - an agent is a participant with purpose `agent` that is not supervising: no
//!   `monitoredParticipantId`, `coachedParticipantId` or `bargedParticipantId`, and no
//!   `monitor`, `coach` or `barge` in `mediaRoles`;
//! - it is connected when an interaction media entry (call, callback, chat, email, message,
//!   social expression, video) says `connected` and the participant has no `endTime`;
//! - of the connected agents, those not in a consult (no `consultParticipantId`) come first,
//!   and of those the one connected most recently wins (a transfer's new agent); when every
//!   connected agent is in a consult, the one marked `attributes.consultInitiator = "true"`
//!   wins (who started the consult holds the customer), and without such a mark the one
//!   connected earliest (the agent who held the customer before the consult began);
//! - times are compared as instants (`10:00:00.500Z` is later than `10:00:00Z`); a known time
//!   wins over a missing one, and with equal or missing times list order decides (Genesys
//!   lists participants as they joined): the later-listed for "most recently", the
//!   earlier-listed for "earliest".
//!
//! The cobrowse rule, and what is known and assumed about the `cobrowsesessions` it reads, is
//! `cobrowse.rs`'s (docs/conversation.md).

mod cobrowse;

use std::time::SystemTime;

use serde::Deserialize;

use crate::domain::AgentId;
use cobrowse::CobrowseMedia;
pub use cobrowse::LiveCobrowse;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct Conversation {
    end_time: Option<String>,
    participants: Vec<Participant>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Participant {
    purpose: Option<String>,
    user_id: Option<String>,
    connected_time: Option<String>,
    end_time: Option<String>,
    consult_participant_id: Option<String>,
    /// `Option`: Genesys may send `null`; only `consultInitiator` is read from it.
    attributes: Option<Attributes>,
    monitored_participant_id: Option<String>,
    coached_participant_id: Option<String>,
    barged_participant_id: Option<String>,
    media_roles: Vec<String>,
    // The interaction media: what an agent talks to the customer on.
    calls: Vec<Media>,
    callbacks: Vec<Media>,
    chats: Vec<Media>,
    emails: Vec<Media>,
    messages: Vec<Media>,
    social_expressions: Vec<Media>,
    videos: Vec<Media>,
    // Media beside the interaction: they say whether a participant is still there, and a
    // cobrowse session whether one is live already. Read whatever its shape: a list that is
    // not as published is no sessions, never an unreadable conversation.
    #[serde(deserialize_with = "cobrowse::lenient_list")]
    cobrowsesessions: Vec<CobrowseMedia>,
    screenshares: Vec<Media>,
    internal_messages: Vec<Media>,
    screen_monitorings: Vec<Media>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Media {
    state: Option<String>,
    connected_time: Option<String>,
}

/// A participant's `attributes` (a string map): only the consult mark is kept, so the
/// flow-set attributes a real conversation carries cost nothing to skip.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Attributes {
    #[serde(rename = "consultInitiator")]
    consult_initiator: Option<String>,
}

/// What the conversation says about the agent.
#[derive(Debug, PartialEq, Eq)]
pub enum AgentPresence {
    /// A connected agent, with the media it is connected on (`call`, `message`, ...).
    Connected {
        agent_id: AgentId,
        media_type: String,
    },
    /// The conversation is live but has no such connected agent.
    NotConnected,
    /// Every participant has left: nothing to cobrowse.
    Ended,
}

/// A connected agent, as the rule weighs it.
struct Candidate {
    agent_id: AgentId,
    media_type: &'static str,
    since: Option<SystemTime>,
    in_consult: bool,
    /// Marked as the agent who started the consult.
    consult_initiator: bool,
}

fn is_gone(state: &str) -> bool {
    matches!(state, "disconnected" | "terminated")
}

fn instant(time: Option<&str>) -> Option<SystemTime> {
    super::time_of(time?)
}

impl Participant {
    fn interaction_media(&self) -> impl Iterator<Item = (&'static str, &Media)> {
        let lists: [(&'static str, &Vec<Media>); 7] = [
            ("call", &self.calls),
            ("callback", &self.callbacks),
            ("chat", &self.chats),
            ("email", &self.emails),
            ("message", &self.messages),
            ("socialExpression", &self.social_expressions),
            ("video", &self.videos),
        ];
        lists
            .into_iter()
            .flat_map(|(kind, list)| list.iter().map(move |m| (kind, m)))
    }

    /// The state of every media entry, in every list of the published model.
    fn media_states(&self) -> impl Iterator<Item = Option<&str>> {
        let beside = [
            &self.screenshares,
            &self.internal_messages,
            &self.screen_monitorings,
        ];
        self.interaction_media()
            .map(|(_, m)| m)
            .chain(beside.into_iter().flatten())
            .map(|m| m.state.as_deref())
            .chain(self.cobrowsesessions.iter().map(|c| c.state.as_deref()))
    }

    fn is_supervising(&self) -> bool {
        self.monitored_participant_id.is_some()
            || self.coached_participant_id.is_some()
            || self.barged_participant_id.is_some()
            || self
                .media_roles
                .iter()
                .any(|role| matches!(role.as_str(), "monitor" | "coach" | "barge"))
    }

    /// The agent this participant is, when it is one and connected.
    fn candidate(&self) -> Option<Candidate> {
        if self.purpose.as_deref() != Some("agent")
            || self.end_time.is_some()
            || self.is_supervising()
        {
            return None;
        }
        let agent_id = AgentId::parse(self.user_id.as_deref()?).ok()?;
        let (media_type, media) = self
            .interaction_media()
            .find(|(_, m)| m.state.as_deref() == Some("connected"))?;
        Some(Candidate {
            agent_id,
            media_type,
            since: instant(media.connected_time.as_deref())
                .or_else(|| instant(self.connected_time.as_deref())),
            in_consult: self.consult_participant_id.is_some(),
            consult_initiator: self
                .attributes
                .as_ref()
                .and_then(|a| a.consult_initiator.as_deref())
                .is_some_and(|mark| mark.eq_ignore_ascii_case("true")),
        })
    }

    fn is_gone(&self) -> bool {
        if self.end_time.is_some() {
            return true;
        }
        let mut states = self.media_states().flatten().peekable();
        states.peek().is_some() && states.all(is_gone)
    }
}

impl Conversation {
    /// The agent to cobrowse with when the flow did not say: see the module docs for the rule.
    pub fn connected_agent(&self) -> AgentPresence {
        self.find_agent(|_| true)
    }

    /// Whether `agent` is connected to the conversation as an agent (never as a supervisor).
    pub fn agent_presence(&self, agent: AgentId) -> AgentPresence {
        self.find_agent(|id| id == agent)
    }

    /// A cobrowse session offered or under way on any participant that has not left, if
    /// the conversation shows one: then no second one is started.
    pub fn live_cobrowse(&self) -> Option<LiveCobrowse> {
        self.participants
            .iter()
            .filter(|p| p.end_time.is_none())
            .flat_map(|p| &p.cobrowsesessions)
            .find_map(CobrowseMedia::live)
    }

    fn find_agent(&self, wanted: impl Fn(AgentId) -> bool) -> AgentPresence {
        if self.end_time.is_some()
            || (!self.participants.is_empty() && self.participants.iter().all(|p| p.is_gone()))
        {
            return AgentPresence::Ended;
        }
        let candidates: Vec<Candidate> = self
            .participants
            .iter()
            .filter_map(Participant::candidate)
            .filter(|c| wanted(c.agent_id))
            .collect();
        let talking: Vec<&Candidate> = candidates.iter().filter(|c| !c.in_consult).collect();
        // A known time beats a missing one either way; among equals, list order decides.
        let chosen = if talking.is_empty() {
            // Everyone is in a consult: the agent who started it holds the customer, and
            // without that mark the agent who was there first. `min_by_key` keeps the first
            // of equals.
            candidates
                .iter()
                .min_by_key(|c| (!c.consult_initiator, c.since.is_none(), c.since))
        } else {
            // `max_by_key` keeps the last of equals: the participant that joined later.
            talking.into_iter().max_by_key(|c| c.since)
        };
        match chosen {
            Some(c) => AgentPresence::Connected {
                agent_id: c.agent_id,
                media_type: c.media_type.to_owned(),
            },
            None => AgentPresence::NotConnected,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    const FIRST: &str = "11111111-1111-4111-8111-111111111111";
    const SECOND: &str = "22222222-2222-4222-8222-222222222222";

    fn conversation(value: Value) -> Conversation {
        serde_json::from_value(value).unwrap()
    }

    fn connected(id: &str, media: &str) -> AgentPresence {
        AgentPresence::Connected {
            agent_id: AgentId::parse(id).unwrap(),
            media_type: media.into(),
        }
    }

    #[test]
    fn after_a_transfer_the_connected_agent_is_chosen() {
        let c = conversation(json!({"participants": [
            {"purpose": "customer", "calls": [{"state": "connected"}]},
            {"purpose": "agent", "userId": FIRST, "calls": [{"state": "disconnected", "connectedTime": "2026-11-24T10:00:00.000Z"}]},
            {"purpose": "agent", "userId": SECOND, "calls": [{"state": "connected", "connectedTime": "2026-11-24T10:05:00.000Z"}]}
        ]}));
        assert_eq!(c.connected_agent(), connected(SECOND, "call"));
    }

    #[test]
    fn of_two_connected_agents_the_most_recent_wins_whatever_the_order() {
        let c = conversation(json!({"participants": [
            {"purpose": "agent", "userId": SECOND, "messages": [{"state": "connected", "connectedTime": "2026-11-24T10:05:00.000Z"}]},
            {"purpose": "agent", "userId": FIRST, "messages": [{"state": "connected", "connectedTime": "2026-11-24T10:00:00.000Z"}]}
        ]}));
        assert_eq!(c.connected_agent(), connected(SECOND, "message"));
    }

    #[test]
    fn times_are_instants_not_strings() {
        // As strings, "10:00:00Z" sorts after "10:00:00.500Z" ('Z' > '.').
        let c = conversation(json!({"participants": [
            {"purpose": "agent", "userId": FIRST, "calls": [{"state": "connected", "connectedTime": "2026-11-24T10:00:00.500Z"}]},
            {"purpose": "agent", "userId": SECOND, "calls": [{"state": "connected", "connectedTime": "2026-11-24T10:00:00Z"}]}
        ]}));
        assert_eq!(c.connected_agent(), connected(FIRST, "call"));
    }

    #[test]
    fn a_consulted_agent_is_not_the_one_talking_to_the_customer() {
        let c = conversation(json!({"participants": [
            {"purpose": "agent", "userId": FIRST, "calls": [{"state": "connected", "connectedTime": "2026-11-24T10:00:00Z"}]},
            {"purpose": "agent", "userId": SECOND, "consultParticipantId": "p-first", "calls": [{"state": "connected", "connectedTime": "2026-11-24T10:05:00Z"}]}
        ]}));
        assert_eq!(c.connected_agent(), connected(FIRST, "call"));
        let both_marked = conversation(json!({"participants": [
            {"purpose": "agent", "userId": SECOND, "consultParticipantId": "p-first", "calls": [{"state": "connected", "connectedTime": "2026-11-24T10:05:00Z"}]},
            {"purpose": "agent", "userId": FIRST, "consultParticipantId": "p-second", "calls": [{"state": "connected", "connectedTime": "2026-11-24T10:00:00Z"}]}
        ]}));
        assert_eq!(
            both_marked.connected_agent(),
            connected(FIRST, "call"),
            "the earliest connected holds the customer"
        );
    }

    #[test]
    fn the_consult_initiator_holds_the_customer_whenever_it_connected() {
        // The initiator's leg shows the later time: the mark decides, not the time.
        let consult = |mark: Value| {
            conversation(json!({"participants": [
                {"purpose": "agent", "userId": SECOND, "consultParticipantId": "p-first", "calls": [{"state": "connected", "connectedTime": "2026-11-24T09:59:00Z"}]},
                {"purpose": "agent", "userId": FIRST, "consultParticipantId": "p-second", "attributes": mark, "calls": [{"state": "connected", "connectedTime": "2026-11-24T10:00:00Z"}]}
            ]}))
        };
        assert_eq!(
            consult(json!({"consultInitiator": "true", "flowSet": "x"})).connected_agent(),
            connected(FIRST, "call")
        );
        // The mark cleared (removed, set to something else, or no attributes at all): the
        // earliest connected, as before.
        for cleared in [json!({}), json!({"consultInitiator": "false"}), Value::Null] {
            assert_eq!(
                consult(cleared.clone()).connected_agent(),
                connected(SECOND, "call"),
                "{cleared}"
            );
        }
    }

    #[test]
    fn a_cobrowse_session_offered_or_under_way_is_live() {
        let with_cobrowse = |state: Value| {
            conversation(json!({"participants": [
                {"purpose": "customer", "calls": [{"state": "connected"}], "cobrowsesessions": [{"state": state, "cobrowseSessionId": "cb-1", "cobrowseRole": "sharer", "controlling": []}]},
                {"purpose": "agent", "userId": FIRST, "calls": [{"state": "connected"}]}
            ]}))
        };
        for state in ["alerting", "dialing", "contacting", "offering", "connected"] {
            assert_eq!(
                with_cobrowse(json!(state)).live_cobrowse(),
                Some(LiveCobrowse {
                    state: state.into(),
                    cobrowse_session_id: "cb-1".into()
                })
            );
        }
        // Over, or saying nothing is live, or unreadable: the start goes ahead.
        for state in [
            json!("disconnected"),
            json!("terminated"),
            json!("scheduled"),
            json!("none"),
            json!("paused"),
            Value::Null,
        ] {
            assert_eq!(
                with_cobrowse(state.clone()).live_cobrowse(),
                None,
                "{state}"
            );
        }
        let without = conversation(json!({"participants": [
            {"purpose": "agent", "userId": FIRST, "calls": [{"state": "connected"}]}
        ]}));
        assert_eq!(without.live_cobrowse(), None);
    }

    #[test]
    fn a_cobrowse_session_of_a_participant_who_left_is_not_live() {
        let c = conversation(json!({"participants": [
            {"purpose": "agent", "userId": FIRST, "endTime": "2026-11-24T10:04:00Z", "cobrowsesessions": [{"state": "connected"}]},
            {"purpose": "agent", "userId": SECOND, "calls": [{"state": "connected"}]}
        ]}));
        assert_eq!(c.live_cobrowse(), None);
    }

    #[test]
    fn without_times_list_order_decides_each_rule() {
        let c = conversation(json!({"participants": [
            {"purpose": "agent", "userId": FIRST, "calls": [{"state": "connected"}]},
            {"purpose": "agent", "userId": SECOND, "calls": [{"state": "connected"}]}
        ]}));
        assert_eq!(
            c.connected_agent(),
            connected(SECOND, "call"),
            "joined last"
        );
        let consult = conversation(json!({"participants": [
            {"purpose": "agent", "userId": FIRST, "consultParticipantId": "p2", "calls": [{"state": "connected"}]},
            {"purpose": "agent", "userId": SECOND, "consultParticipantId": "p1", "calls": [{"state": "connected"}]}
        ]}));
        assert_eq!(
            consult.connected_agent(),
            connected(FIRST, "call"),
            "joined first"
        );
    }

    #[test]
    fn a_supervisor_is_never_the_agent() {
        for supervisor in [
            json!({"monitoredParticipantId": "p-first"}),
            json!({"coachedParticipantId": "p-first"}),
            json!({"bargedParticipantId": "p-first"}),
            json!({"mediaRoles": ["monitor"]}),
        ] {
            let mut second = json!({"purpose": "agent", "userId": SECOND, "calls": [{"state": "connected", "connectedTime": "2026-11-24T10:05:00Z"}]});
            second
                .as_object_mut()
                .unwrap()
                .extend(supervisor.as_object().unwrap().clone());
            let c = conversation(json!({"participants": [
                {"purpose": "agent", "userId": FIRST, "calls": [{"state": "connected", "connectedTime": "2026-11-24T10:00:00Z"}]},
                second
            ]}));
            assert_eq!(
                c.connected_agent(),
                connected(FIRST, "call"),
                "{supervisor}"
            );
            let second_id = AgentId::parse(SECOND).unwrap();
            assert_eq!(c.agent_presence(second_id), AgentPresence::NotConnected);
        }
    }

    #[test]
    fn a_participant_level_state_is_not_read() {
        // The published Participant has no state: only media entries say who is connected.
        let c = conversation(json!({"participants": [
            {"purpose": "agent", "userId": FIRST, "state": "connected", "chats": [{"state": "alerting"}]}
        ]}));
        assert_eq!(c.connected_agent(), AgentPresence::NotConnected);
    }

    #[test]
    fn a_queued_conversation_has_no_agent() {
        let c = conversation(json!({"participants": [
            {"purpose": "customer", "calls": [{"state": "connected"}]},
            {"purpose": "acd", "calls": [{"state": "connected"}]},
            {"purpose": "agent", "userId": FIRST, "calls": [{"state": "alerting"}]}
        ]}));
        assert_eq!(c.connected_agent(), AgentPresence::NotConnected);
    }

    #[test]
    fn a_conversation_everyone_left_has_ended() {
        let c = conversation(json!({"participants": [
            {"purpose": "customer", "calls": [{"state": "terminated"}]},
            {"purpose": "agent", "userId": FIRST, "calls": [{"state": "disconnected"}]}
        ]}));
        assert_eq!(c.connected_agent(), AgentPresence::Ended);
        let ended = conversation(json!({"endTime": "2026-11-24T10:00:00Z", "participants": []}));
        assert_eq!(ended.connected_agent(), AgentPresence::Ended);
    }

    #[test]
    fn a_live_side_media_means_the_participant_has_not_left() {
        // The call ended, but the customer is still in a cobrowse session.
        let c = conversation(json!({"participants": [
            {"purpose": "customer", "calls": [{"state": "disconnected"}], "cobrowsesessions": [{"state": "connected"}]},
            {"purpose": "agent", "userId": FIRST, "calls": [{"state": "disconnected"}]}
        ]}));
        assert_eq!(c.connected_agent(), AgentPresence::NotConnected);
    }

    #[test]
    fn verifying_an_agent_looks_for_that_agent_only() {
        let c = conversation(json!({"participants": [
            {"purpose": "agent", "userId": FIRST, "endTime": "2026-11-24T10:01:00Z", "calls": [{"state": "connected"}]},
            {"purpose": "agent", "userId": SECOND, "calls": [{"state": "connected"}]}
        ]}));
        assert_eq!(
            c.agent_presence(AgentId::parse(FIRST).unwrap()),
            AgentPresence::NotConnected
        );
        assert!(matches!(
            c.agent_presence(AgentId::parse(SECOND).unwrap()),
            AgentPresence::Connected { .. }
        ));
    }
}
